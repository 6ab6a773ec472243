/**
 * Engine options (docs/library.md) with their defaults, filled in one place
 * (controller-runtime's setOptionsDefaults).
 */
import { DEFAULT_EPOCH, epochProblem, normalizeEpoch } from "../api/timestamps.js";
import { ManualClock } from "./clock.js";
import { isJsonObject } from "./plain-data.js";
import type { Controller } from "./controller.js";
import { errorMessage } from "./reconcile-outcome.js";
import { ControllerRegistryError } from "./registry.js";
import { DEFAULT_MAX_EVENTS } from "./tick-writes.js";
import { workersProblem } from "./workers-option.js";

/** What `createEngine` takes; every field is optional. */
export interface EngineOptions {
  /** Seed of the simulation's random generator and of each host's stream (default 1). */
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
  /**
   * Whether controllers that have a batch path (`reconcileAll`) use it (default true). `false`
   * reconciles every object one by one; the results are the same, only slower. For tests and
   * for debugging a controller's batch path.
   */
  batchReconcile?: boolean;
  /**
   * The instant tick 0 stands for, RFC 3339 in whole seconds (default `2026-01-01T00:00:00Z`,
   * never the wall clock): `creationTimestamp`, `lastTransitionTime` and event times are this
   * plus the simulated time. Recorded in the snapshot; a restored snapshot brings its own.
   */
  epoch?: string;
  /**
   * Shards of hosts simulated in parallel — the main thread and `workers − 1` worker threads —
   * a whole number from 1 to 256. Not given:
   * the machine's cores for clusters of at least 10 000 VMs, 1 below (`workersFor` in
   * engine/workers-option.ts, asked when a tick starts). Outputs are byte-identical for any
   * value; embedders' controllers or a rebound model run the engine on one thread
   * (docs/library.md, *Worker threads*).
   */
  workers?: number;
}

/** Options with every default filled in (bound to TOKENS.EngineOptions). */
export interface ResolvedEngineOptions {
  seed: number;
  tickSeconds: number;
  controllers: { add: readonly Controller[]; disable: readonly string[] };
  maxEvents: number;
  reconcileBudgetMs: number;
  batchReconcile: boolean;
  epoch: string;
  /** The worker threads asked for (undefined = the default rule); see {@link EngineOptions.workers}. */
  workers: number | undefined;
}

/** The defaults of {@link EngineOptions}. */
export const ENGINE_DEFAULTS = { seed: 1, tickSeconds: 1, maxEvents: DEFAULT_MAX_EVENTS, reconcileBudgetMs: 100, batchReconcile: true } as const;

/**
 * A bad `createEngine` option: `option` names it (`seed`, `controllers.add`…). A RangeError,
 * as bad numbers always were; the message says what the option takes and what it got.
 */
export class EngineOptionError extends RangeError {
  constructor(
    /** The option, e.g. `controllers.add`. */
    readonly option: string,
    message: string,
  ) {
    super(`engine option ${option} ${message}`);
    this.name = "EngineOptionError";
  }
}

/** The options `createEngine` knows. */
const KNOWN_OPTIONS: readonly string[] = ["seed", "tickSeconds", "controllers", "maxEvents", "reconcileBudgetMs", "batchReconcile", "epoch", "workers"];

/** A value in a message: never throws, one short line. */
function shown(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value !== null && typeof value === "object") return "an object";
  if (typeof value === "function") return "a function";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  return String(value);
}


/**
 * An embedder's controller with its `name` and `forKind` read once, and its methods called on
 * the original object: a getter cannot change the name between ticks (retry state and logs are
 * keyed by it) or throw later. Values that are not objects are left for the registry to report.
 */
function pinController(controller: unknown, index: number): Controller {
  if (controller === null || typeof controller !== "object") return controller as Controller;
  let fields: { name: unknown; forKind: unknown; reconcile: unknown; reconcileAll: unknown; prepare: unknown };
  try {
    const c = controller as Record<string, unknown>;
    fields = { name: c.name, forKind: c.forKind, reconcile: c.reconcile, reconcileAll: c.reconcileAll, prepare: c.prepare };
  } catch (e) {
    throw new ControllerRegistryError(`added controller #${index + 1} cannot be read: ${errorMessage(e)}`);
  }
  const { reconcile, reconcileAll, prepare } = fields;
  const pinned: Record<string, unknown> = {
    name: fields.name,
    forKind: fields.forKind,
    reconcile: typeof reconcile === "function" ? (req: unknown, ctx: unknown): unknown => Reflect.apply(reconcile, controller, [req, ctx]) : reconcile,
  };
  if (typeof reconcileAll === "function") {
    pinned.reconcileAll = (objects: unknown, ctx: unknown, failed: unknown): unknown => Reflect.apply(reconcileAll, controller, [objects, ctx, failed]);
  }
  if (typeof prepare === "function") pinned.prepare = (ctx: unknown): unknown => Reflect.apply(prepare, controller, [ctx]);
  else if (prepare !== undefined) pinned.prepare = prepare; // the registry reports it
  return Object.freeze(pinned) as unknown as Controller;
}

