/**
 * How the server changes its simulation. A write runs in one synchronous turn (no tick can come
 * between the change and its save) and is saved before it is acknowledged. When the save fails
 * the write is **rolled back**: the engine is restored to the snapshot taken just before it, so a
 * 500 always means nothing changed and a retry starts from the same state. A dry run makes the
 * same change on a scratch copy of the engine and throws the copy away.
 */
import { createEngine } from "../composition/create-engine.js";
import type { Engine } from "../engine/engine.js";
import { storeOf } from "../engine/apply-validated.js";
import { HttpError } from "./status.js";

export { storeOf };

/** What a {@link WriteGate} needs from the server around it. */
export interface WriteGateOptions {
  /** Saves the simulation (throws when it cannot); undefined when nothing is saved. */
  persist?: () => void;
  /** True once the server is shutting down (writes are then refused with 503). */
  closing: () => boolean;
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
  run<T>(dryRun: boolean, change: (engine: Engine) => T): T {
    return dryRun ? this.dryRun(change) : this.commit(change);
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
