/**
 * The writer's end of `log.jsonl`. Entries are written past the committed length as they are
 * emitted, a batch of {@link LOG_FLUSH_BYTES} at a time, so a long `run --state` keeps one batch
 * in memory, not its whole log. They become part of the log only when `state.json` records the
 * new length (readers ignore everything past it), which {@link StateWriter} does after
 * {@link LogAppender.sync}. A writer that ends without saving cuts them off again.
 *
 * The retention trim copies the newest entries to a temp file and renames it over the log only
 * AFTER `state.json` has committed the untrimmed log, so a kill at any moment leaves every
 * committed entry readable (see `log-repair.ts` for the file that is then shorter than its
 * committed length).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { LogEntry } from "../engine/log-entry.js";
import { formatLogJson, writeJsonLines } from "../engine/log-format.js";
import { fsyncDirectory, tempPathFor } from "./atomic-file.js";
import { crashPoint } from "./crash-point.js";
import { copyRange, startOfLastLines, writeAll } from "./log-lines.js";
import type { LogPosition } from "./log-file.js";
import { openRegularFile, withPath } from "./regular-file.js";

/** Appended entries are written to the file once this many bytes of them are waiting. */
export const LOG_FLUSH_BYTES = 256 * 1024;

/** The open log of a {@link StateWriter}. */
export class LogAppender {
  /** Lines waiting to be written (one string per entry or per batch of entries). */
  private pending: string[] = [];
  private pendingBytes = 0;
  /** Entries in {@link pending}. */
  private pendingEntries = 0;
  /** Bytes of a write that failed (disk full…), with the number of lines in them: retried first. */
  private unwritten: { data: Buffer; entries: number } | undefined;
  /** End of the file: the base plus what was written since. */
  private end: LogPosition;
  /** End of the committed content: appends go after it, {@link rollback} returns to it. */
  private base: LogPosition;
  /** After a trim, until `state.json` records the trimmed length: nothing may be written. */
  private baseUncommitted = false;
  /** Written since the last fsync. */
  private unsynced = false;
  /** The file was created by this writer and its directory entry not yet fsynced. */
  private created = false;

  constructor(
    /** Path of `log.jsonl`. */
    private readonly file: string,
    /** How it is named in messages. */
    private readonly shown: string,
    /** Open for reading and writing; undefined until the first write creates the file. */
    private fd: number | undefined,
    /** The committed log, which is exactly the file's content. */
    committed: LogPosition,
  ) {
    this.end = { ...committed };
    this.base = { ...committed };
  }

  /** Bytes of entries held in memory, not yet written. */
  get bufferedBytes(): number {
    return this.pendingBytes + (this.unwritten?.data.length ?? 0);
  }

  /** Queues one entry; writes the queue once it is {@link LOG_FLUSH_BYTES} long. Never throws. */
  append(entry: LogEntry): void {
    this.queue(formatLogJson(entry) + "\n", 1);
  }

  /** Queues a batch of entries (a tick's) as one string; writes the queue once it is {@link LOG_FLUSH_BYTES} long. Never throws. */
  appendAll(entries: readonly LogEntry[]): void {
    writeJsonLines(entries, (lines, count) => this.queue(lines, count));
  }

  private queue(lines: string, entries: number): void {
    this.pending.push(lines);
    this.pendingEntries += entries;
    this.pendingBytes += Buffer.byteLength(lines);
    if (this.pendingBytes < LOG_FLUSH_BYTES) return;
    try {
      this.flush();
    } catch {
      // kept in memory (see `unwritten`); the save retries the write and reports the error
    }
  }