/** Fills in defaults and checks every option; throws {@link EngineOptionError} naming the option. */
export function resolveEngineOptions(options: EngineOptions = {}): ResolvedEngineOptions {
  const raw: unknown = options;
  if (!isJsonObject(raw)) throw new EngineOptionError("options", `must be an object of options (${KNOWN_OPTIONS.join(", ")}), got ${shown(raw)}`);
  for (const key of Object.keys(raw)) {
    if (!KNOWN_OPTIONS.includes(key)) throw new EngineOptionError(JSON.stringify(key), `is not an engine option; known: ${KNOWN_OPTIONS.join(", ")}`);
  }
  const seed = options.seed ?? ENGINE_DEFAULTS.seed;
  if (!Number.isSafeInteger(seed)) throw new EngineOptionError("seed", `must be an integer, got ${shown(seed)}`);
  const tickSeconds = options.tickSeconds ?? ENGINE_DEFAULTS.tickSeconds;
  if (typeof tickSeconds !== "number") throw new EngineOptionError("tickSeconds", `must be a positive number of seconds, got ${shown(tickSeconds)}`);
  try {
    ManualClock.checkTickSeconds(tickSeconds);
  } catch (e) {
    throw new EngineOptionError("tickSeconds", (e as Error).message.replace(/^tickSeconds /, ""));
  }
  const maxEvents = options.maxEvents ?? ENGINE_DEFAULTS.maxEvents;
  if (!Number.isSafeInteger(maxEvents) || maxEvents < 0) {
    throw new EngineOptionError("maxEvents", `must be a whole number ≥ 0, got ${shown(maxEvents)}`);
  }
  const reconcileBudgetMs = options.reconcileBudgetMs ?? ENGINE_DEFAULTS.reconcileBudgetMs;
  if (typeof reconcileBudgetMs !== "number" || !Number.isFinite(reconcileBudgetMs) || reconcileBudgetMs < 0) {
    throw new EngineOptionError("reconcileBudgetMs", `must be a number of milliseconds ≥ 0 (0 = off), got ${shown(reconcileBudgetMs)}`);
  }
  const batchReconcile = options.batchReconcile ?? ENGINE_DEFAULTS.batchReconcile;
  if (typeof batchReconcile !== "boolean") throw new EngineOptionError("batchReconcile", `must be true or false, got ${shown(batchReconcile)}`);
  const workers = options.workers;
  const badWorkers = workers === undefined ? undefined : workersProblem(workers);
  if (badWorkers !== undefined) throw new EngineOptionError("workers", `${badWorkers}, got ${shown(workers)}`);
  const epochText: unknown = options.epoch ?? DEFAULT_EPOCH;
  const badEpoch = epochProblem(epochText);
  if (badEpoch !== undefined) throw new EngineOptionError("epoch", badEpoch);
  const controllers: unknown = options.controllers ?? {};
  if (!isJsonObject(controllers)) throw new EngineOptionError("controllers", `must be an object { add?, disable? }, got ${shown(controllers)}`);
  for (const key of Object.keys(controllers)) {
    if (key !== "add" && key !== "disable") throw new EngineOptionError(`controllers.${key}`, "is not an option; controllers takes add and disable");
  }
  const add: unknown = controllers.add ?? [];
  if (!Array.isArray(add)) throw new EngineOptionError("controllers.add", `must be a list of controllers, got ${shown(add)}`);
  const disable: unknown = controllers.disable ?? [];
  if (!Array.isArray(disable) || !disable.every((name) => typeof name === "string")) {
    throw new EngineOptionError("controllers.disable", `must be a list of built-in controller names, got ${Array.isArray(disable) ? "a list with a non-string" : shown(disable)}`);
  }
  return {
    seed,
    tickSeconds,
    controllers: { add: (add as unknown[]).map(pinController), disable: [...(disable as string[])] },
    maxEvents,
    reconcileBudgetMs,
    batchReconcile,
    epoch: normalizeEpoch(epochText as string),
    workers,
  };
}
