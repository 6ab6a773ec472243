/**
 * The saved-state directory (`--state DIR`, default `./.memplane`) that lets separate CLI
 * invocations share one simulation:
 *
 * - `state.json` — the engine snapshot plus the simulation settings and the committed length
 *   of the log, replaced atomically on every save (temp file, fsync, rename, directory fsync);
 *   replacing it is what commits a save;
 * - `log.jsonl`  — the reconciliation log, one JSON entry per line. A writer appends entries
 *   as they are emitted; only the first `log.bytes` bytes recorded in `state.json` count, so
 *   lines past it (entries in flight, or left by a killed writer) are never shown and are cut
 *   off by the next writer. Retention: the newest {@link DEFAULT_LOG_RETENTION} entries; once
 *   10 % more have piled up, the newest are copied to a new file renamed over the log, after
 *   the save that committed them (see `log-appender.ts`);
 * - `lock`       — see {@link StateLock}: one writer at a time.
 *
 * Only regular files are read (a symlink or device in their place is refused), in bounded
 * pieces. A missing directory is an empty simulation for readers and is created by writers.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { LogEntry } from "../engine/log-entry.js";
import { crashPoint } from "./crash-point.js";
import { type AcquireOptions, StateLock } from "./lock.js";
import { LogAppender } from "./log-appender.js";
import { DEFAULT_LOG_RETENTION, LOG_TRIM_SLACK, type LogPosition } from "./log-file.js";
import { type StateFiles, scanCommittedLog } from "./log-reader.js";
import { repairLog } from "./log-repair.js";
import { removeStaleTempFiles } from "./stale-temp-files.js";
import { ensureDirectory, refuseDirectories } from "./state-files.js";
import { STATE_FILE, type SavedState, type StateFile, readStateFile, savedStateOf, writeStateFile } from "./state-file.js";

export { STATE_FILE, STATE_FORMAT } from "./state-file.js";
export type { SavedState } from "./state-file.js";

/** Name of the reconciliation log file. */
export const LOG_FILE = "log.jsonl";
/** The state directory when `--state` is not given. */
export const DEFAULT_STATE_DIR = "./.memplane";

/** Options for a {@link StateDirectory}. */
export interface StateDirectoryOptions {
  /** How the directory is named in messages (as the user wrote it); default the path. */
  displayName?: string;
  /** Log entries kept; default {@link DEFAULT_LOG_RETENTION}. */
  logRetention?: number;
}

/** The log as a reader sees it, with warnings about anything dropped. */
export interface LogReadResult {
  entries: LogEntry[];
  warnings: string[];
}

/** One saved-state directory. Reading needs no lock; writing goes through {@link StateDirectory.openWriter}. */
export class StateDirectory {
  /** How the directory is named in messages. */
  readonly displayName: string;
  readonly logRetention: number;

  constructor(
    /** Path of the directory. */
    readonly dir: string,
    options: StateDirectoryOptions = {},
  ) {
    this.displayName = options.displayName ?? dir;
    this.logRetention = options.logRetention ?? DEFAULT_LOG_RETENTION;
  }

  /** Path of `state.json`. */
  get stateFile(): string {
    return path.join(this.dir, STATE_FILE);
  }

  /** Path of `log.jsonl`. */
  get logFile(): string {
    return path.join(this.dir, LOG_FILE);
  }

  /** The directory's files and their names in messages. */
  get files(): StateFiles {
    return {
      dir: this.dir,
      stateFile: this.stateFile,
      logFile: this.logFile,
      shownState: path.join(this.displayName, STATE_FILE),
      shownLog: path.join(this.displayName, LOG_FILE),
    };
  }

  /** The last saved state, or undefined when nothing was saved yet. */
  readState(): SavedState | undefined {
    this.checkFiles();
    const file = readStateFile(this.stateFile, this.files.shownState);
    return file ? savedStateOf(file) : undefined;
  }

  /** The saved reconciliation log (committed entries only), plus warnings about torn or uncommitted lines. */
  readLog(): LogReadResult {
    const entries: LogEntry[] = [];
    const warnings = this.scanLog((entry) => entries.push(entry));
    return { entries, warnings };
  }

  /**
   * Passes each committed log entry to `onEntry` in order, reading the file a chunk at a time
   * (a log of any size costs bounded memory); returns warnings about dropped lines.
   */
  scanLog(onEntry: (entry: LogEntry) => void): string[] {
    this.checkFiles();
    return scanCommittedLog(this.files, onEntry);
  }

