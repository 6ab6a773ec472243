/**
 * Engine options (docs/library.md) with their defaults, filled in one place
 * (controller-runtime's setOptionsDefaults).
 */
import { ManualClock } from "./clock.js";
import type { Controller } from "./controller.js";
import { DEFAULT_MAX_EVENTS } from "./tick-writes.js";

/** What `createEngine` takes; every field is optional. */
export interface EngineOptions {
  /** Seed of the simulation's one random generator (default 1). */
  seed?: number;
  /** Simulated seconds per tick (default 1). */
  tickSeconds?: number;
  controllers?: {
    /** Your controllers, run after reclamation and before status projection, in this order. */
    add?: Controller[];
    /** Names of built-in controllers not to run, e.g. `["page-sharing"]`. */
    disable?: string[];
  };
  /** Events kept in the store; the least recently seen are deleted beyond this (default 1000). */
  maxEvents?: number;
  /**
   * Wall-clock budget of one reconcile of your controllers (`controllers.add`), in ms (default
   * 100): a slower reconcile gets an informational `ReconcileSlow` log entry, the engine's only
   * wall-clock-dependent output. 0 turns the check off (byte-identical logs between runs).
   */
  reconcileBudgetMs?: number;
}

/** Options with every default filled in (bound to TOKENS.EngineOptions). */
export interface ResolvedEngineOptions {
  seed: number;
  tickSeconds: number;
  controllers: { add: readonly Controller[]; disable: readonly string[] };
  maxEvents: number;
  reconcileBudgetMs: number;
}

/** The defaults of {@link EngineOptions}. */
export const ENGINE_DEFAULTS = { seed: 1, tickSeconds: 1, maxEvents: DEFAULT_MAX_EVENTS, reconcileBudgetMs: 100 } as const;

/** Fills in defaults and checks ranges (RangeError naming the option). */
export function resolveEngineOptions(options: EngineOptions = {}): ResolvedEngineOptions {
  const seed = options.seed ?? ENGINE_DEFAULTS.seed;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`engine option seed must be an integer, got ${String(seed)}`);
  const tickSeconds = options.tickSeconds ?? ENGINE_DEFAULTS.tickSeconds;
  ManualClock.checkTickSeconds(tickSeconds);
  const maxEvents = options.maxEvents ?? ENGINE_DEFAULTS.maxEvents;
  if (!Number.isSafeInteger(maxEvents) || maxEvents < 0) {
    throw new RangeError(`engine option maxEvents must be a whole number ≥ 0, got ${String(maxEvents)}`);
  }
  const reconcileBudgetMs = options.reconcileBudgetMs ?? ENGINE_DEFAULTS.reconcileBudgetMs;
  if (typeof reconcileBudgetMs !== "number" || !Number.isFinite(reconcileBudgetMs) || reconcileBudgetMs < 0) {
    throw new RangeError(`engine option reconcileBudgetMs must be a number of milliseconds ≥ 0 (0 = off), got ${String(reconcileBudgetMs)}`);
  }
  return {
    seed,
    tickSeconds,
    controllers: { add: [...(options.controllers?.add ?? [])], disable: [...(options.controllers?.disable ?? [])] },
    maxEvents,
    reconcileBudgetMs,
  };
}