  /** Writes the queued entries past the end of the file (not fsynced, not committed). */
  flush(): void {
    if (this.baseUncommitted) return; // nothing past a trimmed log until state.json records it
    if (this.pending.length > 0) {
      const data = Buffer.from(this.pending.join(""), "utf8");
      const entries = this.pendingEntries;
      this.unwritten = this.unwritten
        ? { data: Buffer.concat([this.unwritten.data, data]), entries: this.unwritten.entries + entries }
        : { data, entries };
      this.pending = [];
      this.pendingBytes = 0;
      this.pendingEntries = 0;
    }
    if (!this.unwritten) return;
    const fd = this.open();
    let done = 0;
    try {
      while (done < this.unwritten.data.length) {
        done += fs.writeSync(fd, this.unwritten.data, done, this.unwritten.data.length - done, this.end.bytes + done);
      }
    } catch (err) {
      // keep what did not make it; the bytes that did are overwritten by the retry
      throw withPath(err, this.file);
    }
    this.end = { entries: this.end.entries + this.unwritten.entries, bytes: this.end.bytes + done };
    this.unwritten = undefined;
    this.unsynced = true;
    crashPoint("log-flushed");
  }

  /** Writes and fsyncs everything appended; returns the end of the log, ready to be committed. */
  sync(): LogPosition {
    if (this.baseUncommitted) throw new Error("the trimmed log must be committed before it is appended to");
    this.flush();
    const fd = this.open();
    try {
      if (this.unsynced) fs.fsyncSync(fd);
    } catch (err) {
      throw withPath(err, this.file);
    }
    this.unsynced = false;
    if (this.created) {
      fsyncDirectory(path.dirname(this.file));
      this.created = false;
    }
    crashPoint("log-synced");
    return { ...this.end };
  }

  /** `state.json` now records `position` (the end of the file) as committed. */
  markCommitted(position: LogPosition): void {
    this.base = { ...position };
    this.baseUncommitted = false;
  }

  /**
   * Cuts the committed log down to its newest `retention` entries: copies them to a temp file,
   * fsyncs it and renames it over the log. Call right after a commit, with nothing appended
   * since. Returns the trimmed length, which `state.json` must record (with
   * {@link markCommitted}) before anything is appended again; undefined when there was nothing
   * to cut.
   */
  trim(retention: number): LogPosition | undefined {
    if (this.fd === undefined || this.end.bytes !== this.base.bytes) return undefined;
    const start = startOfLastLines(this.fd, this.base.bytes, retention);
    if (start === 0) return undefined;
    const tmp = tempPathFor(this.file);
    try {
      const out = fs.openSync(tmp, "w", 0o644);
      try {
        copyRange(this.fd, out, start, this.base.bytes);
        fs.fsyncSync(out);
      } finally {
        fs.closeSync(out);
      }
      crashPoint("trim-written");
      fs.closeSync(this.fd); // Windows cannot rename over an open file
      this.fd = undefined;
      fs.renameSync(tmp, this.file);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw withPath(err, this.file); // the untrimmed log is still in place (reopened by the next write)
    }
    const kept = { entries: retention, bytes: this.base.bytes - start };
    this.base = { ...kept };
    this.end = { ...kept };
    this.baseUncommitted = true;
    fsyncDirectory(path.dirname(this.file));
    crashPoint("trim-renamed");
    try {
      this.fd = openRegularFile(this.file, this.shown, "r+");
    } catch {
      // the trimmed log is in place either way; the next write opens it again (and reports why not)
    }
    return kept;
  }

  /** Drops everything appended since the last commit, in memory and on disk (best effort). */
  rollback(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingEntries = 0;
    this.unwritten = undefined;
    if (this.fd !== undefined && this.end.bytes !== this.base.bytes) {
      try {
        fs.ftruncateSync(this.fd, this.base.bytes);
        fs.fsyncSync(this.fd);
        this.end = { ...this.base };
      } catch {
        // left as an uncommitted tail: readers ignore it and the next writer cuts it off
      }
    }
  }

  /** Rolls back what was not committed and closes the file. */
  close(): void {
    this.rollback();
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  /** The open file, created (empty) when there is none yet. */
  private open(): number {
    if (this.fd !== undefined) return this.fd;
    try {
      this.fd = openRegularFile(this.file, this.shown, "r+");
      if (this.fd === undefined) {
        this.fd = fs.openSync(this.file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o644);
        this.created = true;
      }
    } catch (err) {
      throw withPath(err, this.file);
    }
    return this.fd;
  }
}
