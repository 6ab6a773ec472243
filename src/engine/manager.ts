/**
 * The controller manager: runs one tick (docs/memory-model.md §12). It advances the clock,
 * applies the Scenario steps that are due, syncs the memory model with the store (once), then
 * runs each controller, in the registry's fixed order — its optional `prepare` once, then every
 * object of its kind in the store's stable order, in one `reconcileAll` call when it has one —
 * and finally writes the tick's status and events (one status write per object).
 *
 * Isolation and retry (controller-runtime semantics): a reconcile that throws, or returns
 * something other than `undefined` / `{ requeueAfterTicks: n }`, becomes a `ReconcileError`
 * log entry and is retried with exponential backoff — after 1, 2, 4 … up to 64 ticks — for that
 * (controller, object) pair; a success resets it. `{ requeueAfterTicks: n }` skips the pair
 * until tick + n. The loop itself never dies. What a reconcile throws or returns is judged
 * without trusting it (reconcile-outcome.ts): Proxies whose traps throw, values that cannot be
 * printed, and promises (reconcile must be synchronous; a returned promise is a failure, and
 * its rejection is handled so it never ends the process). The writes of the controllers named
 * in `checkedControllers` (the embedders') are checked first (checked-writes.ts), and writes
 * through a context whose tick has ended are refused.
 *
 * Ticks do not nest: a `runTick` while one runs (e.g. a controller calling `engine.step()`)
 * throws {@link TickInProgressError}, which the calling reconcile turns into its ReconcileError.
 *
 * Time budget: each reconcile of a budgeted controller (by default the embedders' controllers,
 * `controllers.add`) is timed with `performance.now()`; one that takes longer than
 * `reconcileBudgetMs` gets an informational `ReconcileSlow` log entry. That entry is the one
 * wall-clock-dependent output of the engine (nothing else reads the clock, and the measurement
 * never changes the simulation); `reconcileBudgetMs: 0` turns it off for byte-identical logs.
 * A budget cannot preempt synchronous code: a reconcile that never returns still hangs the tick.
 */
import { Observable, Subject } from "rxjs";
import { formatTimestamp } from "../api/timestamps.js";
import type { MemoryModel } from "../hypervisor/memory-model.js";
import type { MemoryStore } from "../store/memory-store.js";
import type { DeepReadonly, ResourceReader } from "../store/types.js";
import type { StoredObject } from "../api/types.js";
import type { ManualClock } from "./clock.js";
import type { Controller, ReconcileContext, ReconcileRequest } from "./controller.js";
import { checkLogEntry } from "./checked-writes.js";
import { type LogEntry, type LogEntryInput, aboutObject } from "./log-entry.js";
import { errorMessage, judgeResult, runPrepare, swallowRejection } from "./reconcile-outcome.js";
import { DEFAULT_MAX_EVENTS, TickWrites } from "./tick-writes.js";
import type { TickPosition, TranscriptSink } from "./tick-transcript.js";
import { type ManagerState, MAX_BACKOFF_TICKS, newTickRun, type RequeueEntry, type TickDelegate, TickInProgressError, type TickRun, type TickSummary, tickSummary } from "./tick-run.js";

export { MAX_BACKOFF_TICKS, TickInProgressError } from "./tick-run.js";
export type { DelegatedTick, ManagerState, RequeueEntry, TickDelegate, TickSummary } from "./tick-run.js";

