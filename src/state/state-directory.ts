/**
 * The saved-state directory (`--state DIR`, default `./.memplane`) that lets separate CLI
 * invocations share one simulation:
 *
 * - `state.json` — the engine snapshot plus the simulation settings, replaced atomically on
 *   every save (temp file, fsync, rename, directory fsync);
 * - `log.jsonl`  — the reconciliation log, one JSON entry per line, append-only; its committed
 *   length is recorded in `state.json`, so lines past it (a torn or interrupted append) are
 *   detected, dropped and reported on load. Retention: the newest {@link DEFAULT_LOG_RETENTION}
 *   entries; once 10 % more have piled up the file is rewritten atomically with the newest ones;
 * - `lock`       — see {@link StateLock}: one writer at a time.
 *
 * A missing directory is an empty simulation for readers and is created by writers.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { LogEntry } from "../engine/log-entry.js";
import { fsyncDirectory, writeFileAtomicSync } from "./atomic-file.js";
import { StateCorruptError } from "./errors.js";
import { type AcquireOptions, StateLock } from "./lock.js";
import { ensureDirectory, refuseDirectories } from "./state-files.js";
import { DEFAULT_LOG_RETENTION, LOG_TRIM_SLACK, describeDropped, parseLogLines, toLogLines } from "./log-file.js";

/** Name of the snapshot file. */
export const STATE_FILE = "state.json";
/** Name of the reconciliation log file. */
export const LOG_FILE = "log.jsonl";
/** Format tag written into `state.json`; a different tag is refused rather than misread. */
export const STATE_FORMAT = "memplane-state/v1";
/** The state directory when `--state` is not given. */
export const DEFAULT_STATE_DIR = "./.memplane";

/** What a save records: the simulation settings, where it stands, and the engine snapshot. */
export interface SavedState {
  seed: number;
  tickSeconds: number;
  /** Last completed tick. */
  tick: number;
  /** Simulated seconds at that tick. */
  timeSeconds: number;
  /** `engine.snapshot()`, JSON-serialisable; opaque to this module. */
  engine: unknown;
}

