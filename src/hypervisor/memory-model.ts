/**
 * The hypervisor memory model service interface (memory-model.md). Placeholder while the
 * memory-model issue is built: the engine only needs snapshot/restore from it.
 */

/** The hypervisor memory model: the only code that moves pages. */
export interface MemoryModel {
  /** A JSON-serialisable copy of every ledger and timer. */
  snapshot(): unknown;
  /** Replaces all state with a snapshot taken by {@link MemoryModel.snapshot}. */
  restore(snapshot: unknown): void;
}
