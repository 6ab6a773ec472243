/**
 * The entry module of a shard's worker thread (thread-link.ts starts it): a {@link ShardRuntime}
 * answering the calls of protocol.ts. A tick's result travels with its typed arrays shared, not
 * copied (views of the shard's SharedArrayBuffer columns); after it the thread may collect its
 * garbage (between-ticks-gc.ts).
 */
import { serveSync } from "../../engine/workers/serve-sync.js";
import { BetweenTicksCollector } from "./between-ticks-gc.js";
import type { ShardCalls, ShardTickResult } from "./protocol.js";
import { dispatchShardCall, type ShardRuntime } from "./shard-runtime.js";

let runtime: ShardRuntime | undefined;
const collector = new BetweenTicksCollector();
const call = (method: keyof ShardCalls) => (request: unknown): unknown => dispatchShardCall(runtime, method, request, (r) => (runtime = r));

serveSync({
  init: () => null,
  start: call("init"),
  phase1: call("phase1"),
  phase2: (request) => {
    const r = call("phase2")(request) as ShardTickResult;
    setImmediate(() => collector.maybeCollect()); // after the answer has gone
    return r;
  },
  pull: call("pull"),
  snapshot: call("snapshot"),
  counts: call("counts"),
});
