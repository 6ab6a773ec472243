/**
 * Named inversify service identifiers. Bind and inject by these, never by class, so an
 * embedder can rebind any of them (e.g. a MemoryModel subclass) in `engine.container`.
 */
export const TOKENS = {
  /** The hypervisor memory model service (singleton). */
  MemoryModel: Symbol.for("memplane.MemoryModel"),
  /** Every controller, multi-bound (singletons). */
  Controller: Symbol.for("memplane.Controller"),
  /** The observable resource store (singleton). */
  Store: Symbol.for("memplane.Store"),
  /** The simulation clock (singleton). */
  Clock: Symbol.for("memplane.Clock"),
  /** The seeded random generator (singleton). */
  Random: Symbol.for("memplane.Random"),
  /** Resolved engine options. */
  EngineOptions: Symbol.for("memplane.EngineOptions"),
  /** The controller manager that runs a tick. */
  Manager: Symbol.for("memplane.Manager"),
} as const;
