/**
 * What a simulation worker does when it takes over a dead worker's shard (etcd/workers/worker.ts),
 * without etcd: the shard is restored from its last checkpoint (`ShardRuntime.checkpoint()`,
 * through the wire encoding) and the calls since are run again, their answers dropped. Shards
 * that "die" every few ticks — between ticks, or after a tick's first phase — still give one
 * engine's log and state, through moves across shards, a guest restart and deletions.
 */
import { createEngine, formatLogJson } from "../../../src/index.js";
import { attachWorkerThreads } from "../../../src/composition/create-engine.js";
import type { ShardCalls, ShardInit, ShardLink } from "../../../src/composition/shards/protocol.js";
import { dispatchShardCall, ShardRuntime } from "../../../src/composition/shards/shard-runtime.js";
import type { SimulationEngine } from "../../../src/engine/engine.js";
import { CHANGING_CALLS } from "../../../src/etcd/workers/answers.js";
import { decode, encode } from "../../../src/etcd/workers/wire.js";
import { shardCluster, shardVm } from "../../helpers/shard-cluster.js";

/** A shard that checkpoints every `period` ticks and is lost (restored and replayed) at the calls `crashAt` names. */
class CrashingLink implements ShardLink {
  #runtime: ShardRuntime | undefined;
  #checkpoint: Buffer | undefined;
  /** Changing calls since the checkpoint. */
  #since: [keyof ShardCalls, Buffer][] = [];
  #calls = 0;
  #answer: unknown;
  restores = 0;

  constructor(
    private readonly period: number,
    private readonly crashAt: (call: number) => boolean,
  ) {}

  post<M extends keyof ShardCalls>(method: M, request: ShardCalls[M][0]): void {
    const bytes = encode(request);
    this.#calls++;
    if (method === "init") {
      this.#checkpoint = encode(request);
      this.#runtime = new ShardRuntime(decode<ShardInit>(this.#checkpoint));
      this.#answer = null;
      return;
    }
    if (this.crashAt(this.#calls)) this.#restore();
    this.#answer = decode(encode(dispatchShardCall(this.#runtime, method, decode(bytes), () => undefined)));
    if (CHANGING_CALLS.has(method)) this.#since.push([method, bytes]);
    if (method === "phase2" && this.#runtime!.tick % this.period === 0) {
      this.#checkpoint = encode(this.#runtime!.checkpoint());
      this.#since = [];
    }
  }

  wait<M extends keyof ShardCalls>(): ShardCalls[M][1] {
    return this.#answer as ShardCalls[M][1];
  }

  close(): void {
    this.#runtime = undefined;
  }

  /** The worker's take-over: the checkpoint, then every changing call since, answers dropped. */
  #restore(): void {
    this.restores++;
    this.#runtime = new ShardRuntime(decode<ShardInit>(this.#checkpoint!));
    for (const [method, bytes] of this.#since) dispatchShardCall(this.#runtime, method, decode(bytes), () => undefined);
  }
}

const vm = shardVm;
const cluster = shardCluster(6, 4, ["esxi", "mom", "squeezed", "hyperv"]);

function run(links?: CrashingLink[], startEmpty = false): { log: string[]; state: string } {
  const engine = createEngine({ seed: 11, workers: links === undefined ? 1 : links.length });
  if (links !== undefined) attachWorkerThreads(engine as SimulationEngine, (i) => links[i]!);
  const log: string[] = [];
  const sub = engine.logs$.subscribe((e) => log.push(formatLogJson(e)));
  if (startEmpty) engine.step(2); // the shards start before any object exists (serve --store before the first apply)
  engine.apply(cluster);
  engine.step(13);
  const restarted = vm(3, 0).replace("metadata: {name: vm-3-0}", 'metadata: {name: vm-3-0, annotations: {"memplane.io/restartedAt": "now"}}');
  engine.apply([vm(0, 1, 4), vm(2, 2, 5), restarted].join("---\n"));
  engine.delete("VirtualMachine", "vm-5-3");
  engine.step(14);
  sub.unsubscribe();
  return { log, state: JSON.stringify(engine.snapshot()) };
}

describe("a shard restored from its checkpoint and replayed", () => {
  it("gives one engine's log and state, lost between ticks or in the middle of one", () => {
    const one = run();
    // three shards, checkpoints every 5 ticks; shard 0 lost every 7th call (either phase), shard 2 every 11th
    const links = [new CrashingLink(5, (c) => c % 7 === 0), new CrashingLink(5, () => false), new CrashingLink(3, (c) => c % 11 === 0)];
    const crashed = run(links);
    expect(links[0]!.restores).toBeGreaterThan(3);
    expect(links[2]!.restores).toBeGreaterThan(2);
    expect(crashed.log).toEqual(one.log);
    expect(crashed.state === one.state).toBe(true);
  });

  it("restores shards that started empty and got every object through their calls", () => {
    const one = run(undefined, true);
    const links = [new CrashingLink(4, (c) => c % 9 === 0), new CrashingLink(4, (c) => c % 13 === 0)];
    const crashed = run(links, true);
    expect(links[0]!.restores + links[1]!.restores).toBeGreaterThan(4);
    expect(crashed.log).toEqual(one.log);
    expect(crashed.state === one.state).toBe(true);
  });
});
