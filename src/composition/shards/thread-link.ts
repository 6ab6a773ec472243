/**
 * A shard on its own worker thread (docs/library.md, *Worker threads*): shard-worker.ts runs
 * there, and the main thread calls it synchronously through a {@link SyncWorker}. The thread
 * never keeps the process alive.
 */
import { SyncWorker } from "../../engine/workers/sync-worker.js";
import { workerEntryUrl } from "../../engine/workers/worker-entry.js";
import type { ShardCalls, ShardLink } from "./protocol.js";

/** A {@link ShardLink} to a shard on a new worker thread. */
export class ThreadLink implements ShardLink {
  readonly #worker: SyncWorker;

  constructor(index: number) {
    this.#worker = SyncWorker.start(workerEntryUrl("./shard-worker.js", import.meta.url), null, { name: `memplane shard ${index}` });
  }

  post<M extends keyof ShardCalls>(method: M, request: ShardCalls[M][0]): void {
    // the handler named init is the channel's own (it gets workerData); the shard starts with "start"
    this.#worker.post(method === "init" ? "start" : method, request);
  }

  wait<M extends keyof ShardCalls>(): ShardCalls[M][1] {
    return this.#worker.wait<ShardCalls[M][1]>();
  }

  close(): void {
    this.#worker.terminate();
  }
}
