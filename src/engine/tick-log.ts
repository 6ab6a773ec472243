/**
 * One tick's log, kept compactly: entries that were built as they were emitted (someone listened
 * on `logs$`, or the controller logged a finished entry) and entries a controller logged lazily
 * (`ReconcileContext.logLazily`: a builder, the record it is about and the numbers it decided
 * on), which become {@link LogEntry} objects only when someone reads them — the tick summary's
 * `logEntries`. A tick nobody reads costs a few typed-array slots per entry, no objects and no strings.
 */
import { float64Column, type GrowableColumn, int32Column } from "./growable-column.js";
import type { LogEntry, LogEntryInput } from "./log-entry.js";

/**
 * Builds a log entry from what a controller captured when it decided: the object it is about
 * (read only for fields that never change, such as names), one string and up to six numbers.
 * It must depend on nothing else, since it may run ticks later — or never.
 */
export type LogBuilder<S> = (subject: S, text: string, a: number, b: number, c: number, d: number, e: number, f: number) => LogEntryInput;

/** Numbers kept per lazy entry (the builder's `a`…`f`). */
const NUMBERS = 6;

/** A log entry in docs/library.md, *Log formats* field order, optional fields only when present. */
export function orderedEntry(tick: number, time: string, controller: string, input: LogEntryInput): LogEntry {
  const ordered = { tick, time, controller, kind: String(input.kind) } as LogEntry;
  if (input.namespace !== undefined) ordered.namespace = input.namespace;
  ordered.name = String(input.name);
  if (input.host !== undefined) ordered.host = input.host;
  ordered.action = String(input.action);
  if (input.from !== undefined) ordered.from = String(input.from);
  if (input.to !== undefined) ordered.to = String(input.to);
  if (input.reason !== undefined) ordered.reason = input.reason;
  ordered.message = String(input.message ?? "");
  return ordered;
}

/** What a tick's lazy entries keep until they are built: typed columns and a few small tables. */
class LazyColumns {
  /** Per lazy entry: controller, builder and text, as indexes into {@link names} and {@link builders}. */
  readonly refs: GrowableColumn<Int32Array>;
  /** Per lazy entry: the builder's six numbers. */
  readonly numbers: GrowableColumn<Float64Array>;
  /** Per lazy entry: its subject (the one pointer a lazy entry holds). */
  readonly subjects: unknown[] = [];
  /** Controller names and texts (few: a controller, a host name). */
  readonly names: string[] = [];
  readonly #nameIndex = new Map<string, number>();
  readonly builders: LogBuilder<never>[] = [];
  /** The last controller and the last text looked up, with their indexes (entries come in runs of both). */
  readonly #lastController = { name: "", index: -1 };
  readonly #lastText = { name: "", index: -1 };

  constructor(capacity: number) {
    this.refs = int32Column(3 * capacity);
    this.numbers = float64Column(NUMBERS * capacity);
  }

  controller(name: string): number {
    return this.#remembered(this.#lastController, name);
  }

  text(text: string): number {
    return this.#remembered(this.#lastText, text);
  }

  #remembered(last: { name: string; index: number }, name: string): number {
    if (name !== last.name || last.index < 0) {
      last.name = name;
      last.index = this.#index(name);
    }
    return last.index;
  }

  #index(name: string): number {
    let i = this.#nameIndex.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(name);
      this.#nameIndex.set(name, i);
    }
    return i;
  }

  builder(build: LogBuilder<never>): number {
    const b = this.builders;
    for (let i = b.length - 1; i >= 0; i--) if (b[i] === build) return i;
    b.push(build);
    return b.length - 1;
  }
}

/**
 * The entries of one tick, in emission order; lazy ones are built on first read. Everything a
 * busy tick appends goes to typed columns (engine/growable-column.ts), not growing JS arrays:
 * the log lives as long as the tick summary, so its arrays would be promoted to the old
 * generation every tick. The columns start at the size the manager expects (the smaller of the
 * last two ticks' counts: not an admission tick's millions, which V8 would count as memory to
 * collect for), so a busy tick does not allocate each of them several times over while doubling:
 * buffers of ever-changing sizes, freed only when the log is collected, were ≈ 10 MiB a tick at
 * 100k VMs that the C library's allocator then kept (docs/performance.md, *Session 9*).
 */
