/**
 * The library's entry point (docs/library.md): `createEngine(options)` builds the composition
 * root — an inversify container with the engine's services, the memory model and the built-in
 * controllers — and returns the {@link Engine} over it.
 */
import "reflect-metadata";
import type { Engine } from "../engine/engine.js";
import { SimulationEngine } from "../engine/engine.js";
import { resolveEngineOptions, type EngineOptions } from "../engine/options.js";
import { DEFAULT_ENGINE_MODULES, createEngineContainer } from "./container.js";

/**
 * Creates a simulation (docs/library.md). Options: `seed` (default 1), `tickSeconds` (default 1),
 * `controllers.add` / `controllers.disable`, `maxEvents` (default 1000). Throws a
 * ControllerRegistryError for a bad controller set and a RangeError for a bad option.
 */
export function createEngine(options: EngineOptions = {}): Engine {
  return new SimulationEngine(createEngineContainer(resolveEngineOptions(options), DEFAULT_ENGINE_MODULES));
}
