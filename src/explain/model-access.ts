/** Reading the memory model (and its decision records) out of an engine, with typed errors. */
import type { Engine } from "../engine/engine.js";
import type { MemoryModelReader } from "../hypervisor/memory-model.js";
import { NoMemoryModelError } from "../engine/model-binding.js";
import { ExplainError } from "./errors.js";

/** The engine's memory model, for reading; ExplainError `NoModel` when none is bound. */
export function modelOf(engine: Engine): MemoryModelReader {
  try {
    return engine.model;
  } catch (e) {
    if (e instanceof NoMemoryModelError) throw new ExplainError("NoModel", "this engine has no memory model bound to TOKENS.MemoryModel, so there is nothing to explain");
    throw e;
  }
}

/** The tick to explain: `tick` when given (0 … engine.tick), else the engine's current tick. */
export function tickToExplain(engine: Engine, tick: number | undefined): number {
  if (tick === undefined) return engine.tick;
  if (!Number.isSafeInteger(tick) || tick < 0) throw new ExplainError("TickOutOfRange", `--tick must be a whole number ≥ 0, got ${String(tick)}`);
  if (tick > engine.tick) {
    throw new ExplainError("TickOutOfRange", `tick ${tick} has not happened yet: the simulation is at tick ${engine.tick}; step further or ask about tick ${engine.tick} or earlier`);
  }
  return tick;
}
