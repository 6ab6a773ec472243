/**
 * Applying objects that were just read and validated (CLI `-f` files, the server's request
 * bodies) without validating them again.
 */
import type { ManifestObject } from "../api/types.js";
import { TOKENS } from "../di/tokens.js";
import type { MemoryStore } from "../store/memory-store.js";
import type { ApplyOutcome } from "../store/types.js";
import type { Engine } from "./engine.js";

/**
 * Applies objects that `loadManifests`/`parseManifestText` returned a moment ago: validated and
 * defaulted already, and held by nobody else, so they go straight into the engine's store,
 * which freezes them in place. `engine.apply(objects)` would validate them a second time and
 * copy them — as it must for objects of unknown origin.
 */
export function applyValidated(engine: Engine, objects: ManifestObject[]): ApplyOutcome[] {
  return engine.container.get<MemoryStore>(TOKENS.Store).apply(objects, { adopt: true });
}