export class TickLog {
  /** Per entry: its index among the lazy entries (≥ 0), or −1 − its index in {@link #built}. */
  readonly #order: GrowableColumn<Int32Array>;
  /** Entries built as they were emitted. */
  #built: LogEntry[] = [];
  #lazy: LazyColumns | undefined;
  /** Every entry, once {@link entries} has been called. */
  #entries: LogEntry[] | undefined;
  /** Lazy entries built so far (observable by tests: a tick nobody reads builds none). */
  built = 0;
  /** Entries each column starts with room for. */
  readonly #capacity: number;

  constructor(
    readonly tick: number,
    readonly time: string,
    /** Entries the tick is expected to log (columns are sized for them; more are fine). */
    expected = 0,
  ) {
    this.#capacity = Math.max(64, expected);
    this.#order = int32Column(this.#capacity);
  }

  /** Entries in the tick so far. */
  get length(): number {
    return this.#entries?.length ?? this.#order.length;
  }

  /** Appends a built entry. */
  add(entry: LogEntry): void {
    if (this.#entries !== undefined) {
      this.#entries.push(entry);
      return;
    }
    this.#order.push(-1 - this.#built.length);
    this.#built.push(entry);
  }

  /** Appends a lazy entry (see {@link LogBuilder}). */
  defer<S>(controller: string, build: LogBuilder<S>, subject: S, text: string, a: number, b: number, c: number, d: number, e: number, f: number): void {
    if (this.#entries !== undefined) {
      // read already (a subscriber-less summary read mid-tick): build at once
      this.#entries.push(this.#entryOf(controller, build as LogBuilder<never>, subject, text, a, b, c, d, e, f));
      return;
    }
    const lazy = (this.#lazy ??= new LazyColumns(this.#capacity));
    this.#order.push(lazy.subjects.length);
    lazy.refs.push(lazy.controller(controller));
    lazy.refs.push(lazy.builder(build as LogBuilder<never>));
    lazy.refs.push(lazy.text(text));
    lazy.numbers.push6(a, b, c, d, e, f);
    lazy.subjects.push(subject);
  }

  /** Every entry of the tick, built where needed (the same objects on every call). */
  entries(): readonly LogEntry[] {
    if (this.#entries !== undefined) return this.#entries;
    const order = this.#order;
    const built = this.#built;
    const lazy = this.#lazy;
    const entries: LogEntry[] = new Array<LogEntry>(order.length);
    for (let i = 0; i < order.length; i++) {
      const k = order.at(i);
      if (k < 0) entries[i] = built[-1 - k]!;
      else {
        const r = lazy!.refs;
        const n = lazy!.numbers;
        const x = k * NUMBERS;
        entries[i] = this.#entryOf(lazy!.names[r.at(k * 3)]!, lazy!.builders[r.at(k * 3 + 1)]!, lazy!.subjects[k], lazy!.names[r.at(k * 3 + 2)]!, n.at(x), n.at(x + 1), n.at(x + 2), n.at(x + 3), n.at(x + 4), n.at(x + 5));
      }
    }
    // what the builders needed is no longer held
    this.#entries = entries;
    this.#built = [];
    this.#lazy = undefined;
    return entries;
  }

  #entryOf(controller: string, build: LogBuilder<never>, subject: unknown, text: string, a: number, b: number, c: number, d: number, e: number, f: number): LogEntry {
    const input = (build as LogBuilder<unknown>)(subject, text, a, b, c, d, e, f);
    this.built++;
    return orderedEntry(this.tick, this.time, controller, input);
  }
}

/** Lazy log builders by name, so a shard on another thread can say which one to run (see {@link registerLogBuilder}). */
const BUILDERS = new Map<string, LogBuilder<never>>();
const NAMES = new Map<LogBuilder<never>, string>();

/**
 * Names a lazy {@link LogBuilder} (at module load, in every thread that loads the module): a
 * sharded tick sends the name and the numbers across threads instead of a built entry. A
 * builder with no name is built in the shard. Its subject is then seen as `{ namespace, name }`
 * only — which is all a builder may read anyway (names, never numbers that move).
 */
export function registerLogBuilder<S>(name: string, build: LogBuilder<S>): LogBuilder<S> {
  BUILDERS.set(name, build as LogBuilder<never>);
  NAMES.set(build as LogBuilder<never>, name);
  return build;
}

/** The name {@link registerLogBuilder} gave a builder, if any. */
export function logBuilderName(build: LogBuilder<never>): string | undefined {
  return NAMES.get(build);
}

/** The builder registered under `name`. */
export function logBuilderNamed(name: string): LogBuilder<unknown> | undefined {
  return BUILDERS.get(name) as LogBuilder<unknown> | undefined;
}