/** Options of {@link ControllerManager}. */
export interface ControllerManagerOptions {
  store: MemoryStore;
  clock: ManualClock;
  /** Already ordered and checked (see orderControllers). */
  controllers: readonly Controller[];
  /** Resolves the memory model; called at each tick so the model can be rebound before the first. */
  model: () => MemoryModel;
  /** Wall-clock budget of one reconcile in ms; 0 (the default here) disables the check. */
  reconcileBudgetMs?: number;
  /** Names of the controllers whose reconciles are timed (default: every controller). */
  budgetedControllers?: readonly string[];
  /**
   * Names of the controllers whose writes (status patches, conditions, events, log entries)
   * are checked and copied before they are accepted (default: every controller; the engine
   * checks only the embedders' controllers).
   */
  checkedControllers?: readonly string[];
  /** Events kept in the store (default 1000). */
  maxEvents?: number;
  /** The text of `lastTransitionTime` and event times for simulated second `seconds` (default: RFC 3339 from the default epoch). */
  stamp?: (seconds: number) => string;
  /** Whether controllers with a batch path (`reconcileAll`) use it (default true); false reconciles object by object. */
  batch?: boolean;
  /**
   * Runs at the start of every tick, after the clock advances and before any controller
   * (docs/memory-model.md §12: scheduled manifest changes, e.g. Scenario steps). Its log entries
   * are part of the tick. A hook that throws is logged as a ReconcileError and the tick goes on.
   */
  /** Called at each tick after the Scenario hook: a delegate runs the model sync and the controllers instead of this manager. */
  delegate?: () => TickDelegate | undefined;
  beforeControllers?: (start: { tick: number; timeSeconds: number; tickSeconds: number; emit: (controller: string, entry: LogEntryInput) => void }) => void;
}

/** Runs ticks; exposes the reconciliation log and tick summaries as observables. */
export class ControllerManager {
  readonly #store: MemoryStore;
  readonly #clock: ManualClock;
  readonly #controllers: readonly Controller[];
  readonly #model: () => MemoryModel;
  readonly #maxEvents: number;
  readonly #stamp: (seconds: number) => string;
  readonly #budgetMs: number;
  readonly #budgeted: ReadonlySet<string>;
  readonly #checked: ReadonlySet<string>;
  /** The tick being run, while runTick runs (ticks cannot nest). */
  #running: number | undefined;
  readonly #beforeControllers: ControllerManagerOptions["beforeControllers"];
  readonly #batch: boolean;
  /** Per controller: object uid → requeue entry. */
  readonly #requeues = new Map<string, Map<string, RequeueEntry>>();
  readonly #logs = new Subject<LogEntry>();
  readonly #ticks = new Subject<TickSummary>();
  /** The store as the model's sync reads it: specs and metadata, no status built. */
  readonly #specReader: ResourceReader;
  /** Chooses, at each tick, whether the controllers run elsewhere (undefined: here). */
  #delegate: (() => TickDelegate | undefined) | undefined;
  /** A shard's tick between beginShardTick and finishShardTick. */
  #shardRun: TickRun | undefined;
  /** Entries the last two ticks logged: the next tick's log is sized for the smaller (tick-log.ts), not for an admission tick's millions. */
  #lastLogLengths: [number, number] = [0, 0];

  /** Every log entry as it is emitted. */
  readonly logs$: Observable<LogEntry> = this.#logs.asObservable();
  /** A summary at the end of every tick. */
  readonly ticks$: Observable<TickSummary> = this.#ticks.asObservable();

  constructor(options: ControllerManagerOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#controllers = options.controllers;
    this.#model = options.model;
    this.#maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
    this.#stamp = options.stamp ?? ((seconds) => formatTimestamp(seconds));
    this.#budgetMs = options.reconcileBudgetMs ?? 0;
    this.#budgeted = new Set(options.budgetedControllers ?? this.#controllers.map((c) => c.name));
    this.#checked = new Set(options.checkedControllers ?? this.#controllers.map((c) => c.name));
    this.#beforeControllers = options.beforeControllers;
    this.#batch = options.batch ?? true;
    this.#delegate = options.delegate;
    for (const c of this.#controllers) this.#requeues.set(c.name, new Map());
    const store = this.#store;
    this.#specReader = { get: (kind, name, namespace) => store.peek(kind, name, namespace), list: (kind, options) => store.peekList(kind, options) };
    // forget retry state of deleted objects
    this.#store.changes().subscribe((e) => {
      if (e.type !== "DELETED" || e.object.metadata.uid === undefined) return;
      for (const pending of this.#requeues.values()) pending.delete(e.object.metadata.uid);
    });
  }

  /** Sets who may run the sync and controllers of later ticks (see {@link ControllerManagerOptions.delegate}). */
  delegateTo(delegate: (() => TickDelegate | undefined) | undefined): void {
    this.#delegate = delegate;
  }

  /** The controllers a tick runs, in order. */
  get controllers(): readonly Controller[] {
    return this.#controllers;
  }

