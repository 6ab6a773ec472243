/**
 * The engine's side of the simulation workers (docs/scale-out.md, *Simulation workers*): shard
 * links ({@link ShardLink}) whose shards run on worker processes through etcd. Calls go to a
 * relay thread (relay-thread.ts) that holds the {@link PoolCoordinator}; the main thread blocks
 * on it as on a worker thread, so `engine.step` stays synchronous. The calls the engine posts to
 * several shards before waiting for any travel together, as one batch.
 */
import type { ShardCalls, ShardLink } from "../../composition/shards/protocol.js";
import { SyncWorker } from "../../engine/workers/sync-worker.js";
import { workerEntryUrl } from "../../engine/workers/worker-entry.js";
import type { EtcdConnectionOptions } from "../options.js";
import type { ShardAnswer } from "./answers.js";
import type { PoolCall, PoolCoordinatorOptions } from "./coordinator.js";
import type { RelayStart } from "./relay-thread.js";

/** A shard's call that failed on its worker. */
export class ShardCallError extends Error {
  constructor(shard: number, method: string, message: string) {
    super(`shard ${shard} failed in ${method}: ${message}`);
    this.name = "ShardCallError";
  }
}

/** The shards of one engine on simulation workers (see the module comment). */
export class WorkerPool {
  readonly #relay: SyncWorker;
  #posted: PoolCall[] = [];
  readonly #answers = new Map<number, { method: string; answer: ShardAnswer }>();

  private constructor(relay: SyncWorker) {
    this.#relay = relay;
  }

  /** Starts the relay: connects to etcd and wins the coordinator election (throws a clear Error when it cannot). */
  static start(connection: EtcdConnectionOptions, pool: Omit<PoolCoordinatorOptions, "log">): WorkerPool {
    const relay = SyncWorker.start(workerEntryUrl("./relay-thread.js", import.meta.url), null, { name: "memplane etcd relay" });
    try {
      relay.call("start", { connection, pool } satisfies RelayStart);
    } catch (e) {
      relay.terminate();
      throw e;
    }
    return new WorkerPool(relay);
  }

  /** The link to shard `index`. */
  link(index: number): ShardLink {
    return {
      post: (method, request) => {
        this.#posted.push({ shard: index, method, payload: request });
      },
      wait: <M extends keyof ShardCalls>(): ShardCalls[M][1] => this.#wait(index) as ShardCalls[M][1],
      close: () => undefined,
    };
  }

  /** Why a tick cannot start now (no live worker, etcd down, …), or undefined when it can. */
  ready(): string | undefined {
    return this.#relay.call<string | undefined>("ready", null) ?? undefined;
  }

  /** The live workers and the shards given to each. */
  workers(): { name: string; shards: number[] }[] {
    return this.#relay.call("workers", null);
  }

  /** Resigns and ends the relay. */
  close(): void {
    try {
      this.#relay.call("close", null);
    } finally {
      this.#relay.terminate();
    }
  }

  #wait(shard: number): unknown {
    if (!this.#answers.has(shard)) {
      const batch = this.#posted;
      this.#posted = [];
      const answers = this.#relay.call<ShardAnswer[]>("calls", batch);
      batch.forEach((c, i) => this.#answers.set(c.shard, { method: c.method, answer: answers[i]! }));
    }
    const got = this.#answers.get(shard);
    if (got === undefined) throw new Error(`shard ${shard}: wait() without a call posted`);
    this.#answers.delete(shard);
    if (!got.answer.ok) throw new ShardCallError(shard, got.method, got.answer.error);
    return got.answer.value;
  }
}
