/**
 * A shard run on the main thread itself, while the other shards run on worker threads: the main
 * thread would otherwise only wait for them. A request runs when its answer is waited for (so
 * the worker threads have theirs first and all shards work at once), and nothing is copied —
 * the shard's replica shares the main store's frozen objects.
 */
import type { ShardCalls, ShardLink } from "./protocol.js";
import { dispatchShardCall, type ShardRuntime } from "./shard-runtime.js";

/** A {@link ShardLink} to a shard on this thread, run at {@link MainThreadLink.wait}. */
export class MainThreadLink implements ShardLink {
  #runtime: ShardRuntime | undefined;
  #request: { method: keyof ShardCalls; request: unknown } | undefined;
  readonly sameThread = true;

  post<M extends keyof ShardCalls>(method: M, request: ShardCalls[M][0]): void {
    if (this.#request !== undefined) throw new Error(`a shard call (${this.#request.method}) is still outstanding`);
    this.#request = { method, request };
  }

  wait<M extends keyof ShardCalls>(): ShardCalls[M][1] {
    const r = this.#request;
    if (r === undefined) throw new Error("wait() without post()");
    this.#request = undefined;
    return dispatchShardCall(this.#runtime, r.method, r.request, (runtime) => (this.#runtime = runtime)) as ShardCalls[M][1];
  }

  close(): void {
    this.#runtime = undefined;
  }
}