  /**
   * Creates the directory if needed, takes its lock for `command`, removes temp files of
   * crashed writers and loads the state, making the log exactly its committed part (a repair
   * is committed at once). Close the writer to release the lock.
   */
  async openWriter(command: string, lockOptions?: AcquireOptions): Promise<StateWriter> {
    ensureDirectory(this.dir, this.displayName);
    const lock = await StateLock.acquire(this.dir, command, lockOptions, this.displayName);
    let log: LogAppender | undefined;
    try {
      removeStaleTempFiles(this.dir);
      this.checkFiles();
      const { shownState, shownLog } = this.files;
      const warnings: string[] = [];
      const file = readStateFile(this.stateFile, shownState, warnings);
      const committed = file?.log ?? { entries: 0, bytes: 0 };
      const repaired = repairLog({ file: this.logFile, shown: shownLog, committed, maxTick: file?.tick ?? 0, warnings });
      log = new LogAppender(this.logFile, shownLog, repaired.fd, repaired.position);
      if (repaired.changed && file) {
        crashPoint("repair-written");
        writeStateFile(this.stateFile, savedStateOf(file), repaired.position);
      }
      return new StateWriter(this, lock, file, log, warnings);
    } catch (err) {
      log?.close();
      lock.release();
      throw err;
    }
  }

  /** Refuses a directory where `state.json` or `log.jsonl` belongs, with an error naming it. */
  checkFiles(): void {
    refuseDirectories([
      [this.stateFile, path.join(this.displayName, STATE_FILE)],
      [this.logFile, path.join(this.displayName, LOG_FILE)],
    ]);
  }
}

/**
 * A locked, loaded state directory that can save. Log entries are handed to
 * {@link StateWriter.appendAll} a tick at a time and written past the committed length in batches;
 * {@link StateWriter.save} fsyncs them and commits them with the snapshot.
 */
export class StateWriter {
  private closed = false;
  /** A trimmed log whose length `state.json` could not record yet: recorded with this state first. */
  private trimToCommit: { state: SavedState; position: LogPosition } | undefined;

  constructor(
    private readonly directory: StateDirectory,
    private readonly lock: StateLock,
    file: StateFile | undefined,
    private readonly log: LogAppender,
    /** Problems found while loading (a dropped torn log line…), for the user. */
    readonly warnings: readonly string[],
  ) {
    this.state = file ? savedStateOf(file) : undefined;
  }

  /** The loaded state; undefined for a new directory. */
  readonly state: SavedState | undefined;

  /** Bytes of appended entries held in memory, not yet written to the log file. */
  get bufferedBytes(): number {
    return this.log.bufferedBytes;
  }

  /** Adds an entry to the log (committed by the next {@link save}). Never throws: a failed write is retried by the save. */
  append(entry: LogEntry): void {
    if (this.closed) throw new Error("state writer is closed");
    this.log.append(entry);
  }

  /** Adds a tick's entries to the log as one batch (committed by the next {@link save}). Never throws, as {@link append}. */
  appendAll(entries: readonly LogEntry[]): void {
    if (this.closed) throw new Error("state writer is closed");
    this.log.appendAll(entries);
  }

  /**
   * Saves: appends `newEntries` (if any) after the entries already appended, fsyncs the log,
   * then replaces `state.json` atomically, which commits both. When the log has outgrown its
   * retention it is then trimmed and the trimmed length committed; a failed trim is not a
   * failed save (the work is durable) and is tried again by the next save.
   */
  save(state: SavedState, newEntries: readonly LogEntry[] = []): void {
    if (this.closed) throw new Error("state writer is closed");
    if (this.trimToCommit) this.commitTrim(this.trimToCommit.state, this.trimToCommit.position);
    this.log.appendAll(newEntries);
    const position = this.log.sync();
    writeStateFile(this.directory.stateFile, state, position);
    this.log.markCommitted(position);
    crashPoint("state-committed");
    if (position.entries <= this.directory.logRetention * (1 + LOG_TRIM_SLACK)) return;
    let trimmed: LogPosition | undefined;
    try {
      trimmed = this.log.trim(this.directory.logRetention);
    } catch {
      return; // the untrimmed log is committed and intact; the next save tries again
    }
    if (!trimmed) return;
    try {
      this.commitTrim(state, trimmed);
    } catch {
      this.trimToCommit = { state, position: trimmed }; // nothing is appended until it is recorded
    }
  }

  /** Records a trimmed log's length in `state.json` (same state), after which appending may resume. */
  private commitTrim(state: SavedState, position: LogPosition): void {
    writeStateFile(this.directory.stateFile, state, position);
    this.log.markCommitted(position);
    this.trimToCommit = undefined;
  }

  /** Drops entries appended since the last save, and releases the lock; safe to call twice. */
  close(): void {
    if (!this.closed) {
      this.closed = true;
      try {
        this.log.close();
      } finally {
        this.lock.release();
      }
    }
  }
}
