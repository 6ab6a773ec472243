/**
 * A shard run on the calling thread (tests, and a check of the protocol without threads): every
 * request and answer is structured-cloned, as a worker thread would receive it, so what works
 * here works across threads.
 */
import type { ShardCalls, ShardLink } from "./protocol.js";
import { ShardRuntime } from "./shard-runtime.js";

/** A {@link ShardLink} to a {@link ShardRuntime} on this thread. */
export class InProcessLink implements ShardLink {
  #runtime: ShardRuntime | undefined;
  #answer: { value: unknown } | { error: unknown } | undefined;

  post<M extends keyof ShardCalls>(method: M, request: ShardCalls[M][0]): void {
    try {
      this.#answer = { value: structuredClone(this.#call(method, structuredClone(request))) };
    } catch (error) {
      this.#answer = { error };
    }
  }

  wait<M extends keyof ShardCalls>(): ShardCalls[M][1] {
    const answer = this.#answer;
    this.#answer = undefined;
    if (answer === undefined) throw new Error("wait() without post()");
    if ("error" in answer) throw answer.error;
    return answer.value as ShardCalls[M][1];
  }

  close(): void {
    this.#runtime = undefined;
  }

  #call(method: keyof ShardCalls, request: unknown): unknown {
    return dispatchShardCall(this.#runtime, method, request, (r) => (this.#runtime = r));
  }
}

/** Runs one call on a shard runtime (`init` makes it); shared with the worker thread's entry. */
export function dispatchShardCall(runtime: ShardRuntime | undefined, method: keyof ShardCalls, request: unknown, started: (r: ShardRuntime) => void): unknown {
  if (method === "init") {
    started(new ShardRuntime(request as ShardCalls["init"][0]));
    return null;
  }
  if (runtime === undefined) throw new Error(`shard call ${method} before init`);
  switch (method) {
    case "phase1":
      return runtime.phase1(request as ShardCalls["phase1"][0]);
    case "phase2":
      return runtime.phase2(request as ShardCalls["phase2"][0]);
    case "pull":
      return runtime.pull(request as ShardCalls["pull"][0]);
    case "snapshot":
      return runtime.snapshot(request as ShardCalls["snapshot"][0]);
    case "counts":
      return runtime.counts();
    default:
      throw new Error(`unknown shard call ${String(method)}`);
  }
}
