/**
 * One tick's log, kept compactly: entries that were built as they were emitted (someone listened
 * on `logs$`, or the controller logged a finished entry) and entries a controller logged lazily
 * (`ReconcileContext.logLazily`: a builder, the record it is about and the numbers it decided
 * on), which become {@link LogEntry} objects only when someone reads them — the tick summary's
 * `logEntries`. A tick nobody reads costs a few array slots per entry, no objects and no strings.
 */
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

/** The entries of one tick, in emission order; lazy ones are built on first read. */
export class TickLog {
  /** Built entries, and for each lazy entry not built yet its index in the lazy columns. */
  readonly #entries: (LogEntry | number)[] = [];
  /** Per lazy entry: controller, builder, subject, text; its numbers at index × 6. */
  readonly #controllers: string[] = [];
  readonly #builders: (LogBuilder<never> | undefined)[] = [];
  readonly #subjects: unknown[] = [];
  readonly #texts: string[] = [];
  readonly #numbers: number[] = [];
  /** Entries not built yet. */
  #pending = 0;
  /** Lazy entries built so far (observable by tests: a tick nobody reads builds none). */
  built = 0;

  constructor(
    readonly tick: number,
    readonly time: string,
  ) {}

  /** Entries in the tick so far. */
  get length(): number {
    return this.#entries.length;
  }

  /** Appends a built entry. */
  add(entry: LogEntry): void {
    this.#entries.push(entry);
  }

  /** Appends a lazy entry (see {@link LogBuilder}). */
  defer<S>(controller: string, build: LogBuilder<S>, subject: S, text: string, a: number, b: number, c: number, d: number, e: number, f: number): void {
    this.#entries.push(this.#controllers.length);
    this.#controllers.push(controller);
    this.#builders.push(build as LogBuilder<never>);
    this.#subjects.push(subject);
    this.#texts.push(text);
    this.#numbers.push(a, b, c, d, e, f);
    this.#pending++;
  }

  /** Every entry of the tick, built where needed (the same objects on every call). */
  entries(): readonly LogEntry[] {
    if (this.#pending > 0) {
      const entries = this.#entries;
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i]!;
        if (typeof e === "number") entries[i] = this.#build(e);
      }
      this.#pending = 0;
    }
    return this.#entries as LogEntry[];
  }

  #build(j: number): LogEntry {
    const n = j * NUMBERS;
    const v = this.#numbers;
    const build = this.#builders[j] as LogBuilder<unknown>;
    const input = build(this.#subjects[j], this.#texts[j]!, v[n]!, v[n + 1]!, v[n + 2]!, v[n + 3]!, v[n + 4]!, v[n + 5]!);
    this.built++;
    // what the builder needed is no longer held
    this.#builders[j] = undefined;
    this.#subjects[j] = undefined;
    return orderedEntry(this.tick, this.time, this.#controllers[j]!, input);
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
