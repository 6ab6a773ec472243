/**
 * The recent reconciliation log the server answers `/logs` from: the entries saved in the state
 * directory when it started plus every entry the engine has emitted since, bounded to the newest
 * {@link DEFAULT_LOG_BUFFER_ENTRIES}; followers get new entries as they come.
 */
import { Subject, type Observable } from "rxjs";
import type { LogEntry } from "../engine/log-entry.js";

/** Entries kept for `/logs` (older ones stay in the state directory's log file). */
export const DEFAULT_LOG_BUFFER_ENTRIES = 10_000;

/** A bounded ring of recent log entries with a live feed. */
export class LogBuffer {
  #entries: LogEntry[] = [];
  #total = 0;
  readonly #added = new Subject<LogEntry>();

  constructor(
    initial: readonly LogEntry[] = [],
    private readonly capacity = DEFAULT_LOG_BUFFER_ENTRIES,
  ) {
    this.#entries = initial.slice(-capacity);
  }

  /** Records one entry and hands it to followers. */
  push(entry: LogEntry): void {
    this.#entries.push(entry);
    this.#total++;
    // trim in batches so pushing stays O(1) amortised
    if (this.#entries.length > this.capacity * 1.1) this.#entries = this.#entries.slice(-this.capacity);
    this.#added.next(entry);
  }

  /** Entries emitted since this server started. */
  get total(): number {
    return this.#total;
  }

  /** The kept entries at or after `sinceTick`. */
  entries(sinceTick = 0): LogEntry[] {
    const kept = this.#entries.length > this.capacity ? this.#entries.slice(-this.capacity) : this.#entries;
    return sinceTick > 0 ? kept.filter((e) => e.tick >= sinceTick) : [...kept];
  }

  /** New entries from now on. */
  get added$(): Observable<LogEntry> {
    return this.#added.asObservable();
  }

  /** Ends every follower's feed. */
  close(): void {
    this.#added.complete();
  }
}
