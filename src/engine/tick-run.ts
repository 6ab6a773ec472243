/**
 * The shapes of a tick the controller manager runs (manager.ts): its summary, the retry state
 * of (controller, object) pairs, the error of a nested tick, and the parts a tick's phases
 * share — including {@link TickDelegate}, through which worker threads run a tick's sync and
 * controllers (composition/shards/).
 */
import type { Kind, ObjectKey } from "../api/types.js";
import type { LogEntry, LogEntryInput } from "./log-entry.js";
import type { Subject } from "rxjs";
import { formatSimTime } from "../api/duration.js";
import { type LogBuilder, orderedEntry, TickLog } from "./tick-log.js";
import type { TickWrites } from "./tick-writes.js";
import type { TickPosition, TranscriptSink } from "./tick-transcript.js";

/**
 * `engine.step()` (or `restore()`) called while a tick runs: from a controller's reconcile, the
 * Scenario hook, or a `logs$` / store-watch subscriber, all of which run inside the tick.
 * Ticks cannot nest; step again after the current tick has returned.
 */
export class TickInProgressError extends Error {
  constructor(
    what: string,
    /** The tick that was running. */
    readonly tick: number,
  ) {
    super(
      `${what} was called while tick ${tick} is running (from a controller, the Scenario hook, or a logs$ or store watch subscriber); ` +
        "ticks cannot nest: call it after the current tick has returned",
    );
    this.name = "TickInProgressError";
  }
}

/** The longest backoff after repeated failures, in ticks. */
export const MAX_BACKOFF_TICKS = 64;

/** What happened in one tick. */
export interface TickSummary {
  tick: number;
  timeSeconds: number;
  /**
   * Every log entry of the tick, in emission order. Entries controllers logged lazily (and nobody
   * received on `logs$`) are built on the first read, and the same objects are returned after.
   */
  readonly logEntries: readonly LogEntry[];
  /** How many entries `logEntries` holds (read without building them). */
  logEntryCount: number;
  /** How many reconciles failed (each also logged as a ReconcileError). */
  errors: number;
}

/** One (controller, object) pair waiting for a later tick. */
export interface RequeueEntry {
  controller: string;
  kind: Kind;
  namespace?: string;
  name: string;
  /** The object's uid: a deleted and re-created object starts afresh. */
  uid: string;
  /** The first tick at which the pair runs again. */
  nextTick: number;
  /** Consecutive failures (0 for a plain requeueAfterTicks). */
  failures: number;
}

/** The manager's state in an engine snapshot. */
export interface ManagerState {
  requeues: RequeueEntry[];
}

/** A summary whose `logEntries` are built on first read (an own enumerable property, as a plain summary's). */
export function tickSummary(tick: number, timeSeconds: number, log: TickLog, errors: number): TickSummary {
  const summary = { tick, timeSeconds } as TickSummary;
  Object.defineProperty(summary, "logEntries", { enumerable: true, get: () => log.entries() });
  summary.logEntryCount = log.length;
  summary.errors = errors;
  return summary;
}

/** What a {@link TickDelegate} writes a tick through: the tick's log (in order) and Events. */
export interface DelegatedTick {
  readonly tick: number;
  readonly timeSeconds: number;
  readonly tickSeconds: number;
  /** Appends a finished entry of `controller` to the tick's log (and logs$). */
  emit(controller: string, input: LogEntryInput): void;
  /** Appends a lazily built entry (built now if logs$ is observed). */
  emitLazily<S>(controller: string, build: LogBuilder<S>, subject: S, text: string, a?: number, b?: number, c?: number, d?: number, e?: number, f?: number): void;
  /** Whether someone reads every log entry as it comes (`logs$` has a subscriber): lazy entries are then built at once. */
  logsObserved(): boolean;
  /** The tick's time as log entries show it. */
  readonly time: string;
  /**
   * Sends `entry` (this tick's, in docs/library.md *Log formats* field order) to logs$; the log
   * keeps only how to build it again (`build(subject, text, a)`), as for a lazy entry.
   */
  emitEntry<S>(entry: LogEntry, build: LogBuilder<S>, subject: S, text: string, a?: number): void;
  /** Records an Event of `component` about `key`, written with the tick's other Events. */
  event(component: string, key: ObjectKey, type: "Normal" | "Warning", reason: string, message: string): void;
}

