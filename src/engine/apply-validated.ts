/**
 * Applying objects that were just read and validated (CLI `-f` files, the server's request
 * bodies) without validating them again.
 */
import type { ManifestObject } from "../api/types.js";
import type { MemoryStore } from "../store/memory-store.js";
import type { ApplyOutcome } from "../store/types.js";
import { SimulationEngine, type Engine } from "./engine.js";

/**
 * The writable store of an engine made by `createEngine`, for the layers that write with
 * Kubernetes semantics (the server) or apply objects they have just validated (the CLI).
 */
export function storeOf(engine: Engine): MemoryStore {
  if (!(engine instanceof SimulationEngine)) throw new TypeError("this needs an engine made by createEngine (a SimulationEngine)");
  return engine.resources;
}

/**
 * Applies objects that `loadManifests`/`parseManifestText` returned a moment ago: validated and
 * defaulted already, and held by nobody else, so they go straight into the engine's store,
 * which freezes them in place. `engine.apply(objects)` would validate them a second time and
 * copy them — as it must for objects of unknown origin.
 */
export function applyValidated(engine: Engine, objects: ManifestObject[]): ApplyOutcome[] {
  return storeOf(engine).apply(objects, { adopt: true });
}