  /** The tick being run while a tick runs (from its start to the end of its writes), else undefined. */
  get runningTick(): number | undefined {
    return this.#running;
  }

  /**
   * Throws {@link TickInProgressError} while a tick runs: `what` (e.g. `engine.step()`) was
   * called from a controller, a hook, or a subscriber that runs inside the tick.
   */
  refuseDuringTick(what: string): void {
    if (this.#running !== undefined) throw new TickInProgressError(what, this.#running);
  }

  /**
   * Runs one tick and returns its summary (also emitted on ticks$, after the tick has ended, so
   * a ticks$ subscriber may step again). A call while a tick runs throws TickInProgressError.
   */
  runTick(): TickSummary {
    this.refuseDuringTick("runTick()");
    this.#running = this.#clock.tick + 1;
    let summary: TickSummary;
    try {
      summary = this.#runTick();
    } finally {
      this.#running = undefined;
    }
    this.#ticks.next(summary);
    return summary;
  }

  #runTick(): TickSummary {
    const run = this.#startTick();
    const delegate = this.#delegate?.();
    if (delegate !== undefined) run.errors += delegate.runControllers(run.view);
    else {
      this.#sync(run);
      this.#runControllers(run);
    }
    run.writes.flush();
    this.#lastLogLengths = [this.#lastLogLengths[1], run.log.length];
    return tickSummary(run.tick, run.timeSeconds, run.log, run.errors);
  }

  /**
   * The first half of a shard's tick (composition/shards/): advances the clock and syncs the
   * model with the store. Everything the tick logs or records goes to `sink`. Ticks cannot nest:
   * {@link finishShardTick} ends it.
   */
  beginShardTick(sink: TranscriptSink): void {
    this.refuseDuringTick("beginShardTick()");
    this.#running = this.#clock.tick + 1;
    try {
      const run = this.#startTick(sink);
      this.#shardRun = run;
      this.#sync(run);
    } catch (e) {
      this.#running = this.#shardRun = undefined;
      throw e;
    }
  }

  /** The second half of a shard's tick: every controller, then the end of the tick; returns the failed reconciles. */
  finishShardTick(): number {
    const run = this.#shardRun;
    if (run === undefined) throw new Error("finishShardTick() without beginShardTick()");
    try {
      this.#runControllers(run);
      run.writes.flush();
      return run.errors;
    } finally {
      this.#running = this.#shardRun = undefined;
    }
  }

