/**
 * How the server changes its simulation. A write runs in one synchronous turn (no tick can come
 * between the change and its save) and is saved before it is acknowledged. When the save fails
 * the write is **rolled back**: the engine is restored to the snapshot taken just before it, so a
 * 500 always means nothing changed and a retry starts from the same state. A dry run makes the
 * same change on a scratch copy of the engine and throws the copy away.
 *
 * With a store backend that commits elsewhere (etcd: `durable`), the change is made in memory,
 * then committed there, and the answer waits for the commit. A commit that fails is rolled back
 * the same way when no tick ran in between; otherwise the change stays and is written with the
 * next commit, and the answer (503) says so.
 */
import { createEngine } from "../composition/create-engine.js";
import type { Engine } from "../engine/engine.js";
import { storeOf } from "../engine/apply-validated.js";
import { EtcdConflictError } from "../etcd/index.js";
import { HttpError } from "./status.js";

export { storeOf };

/** What a {@link WriteGate} needs from the server around it. */
export interface WriteGateOptions {
  /** Saves the simulation (throws when it cannot); undefined when nothing is saved. */
  persist?: () => void;
  /** True once the server is shutting down (writes are then refused with 503). */
  closing: () => boolean;
  /** Commits the change to the store backend (etcd); the answer waits for it. Undefined for the file-backed server. */
  durable?: () => Promise<unknown>;
  /** Told after a rollback, with the reason the save failed (watchers saw events that were undone). */
  rolledBack: (reason: string) => void;
}

/** Runs writes against one engine: saved before acknowledged, rolled back when the save fails. */
export class WriteGate {
  constructor(
    private readonly engine: Engine,
    private readonly options: WriteGateOptions,
  ) {}

  /** Runs `change` for real (`dryRun` false) or on a scratch copy (`dryRun` true). */
  async run<T>(dryRun: boolean, change: (engine: Engine) => T): Promise<T> {
    if (dryRun) return this.dryRun(change);
    if (this.options.durable === undefined) return this.commit(change);
    return this.#commitDurably(change, this.options.durable);
  }

  /** Makes the change in memory and waits for the backend to commit it (see the module comment). */
  async #commitDurably<T>(change: (engine: Engine) => T, durable: () => Promise<unknown>): Promise<T> {
    this.#refuseWhenClosing();
    const before = this.engine.snapshot();
    const tick = this.engine.tick;
    const result = change(this.engine);
    try {
      await durable();
    } catch (err) {
      const reason = (err as Error)?.message ?? String(err);
      if (this.engine.tick !== tick) {
        throw new HttpError(503, "ServiceUnavailable", `the change was made but not yet committed to the store (${reason}); it is written with the next commit: read the object again before retrying`);
      }
      this.engine.restore(before);
      this.options.rolledBack(reason);
      if (err instanceof EtcdConflictError) throw new HttpError(409, "Conflict", `Operation cannot be fulfilled: ${reason}`);
      throw new HttpError(503, "ServiceUnavailable", `the change could not be committed to the store, so it was rolled back and nothing changed: ${reason}`);
    }
    return latest(this.engine, result);
  }

  /** Makes the change, saves it, and answers; a failed save restores the engine as it was. */
  commit<T>(change: (engine: Engine) => T): T {
    this.#refuseWhenClosing();
    const persist = this.options.persist;
    const before = persist === undefined ? undefined : this.engine.snapshot();
    const result = change(this.engine);
    if (persist === undefined || before === undefined) return result;
    try {
      persist();
    } catch (err) {
      const reason = (err as Error)?.message ?? String(err);
      this.engine.restore(before);
      this.options.rolledBack(reason);
      throw new HttpError(500, "InternalError", `the change could not be saved, so it was rolled back and nothing changed: ${reason}`);
    }
    return result;
  }

  /** Makes the change on a copy of the engine and throws the copy away. */
  dryRun<T>(change: (engine: Engine) => T): T {
    this.#refuseWhenClosing();
    const scratch = createEngine({ seed: this.engine.options.seed, tickSeconds: this.engine.options.tickSeconds });
    scratch.restore(this.engine.snapshot());
    return change(scratch);
  }

  #refuseWhenClosing(): void {
    if (this.options.closing()) throw new HttpError(503, "ServiceUnavailable", "the server is shutting down");
  }
}

/** A written object as the store has it after the commit (with the resourceVersion the backend stamped); anything else as it is. */
function latest<T>(engine: Engine, result: T): T {
  const o = result as { kind?: unknown; metadata?: { name?: unknown; namespace?: string; generation?: number } } | undefined;
  if (o === null || typeof o !== "object" || typeof o.kind !== "string" || typeof o.metadata?.name !== "string") return result;
  const now = engine.store.get(o.kind as never, o.metadata.name, o.metadata.namespace) as typeof o | undefined;
  return now !== undefined && now.metadata?.generation === o.metadata.generation ? (now as T) : result;
}
