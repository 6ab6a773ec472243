/**
 * The sharded engine's protocol without threads (composition/shards/, `InProcessLink`): every
 * message structured-cloned on the calling thread, as a worker thread would receive it. Three
 * shards give the log and the state one engine gives, through moves across shards, a restart,
 * a power-off, and objects created and deleted between two ticks — and the log built lazily
 * (read from the tick summaries) is the same as the one read as it comes.
 */
import { createEngine, formatLogJson, type Engine } from "../../../src/index.js";
import { attachWorkerThreads } from "../../../src/composition/create-engine.js";
import { InProcessLink } from "../../../src/composition/shards/in-process-link.js";
import type { SimulationEngine } from "../../../src/engine/engine.js";
import { shardCluster, shardVm } from "../../helpers/shard-cluster.js";

const vm = shardVm;
const cluster = shardCluster(6, 4, ["esxi", "mom", "squeezed"]);

/** The log (read as it comes, or from the tick summaries) and the final state of the run. */
function run(shards: number, lazy: boolean): { log: string[]; state: string; shards: number } {
  const engine: Engine = createEngine({ seed: 7, workers: shards });
  if (shards > 1) attachWorkerThreads(engine as SimulationEngine, () => new InProcessLink());
  const log: string[] = [];
  const sub = lazy
    ? engine.ticks$.subscribe((t) => t.logEntries.forEach((e) => log.push(formatLogJson(e))))
    : engine.logs$.subscribe((e) => log.push(formatLogJson(e)));
  engine.apply(cluster);
  engine.step(15);
  const restarted = vm(3, 0).replace("metadata: {name: vm-3-0}", 'metadata: {name: vm-3-0, annotations: {"memplane.io/restartedAt": "now"}}');
  engine.apply([vm(0, 1, 4), vm(2, 2, 5), restarted].join("---\n")); // two moves (likely across shards) and a guest restart
  engine.apply(vm(1, 9)); // created and deleted before the next tick
  engine.delete("VirtualMachine", "vm-1-9");
  engine.delete("VirtualMachine", "vm-5-3");
  engine.step(15);
  const rows = engine.workerShards().length;
  sub.unsubscribe();
  return { log, state: JSON.stringify(engine.snapshot()), shards: rows };
}

describe("shards over the in-process link", () => {
  it("three shards give one engine's log and state, read as it comes or lazily", () => {
    const one = run(1, false);
    for (const reason of ["HostChanged", "GuestRestart"]) expect(one.log.some((l) => l.includes(`"reason":"${reason}"`))).toBe(true);
    for (const lazy of [false, true]) {
      const three = run(3, lazy);
      expect(three.shards).toBe(3);
      expect(three.log).toEqual(one.log);
      expect(three.state === one.state).toBe(true);
    }
  });
});
