/**
 * Finding the memory model an engine runs on: TOKENS.MemoryModel, resolved at each use so an
 * embedder may rebind it (docs/library.md, *Replacing the memory model*). One message for the
 * one way this can fail.
 */
import { TOKENS } from "../di/tokens.js";
import type { MemoryModel } from "../hypervisor/memory-model.js";

/** No memory model is bound to TOKENS.MemoryModel (an embedder unbound it, or built a container without `hypervisorModule`). */
export class NoMemoryModelError extends Error {
  constructor() {
    super("no memory model is bound to TOKENS.MemoryModel: load hypervisorModule or bind your own in engine.container");
    this.name = "NoMemoryModelError";
  }
}

/** Something that resolves optional bindings: an inversify Container or a ResolutionContext. */
export interface OptionalResolver {
  get<T>(token: symbol, options: { optional: true }): T | undefined;
}

/** The memory model bound in `resolver`; throws {@link NoMemoryModelError} when none is. */
export function requireModel(resolver: OptionalResolver): MemoryModel {
  const model = resolver.get<MemoryModel>(TOKENS.MemoryModel, { optional: true });
  if (model === undefined) throw new NoMemoryModelError();
  return model;
}