/** The on-disk form of `state.json`. */
interface StateFile extends SavedState {
  format: typeof STATE_FORMAT;
  /** The committed part of log.jsonl. */
  log: { entries: number; bytes: number };
}

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

  /** The last saved state, or undefined when nothing was saved yet. */
  readState(): SavedState | undefined {
    const file = this.readStateFile();
    if (!file) return undefined;
    const { seed, tickSeconds, tick, timeSeconds, engine } = file;
    return { seed, tickSeconds, tick, timeSeconds, engine };
  }

  /** The saved reconciliation log (committed entries only), plus warnings about torn or uncommitted lines. */
  readLog(): LogReadResult {
    const state = this.readStateFile();
    let text: string;
    try {
      text = fs.readFileSync(this.logFile, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { entries: [], warnings: [] };
      throw err;
    }
    const parsed = parseLogLines(text, state?.tick ?? 0);
    const warning = describeDropped(path.join(this.displayName, LOG_FILE), parsed);
    return { entries: parsed.entries, warnings: warning ? [warning] : [] };
  }

  /**
   * Creates the directory if needed, takes its lock for `command` and loads it, repairing a
   * torn log tail. Close the writer to release the lock.
   */
  async openWriter(command: string, lockOptions?: AcquireOptions): Promise<StateWriter> {
    ensureDirectory(this.dir, this.displayName);
    const lock = await StateLock.acquire(this.dir, command, lockOptions, this.displayName);
    try {
      const file = this.readStateFile();
      const warnings: string[] = [];
      const log = this.repairLog(file, warnings);
      return new StateWriter(this, lock, file, log, warnings);
    } catch (err) {
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

  /** Reads and checks `state.json`; undefined when absent. Every reader and writer starts here. */
  private readStateFile(): StateFile | undefined {
    this.checkFiles();
    let text: string;
    try {
      text = fs.readFileSync(this.stateFile, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    const shown = path.join(this.displayName, STATE_FILE);
    let value: Partial<StateFile>;
    try {
      value = JSON.parse(text) as Partial<StateFile>;
    } catch (err) {
      throw new StateCorruptError(shown, `not valid JSON (${(err as Error).message})`);
    }
    if (value?.format !== STATE_FORMAT) {
      throw new StateCorruptError(shown, `unknown format ${JSON.stringify(value?.format)} (expected ${STATE_FORMAT})`);
    }
    if (typeof value.tick !== "number" || typeof value.seed !== "number" || typeof value.tickSeconds !== "number" || !value.log) {
      throw new StateCorruptError(shown, "missing tick, seed, tickSeconds or log fields");
    }
    return value as StateFile;
  }

  /**
   * Makes log.jsonl hold exactly the committed entries. Fast path: its size equals the committed
   * size and it ends in a newline. Otherwise every line is re-read, torn, unreadable and
   * uncommitted ones dropped (and reported), and the file rewritten atomically.
   */
  private repairLog(file: StateFile | undefined, warnings: string[]): { entries: number; bytes: number } {
    const committed = file?.log ?? { entries: 0, bytes: 0 };
    let size: number;
    try {
      size = fs.statSync(this.logFile).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      if (committed.entries > 0) warnings.push(`${path.join(this.displayName, LOG_FILE)} is missing; the log starts afresh`);
      return { entries: 0, bytes: 0 };
    }
    if (size === committed.bytes && (size === 0 || this.lastByteIsNewline(size))) return committed;

    const text = fs.readFileSync(this.logFile, "utf8");
    const parsed = parseLogLines(text, file?.tick ?? 0);
    const warning = describeDropped(path.join(this.displayName, LOG_FILE), parsed);
    if (warning) warnings.push(warning);
    const lines = toLogLines(parsed.entries);
    writeFileAtomicSync(this.logFile, lines);
    return { entries: parsed.entries.length, bytes: Buffer.byteLength(lines) };
  }

  /** True when the log file's byte at `size - 1` is "\n". */
  private lastByteIsNewline(size: number): boolean {
    const fd = fs.openSync(this.logFile, "r");
    try {
      const buf = Buffer.alloc(1);
      fs.readSync(fd, buf, 0, 1, size - 1);
      return buf[0] === 0x0a;
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Writes `state.json` atomically. */
  writeStateFile(state: SavedState, log: { entries: number; bytes: number }): void {
    const file: StateFile = {
      format: STATE_FORMAT,
      seed: state.seed,
      tickSeconds: state.tickSeconds,
      tick: state.tick,
      timeSeconds: state.timeSeconds,
      log,
      engine: state.engine,
    };
    writeFileAtomicSync(this.stateFile, JSON.stringify(file));
  }
}

/** A locked, loaded state directory that can save. */
export class StateWriter {
  private closed = false;

  constructor(
    private readonly directory: StateDirectory,
    private readonly lock: StateLock,
    file: StateFile | undefined,
    private log: { entries: number; bytes: number },
    /** Problems found while loading (a dropped torn log line…), for the user. */
    readonly warnings: readonly string[],
  ) {
    this.state = file ? { seed: file.seed, tickSeconds: file.tickSeconds, tick: file.tick, timeSeconds: file.timeSeconds, engine: file.engine } : undefined;
  }

  /** The loaded state; undefined for a new directory. */
  readonly state: SavedState | undefined;

  /**
   * Saves: appends `newEntries` to the log (fsynced; or rewrites it atomically when retention
   * trims it), then replaces `state.json` atomically, which commits both.
   */
  save(state: SavedState, newEntries: readonly LogEntry[]): void {
    if (this.closed) throw new Error("state writer is closed");
    const logFile = this.directory.logFile;
    const retention = this.directory.logRetention;
    const total = this.log.entries + newEntries.length;
    if (total > retention * (1 + LOG_TRIM_SLACK)) {
      const old = parseLogLines(fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "").entries;
      const kept = old.concat(newEntries).slice(-retention);
      const lines = toLogLines(kept);
      writeFileAtomicSync(logFile, lines);
      this.log = { entries: kept.length, bytes: Buffer.byteLength(lines) };
    } else if (newEntries.length > 0 || !fs.existsSync(logFile)) {
      const existed = fs.existsSync(logFile);
      const lines = toLogLines(newEntries);
      const fd = fs.openSync(logFile, "a", 0o644);
      try {
        fs.writeSync(fd, lines);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      if (!existed) fsyncDirectory(this.directory.dir);
      this.log = { entries: total, bytes: this.log.bytes + Buffer.byteLength(lines) };
    }
    this.directory.writeStateFile(state, this.log);
  }

  /** Releases the lock; safe to call twice. */
  close(): void {
    this.closed = true;
    this.lock.release();
  }
}
