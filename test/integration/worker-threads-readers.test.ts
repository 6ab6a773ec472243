/**
 * What readers see of an engine whose ticks run on worker threads (docs/library.md, *Worker
 * threads*) is what they see of a one-thread engine after the same ticks: statuses read between
 * ticks (built on the main thread from the shards' recorded inputs, resourceVersions included),
 * the events of a watch opened mid-run, the model's records and decisions (what explain reads),
 * and the Events in the store.
 */
import { availableParallelism } from "node:os";
import { createEngine, formatLogJson, type Engine } from "memplane";
import { generateCluster } from "../../src/generate/cluster-generator.js";
import { shardCluster, shardVm } from "../helpers/shard-cluster.js";

const hosts = 6;
const vm = shardVm;
const cluster = shardCluster(hosts, 5, ["esxi", "mom"]);

/** Everything a reader sees, as text. */
function observe(engine: Engine): string {
  const vms = engine.store.list("VirtualMachine");
  const model = engine.model;
  return JSON.stringify({
    tick: engine.tick,
    vms,
    hosts: engine.store.list("Host"),
    events: engine.store.list("Event"),
    records: model.allVms().map((v) => [v.key, v.hostName, v.phase, v.usedMapped, v.balloon, v.entitlement]),
    decisions: model.vm("default", "vm-1-2")?.decisions,
  });
}

function run(workers: number): { seen: string[]; watched: string[] } {
  const engine = createEngine({ seed: 3, workers });
  engine.apply(cluster);
  const seen: string[] = [];
  const watched: string[] = [];
  engine.step(20);
  seen.push(observe(engine));
  const sub = engine.store.watch("VirtualMachine").subscribe((e) => watched.push(`${e.type} ${e.object.metadata.name} ${e.object.metadata.resourceVersion} ${JSON.stringify(e.object.status)}`));
  engine.apply(vm(1, 2, 4)); // a move across hosts (and, with several threads, likely across shards)
  engine.delete("VirtualMachine", "vm-3-0");
  engine.step(15);
  seen.push(observe(engine));
  engine.step(10);
  sub.unsubscribe();
  expect(engine.workerShards()).toHaveLength(workers);
  seen.push(observe(engine));
  return { seen, watched };
}

describe("readers of an engine on worker threads", () => {
  it("see the same statuses, watch events, model records and Events as on one thread", () => {
    const one = run(1);
    expect(one.watched.length).toBeGreaterThan(50);
    const two = run(2);
    expect(two.seen).toEqual(one.seen);
    expect(two.watched).toEqual(one.watched);
  }, 120_000);
});

describe("engine.close()", () => {
  it("takes the simulation back from the worker threads: the run goes on as on one thread", () => {
    const one = createEngine({ seed: 3, workers: 1 });
    const two = createEngine({ seed: 3, workers: 2 });
    for (const e of [one, two]) {
      e.apply(cluster);
      e.step(12);
    }
    two.close();
    expect(two.workerShards()).toEqual([expect.objectContaining({ worker: 0 })]);
    // a workers: 2 engine starts its threads again at the next step; one asked for the default stays on this thread
    two.step(8);
    one.step(8);
    expect(JSON.stringify(two.snapshot()) === JSON.stringify(one.snapshot())).toBe(true);
    expect(two.workerShards()).toHaveLength(2);
  }, 60_000);
});

describe("the default worker count", () => {
  it("moves a growing cluster onto threads at 10 000 VMs without changing the log or the state", () => {
    const big = generateCluster({ hosts: 100, vmsPerHost: 100, overcommit: 1.4, seed: 2 });
    const late = big.filter((o) => (o.kind === "Host" ? o.metadata.name : (o.spec as { hostName: string }).hostName) === "esx-100");
    const early = big.filter((o) => !late.includes(o));
    const runWith = (workers: number | undefined): { log: string[]; state: string; shards: number } => {
      const engine = createEngine(workers === undefined ? { seed: 4 } : { seed: 4, workers });
      const log: string[] = [];
      const sub = engine.logs$.subscribe((e) => log.push(formatLogJson(e)));
      engine.apply(early);
      engine.step(3);
      log.push(JSON.stringify(engine.store.get("VirtualMachine", "esx-001-vm-001", "default")?.status));
      engine.apply(late); // 10 000 VMs from here: the default goes onto threads at the next tick
      engine.step(3);
      sub.unsubscribe();
      return { log, state: JSON.stringify(engine.snapshot()), shards: engine.workerShards().length };
    };
    const one = runWith(1);
    const auto = runWith(undefined);
    expect(auto.shards).toBe(availableParallelism() > 1 ? availableParallelism() : 1);
    expect(auto.log).toEqual(one.log);
    expect(auto.state === one.state).toBe(true);
  }, 180_000);
});