/**
 * Runs a tick's model sync and controllers somewhere else (worker threads over shards of
 * hosts: composition/shards/), writing what they did through {@link DelegatedTick} in the
 * canonical order; returns the number of failed reconciles. The manager still advances the
 * clock, runs the Scenario hook first and flushes the tick's writes after.
 */
export interface TickDelegate {
  runControllers(tick: DelegatedTick): number;
}

/** One tick under way: what its phases share. */
export interface TickRun {
  tick: number;
  timeSeconds: number;
  tickSeconds: number;
  writes: TickWrites;
  log: TickLog;
  errors: number;
  emit: (controller: string, input: LogEntryInput) => void;
  emitLazily: <S>(controller: string, build: LogBuilder<S>, subject: S, text: string, a?: number, b?: number, c?: number, d?: number, e?: number, f?: number) => void;
  /** Where the tick is (kept up to date only for a shard's transcript). */
  at: TickPosition;
  sink: TranscriptSink | undefined;
  view: DelegatedTick;
}


/**
 * A tick's shared parts, its clock advanced: the log and `emit` (to a shard's transcript when
 * `sink` is given, else to the log and `logs`), the lazy path, and the view a delegate writes through.
 * The log is sized for `expected` entries (the manager's guess from the last ticks' counts).
 */
export function newTickRun(clock: { tick: number; timeSeconds: number; tickSeconds: number }, writes: TickWrites, logs: Subject<LogEntry>, sink?: TranscriptSink, expected = 0): TickRun {
  const { tick, timeSeconds, tickSeconds } = clock;
  const time = formatSimTime(timeSeconds);
  const log = new TickLog(tick, time, sink === undefined ? expected : 0);
  const at: TickPosition = { controller: -1, phase: 0, object: undefined };
  const emit = sink
    ? (controller: string, input: LogEntryInput): void => sink.entry(at, controller, input)
    : (controller: string, input: LogEntryInput): void => {
        const entry = orderedEntry(tick, time, controller, input);
        log.add(entry);
        logs.next(entry);
      };
  // built now when someone listens on logs$ — and then not kept: the log keeps what builds it
  // again, as for a tick nobody reads, so that a busy tick's entries die young instead of being
  // promoted with the tick's log (docs/performance.md, *Memory*) — else when (if ever) the
  // summary's entries are read
  const emitLazily = sink
    ? <S>(controller: string, build: LogBuilder<S>, subject: S, text: string, a = 0, b = 0, c = 0, d = 0, e = 0, f = 0): void =>
        sink.lazy(at, controller, build as LogBuilder<unknown>, subject, text, a, b, c, d, e, f)
    : <S>(controller: string, build: LogBuilder<S>, subject: S, text: string, a = 0, b = 0, c = 0, d = 0, e = 0, f = 0): void => {
        log.defer(controller, build, subject, text, a, b, c, d, e, f);
        if (logs.observed) logs.next(orderedEntry(tick, time, controller, build(subject, text, a, b, c, d, e, f)));
      };
  const event = (component: string, key: ObjectKey, type: "Normal" | "Warning", reason: string, message: string): void =>
    writes.forController(component).recordEvent(key, type, reason, message);
  return { tick, timeSeconds, tickSeconds, writes, log, errors: 0, emit, emitLazily, at, sink, view: {
      tick, timeSeconds, tickSeconds, time, emit, emitLazily, event,
      logsObserved: () => logs.observed,
      emitEntry: <S>(entry: LogEntry, build: LogBuilder<S>, subject: S, text: string, a = 0): void => {
        log.defer(entry.controller, build, subject, text, a, 0, 0, 0, 0, 0);
        logs.next(entry);
      },
    } };
}
