/**
 * A shard run on the calling thread (tests, and a check of the protocol without threads): every
 * request and answer is structured-cloned, as a worker thread would receive it, so what works
 * here works across threads.
 */
import type { ShardCalls, ShardLink } from "./protocol.js";
import { dispatchShardCall, type ShardRuntime } from "./shard-runtime.js";

/** A {@link ShardLink} to a {@link ShardRuntime} on this thread. */
export class InProcessLink implements ShardLink {
  #runtime: ShardRuntime | undefined;
  #answer: { value: unknown } | { error: unknown } | undefined;

  constructor(
    /** Called after each call with the shard; returns the shard to go on with (tests replace it, as a worker taking the shard over would). */
    private readonly afterCall: (method: keyof ShardCalls, runtime: ShardRuntime) => ShardRuntime = (_, runtime) => runtime,
  ) {}

  post<M extends keyof ShardCalls>(method: M, request: ShardCalls[M][0]): void {
    try {
      this.#answer = { value: structuredClone(this.#call(method, structuredClone(request))) };
      if (this.#runtime !== undefined) this.#runtime = this.afterCall(method, this.#runtime);
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
