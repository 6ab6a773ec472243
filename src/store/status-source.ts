/**
 * Status built on demand (docs/library.md, *Status on demand*): an object whose status is
 * derived from something outside the store (the memory model) carries a {@link StatusSource};
 * the deriving controller marks the object stale when what its status is built from moved, and
 * the store builds the status only when someone observes the object — a read, a list, a
 * snapshot, or once per tick for a kind with an open watch. The store knows nothing of what the
 * source reads: this keeps the store layer free of the model.
 */
import type { Kind } from "../api/types.js";

/** Builds an object's status from whatever it is derived from. */
export interface StatusSource {
  /**
   * The status the object has now, given the status stored (and possibly written by others)
   * so far: the stored fields this source does not own are kept. Must be idempotent (applied
   * to its own result it gives an equal status) and must not write to the store.
   */
  statusOf(stored: unknown): Record<string, unknown>;
}

/** Counts open watches per kind (`"*"` for watches of every kind). */
export class WatchCounts {
  readonly #open = new Map<Kind | "*", number>();

  /** One more (+1) or one fewer (−1) open watch of `kind`. */
  add(kind: Kind | "*", delta: 1 | -1): void {
    const n = (this.#open.get(kind) ?? 0) + delta;
    if (n > 0) this.#open.set(kind, n);
    else this.#open.delete(kind);
  }

  /** Whether a watch of `kind` (or of every kind) is open. */
  watched(kind: Kind): boolean {
    return this.#open.size > 0 && (this.#open.has(kind) || this.#open.has("*"));
  }
}
