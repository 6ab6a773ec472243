/**
 * A shard's checkpoint (`ShardRuntime.checkpoint()`, what a simulation worker writes to etcd and
 * the next holder of the shard resumes from) without etcd: a link that, after every tick,
 * replaces its shard by one started from the shard's structured-cloned checkpoint — as if every
 * shard moved to another worker at every tick boundary. Three such shards give the log and the
 * state one engine gives, through objects created, moved and deleted mid-run (objects whose
 * resourceVersion and uid come from the main store, past the replica's own counters).
 */
import { createEngine, formatLogJson, type Engine } from "../../../src/index.js";
import { attachWorkerThreads } from "../../../src/composition/create-engine.js";
import { InProcessLink } from "../../../src/composition/shards/in-process-link.js";
import { ShardRuntime } from "../../../src/composition/shards/shard-runtime.js";
import type { SimulationEngine } from "../../../src/engine/engine.js";
import { shardCluster, shardHost, shardVm } from "../../helpers/shard-cluster.js";

/** A shard on this thread, restored from its own checkpoint after every tick's second phase. */
class RestoringLink extends InProcessLink {
  restores = 0;

  constructor() {
    super((method, runtime) => {
      if (method !== "phase2") return runtime;
      this.restores++;
      return new ShardRuntime(structuredClone(runtime.checkpoint()));
    });
  }
}

const vm = shardVm;
const cluster = shardCluster(6, 4, ["esxi", "mom", "squeezed"], "6Gi");

function run(links?: RestoringLink[]): { log: string[]; state: string } {
  const engine: Engine = createEngine({ seed: 7, workers: links === undefined ? 1 : links.length });
  let next = 0;
  if (links !== undefined) attachWorkerThreads(engine as SimulationEngine, () => links[next++]!);
  const log: string[] = [];
  const sub = engine.logs$.subscribe((e) => log.push(formatLogJson(e)));
  engine.apply(cluster);
  engine.step(8);
  engine.apply([vm(0, 1, 4), vm(2, 2, 5), shardHost(6, ["esxi", "mom", "squeezed"], "6Gi"), vm(6, 0)].join("---\n")); // two moves, a new host with a new VM
  engine.step(5);
  engine.delete("VirtualMachine", "vm-5-3");
  engine.apply([vm(1, 9, 6), vm(3, 3, 6)].join("---\n")); // a new VM and a move onto the new host
  engine.step(7);
  sub.unsubscribe();
  return { log, state: JSON.stringify(engine.snapshot()) };
}

describe("a shard restored from its checkpoint", () => {
  it("after every tick, three shards still give one engine's log and state", () => {
    const one = run();
    expect(one.log.some((l) => l.includes('"action":"BalloonTargetChanged"'))).toBe(true);
    const links = [new RestoringLink(), new RestoringLink(), new RestoringLink()];
    const three = run(links);
    expect(links.map((l) => l.restores)).toEqual([20, 20, 20]);
    expect(three.log).toEqual(one.log);
    expect(three.state === one.state).toBe(true);
  });
});