  /** Advances the clock and sets up the tick's log and writes; runs the Scenario hook. */
  #startTick(sink?: TranscriptSink): TickRun {
    this.#clock.advance();
    const writes = new TickWrites(this.#store, this.#stamp(this.#clock.timeSeconds), this.#clock.tick, this.#maxEvents);
    const run = newTickRun(this.#clock, writes, this.#logs, sink, Math.min(this.#lastLogLengths[0], this.#lastLogLengths[1]));
    const { tick, timeSeconds, tickSeconds, emit } = run;
    if (this.#beforeControllers) {
      try {
        this.#beforeControllers({ tick, timeSeconds, tickSeconds, emit });
      } catch (e) {
        run.errors++;
        emit("scenario", { kind: "Scenario", name: "-", action: "ReconcileError", reason: "ReconcileFailed", message: `scheduled changes failed: ${errorMessage(e)}` });
      }
    }
    return run;
  }

  /** The model follows the store once, before any controller: new, changed and deleted objects. */
  #sync(run: TickRun): void {
    const model = this.#model();
    // (a stand-in model an embedder bound for its own controllers may have no sync at all)
    try {
      if (typeof model.sync === "function") model.sync(run.tick, run.timeSeconds, run.tickSeconds, this.#specReader);
    } catch (e) {
      run.errors++;
      run.emit("engine", { kind: "Host", name: "-", action: "ReconcileError", reason: "ReconcileFailed", message: `the memory model could not sync with the store: ${errorMessage(e)}` });
    }
  }

  /** Every controller in order: `prepare`, then its objects (one `reconcileAll`, or one by one). */
  #runControllers(run: TickRun): void {
    const { tick, timeSeconds, tickSeconds, writes, emit, emitLazily, at, sink } = run;
    const model = this.#model();
    for (let index = 0; index < this.#controllers.length; index++) {
      const controller = this.#controllers[index]!;
      at.controller = index;
      at.phase = 0;
      at.object = undefined;
      const pending = this.#requeues.get(controller.name)!;
      const checked = this.#checked.has(controller.name);
      const store = writes.forController(controller.name, checked);
      const ctx: ReconcileContext = {
        tick,
        timeSeconds,
        tickSeconds,
        store: sink === undefined ? store : { ...store, recordEvent: (key, type, reason, message) => sink.event(at, controller.name, key, type, reason, message) },
        model,
        log: checked
          ? (input) => {
              writes.checkOpen();
              emit(controller.name, checkLogEntry(input));
            }
          : (input) => emit(controller.name, input),
        logLazily: checked
          ? (build, subject, text, a = 0, b = 0, c = 0, d = 0, e = 0, f = 0) => {
              writes.checkOpen();
              emit(controller.name, checkLogEntry(build(subject, text, a, b, c, d, e, f)));
            }
          : (build, subject, text, a, b, c, d, e, f) => emitLazily(controller.name, build, subject, text, a, b, c, d, e, f),
      };
      // embedders' controllers see statuses as of the last tick; built-in ones read no status (none is built for them)
      const objects = (checked ? this.#store.list(controller.forKind) : this.#store.peekList(controller.forKind)) as readonly DeepReadonly<StoredObject>[];
      if (sink !== undefined) {
        ctx.reconciling = (i) => {
          at.phase = i < objects.length ? 1 : 2;
          at.object = objects[i];
        };
      }
      if (controller.prepare !== undefined && objects.length > 0) run.errors += runPrepare(controller, ctx, emit);
      const timed = this.#budgetMs > 0 && this.#budgeted.has(controller.name);
      if (this.#batch && controller.reconcileAll !== undefined && pending.size === 0 && !timed) {
        run.errors += this.#reconcileAll(controller, objects, ctx, tick, emit, sink === undefined ? undefined : at);
        continue;
      }
      for (const object of objects) {
        const uid = object.metadata.uid!;
        const waiting = pending.size > 0 ? pending.get(uid) : undefined;
        if (waiting !== undefined && waiting.nextTick > tick) continue;
        if (sink !== undefined) {
          at.phase = 1;
          at.object = object;
        }
        const request: ReconcileRequest =
          object.metadata.namespace === undefined
            ? { kind: controller.forKind, name: object.metadata.name }
            : { kind: controller.forKind, namespace: object.metadata.namespace, name: object.metadata.name };
        let outcome: ReturnType<typeof judgeResult>;
        const started = timed ? performance.now() : 0;
        try {
          outcome = judgeResult(controller.reconcile(request, ctx));
        } catch (e) {
          outcome = { failure: `reconcile threw: ${errorMessage(e)}` };
        }
        if (timed) this.#checkBudget(controller, object, performance.now() - started, emit);
        if (outcome.failure === undefined) {
          const n = outcome.requeueAfterTicks;
          if (n > 1) {
            pending.set(uid, { ...this.#pairOf(controller, object), nextTick: tick + n, failures: 0 });
          } else if (waiting !== undefined) {
            pending.delete(uid);
          }
          continue;
        }
        run.errors++;
        this.#fail(controller, object, waiting, outcome.failure, tick, emit);
      }
    }
  }

  /**
   * One `reconcileAll` call for every object; returns the number of failed objects. A failure
   * reported through `failed(index, error)` fails that object (a nonsense index, or the same
   * index twice, is itself an error of the call). A throw out of the call, or a returned
   * promise, fails every object not already failed: which of them were done is unknown.
   */
  #reconcileAll(
    controller: Controller,
    objects: readonly DeepReadonly<StoredObject>[],
    ctx: ReconcileContext,
    tick: number,
    emit: (controller: string, input: LogEntryInput) => void,
    at?: TickPosition,
  ): number {
    const failedIndexes = new Set<number>();
    let failure: string | undefined;
    try {
      const result: unknown = controller.reconcileAll!(objects, ctx, (index, e) => {
        if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= objects.length || failedIndexes.has(index)) {
          throw new RangeError(`reconcileAll reported a failure for index ${errorMessage(index)}, which is not one of its ${objects.length} objects or was reported already`);
        }
        failedIndexes.add(index);
        if (at !== undefined) at.object = objects[index];
        this.#fail(controller, objects[index]!, undefined, `reconcile threw: ${errorMessage(e)}`, tick, emit);
      });
      if (result !== undefined && result !== null && (typeof result === "object" || typeof result === "function")) {
        swallowRejection(result);
        if (typeof (result as { then?: unknown }).then === "function") {
          failure = "reconcileAll returned a promise; it must be synchronous (its later code runs after its tick, and its writes are refused)";
        }
      }
    } catch (e) {
      failure = `reconcileAll threw: ${errorMessage(e)}`;
    }
    if (failure !== undefined) {
      if (at !== undefined) at.phase = 2;
      objects.forEach((object, index) => {
        if (!failedIndexes.has(index)) {
          failedIndexes.add(index);
          if (at !== undefined) at.object = object;
          this.#fail(controller, object, undefined, failure, tick, emit);
        }
      });
    }
    return failedIndexes.size;
  }

  /** The retry state for a snapshot, in a stable order. */
  getState(): ManagerState {
    const requeues: RequeueEntry[] = [];
    for (const controller of this.#controllers) {
      const entries = [...this.#requeues.get(controller.name)!.values()].sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
      requeues.push(...entries.map((e) => ({ ...e })));
    }
    return { requeues };
  }

  /** Restores retry state from {@link ControllerManager.getState}; entries of controllers not running are dropped. */
  setState(state: ManagerState): void {
    for (const pending of this.#requeues.values()) pending.clear();
    for (const e of state.requeues ?? []) {
      this.#requeues.get(e.controller)?.set(e.uid, { ...e });
    }
  }

  /** Takes out the retry state of one object (it moves to another shard of hosts). */
  takeRequeues(uid: string): RequeueEntry[] {
    const out: RequeueEntry[] = [];
    for (const pending of this.#requeues.values()) {
      const e = pending.get(uid);
      if (e !== undefined) {
        out.push(e);
        pending.delete(uid);
      }
    }
    return out;
  }

  /** Adds retry state {@link takeRequeues} took in another shard. */
  addRequeues(entries: readonly RequeueEntry[]): void {
    for (const e of entries) this.#requeues.get(e.controller)?.set(e.uid, { ...e });
  }

  /** Schedules the retry of a failed (controller, object) pair with exponential backoff and logs the `ReconcileError`. */
  #fail(controller: Controller, object: DeepReadonly<StoredObject>, waiting: RequeueEntry | undefined, failure: string, tick: number, emit: (controller: string, input: LogEntryInput) => void): void {
    const failures = (waiting?.failures ?? 0) + 1;
    const delay = Math.min(2 ** (failures - 1), MAX_BACKOFF_TICKS);
    this.#requeues.get(controller.name)!.set(object.metadata.uid!, { ...this.#pairOf(controller, object), nextTick: tick + delay, failures });
    emit(controller.name, {
      ...aboutObject(object),
      action: "ReconcileError",
      reason: "ReconcileFailed",
      message: `${failure}; retrying in ${delay} tick${delay === 1 ? "" : "s"} (failure ${failures})`,
    });
  }

  /** Logs `ReconcileSlow` when a reconcile took longer than the budget (informational: wall-clock). */
  #checkBudget(controller: Controller, object: DeepReadonly<StoredObject>, ms: number, emit: (controller: string, input: LogEntryInput) => void): void {
    if (ms <= this.#budgetMs) return;
    emit(controller.name, {
      ...aboutObject(object),
      action: "ReconcileSlow",
      reason: "ReconcileBudgetExceeded",
      message: `reconcile took ${Math.round(ms)} ms, over the ${this.#budgetMs} ms budget (wall-clock measurement, informational; reconcileBudgetMs: 0 turns it off)`,
    });
  }

  #pairOf(controller: Controller, object: DeepReadonly<StoredObject>): Omit<RequeueEntry, "nextTick" | "failures"> {
    return {
      controller: controller.name,
      kind: object.kind,
      ...(object.metadata.namespace !== undefined && { namespace: object.metadata.namespace }),
      name: object.metadata.name,
      uid: object.metadata.uid!,
    };
  }
}
