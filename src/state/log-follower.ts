/**
 * Follows a state directory's reconciliation log the way `tail -f` follows a file, but only
 * ever returns COMMITTED entries: `state.json` records how many bytes of `log.jsonl` a save
 * committed, so lines a writer has appended but not yet committed (or a torn tail) are never
 * shown. Each poll reads only the newly committed bytes; when the log was rewritten (retention
 * trim, repair) it re-reads the file and resumes after the last tick it returned.
 */
import * as fs from "node:fs";
import type { LogEntry } from "../engine/log-entry.js";
import { parseLogLines } from "./log-file.js";
import type { StateDirectory } from "./state-directory.js";

/** What `state.json` says about the log. */
interface CommittedLog {
  tick: number;
  bytes: number;
}

/** Incremental reader of the committed log; call {@link LogFollower.poll} repeatedly. */
export class LogFollower {
  /** Bytes of log.jsonl already returned. */
  private offset = 0;
  /** Inode of the log file those bytes were read from (a rewrite replaces the file). */
  private inode: number | undefined;
  /** Tick of the last entry returned. */
  private lastTick = -1;
  /** Identity of the last state.json read (size, mtime, inode), to skip unchanged ones. */
  private stateStamp = "";
  private committed: CommittedLog = { tick: 0, bytes: 0 };

  constructor(private readonly directory: StateDirectory) {
    directory.checkFiles();
  }

  /** Entries committed since the last poll (the whole committed log on the first). */
  poll(): LogEntry[] {
    if (!this.refreshCommitted()) return [];
    let fd: number;
    try {
      fd = fs.openSync(this.directory.logFile, "r");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    try {
      const stat = fs.fstatSync(fd);
      const rewritten = this.inode !== undefined && stat.ino !== this.inode;
      if (rewritten || this.committed.bytes < this.offset) return this.rereadAll(fd, stat.ino);
      this.inode = stat.ino;
      const end = Math.min(this.committed.bytes, stat.size);
      if (end <= this.offset) return [];
      const buf = Buffer.alloc(end - this.offset);
      fs.readSync(fd, buf, 0, buf.length, this.offset);
      // Only whole lines: a commit always ends in "\n", so anything after the last one waits.
      const text = buf.toString("utf8");
      const lastNewline = text.lastIndexOf("\n");
      if (lastNewline < 0) return [];
      const whole = text.slice(0, lastNewline + 1);
      this.offset += Buffer.byteLength(whole);
      return this.accept(parseLogLines(whole, this.committed.tick).entries);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** After a rewrite: the committed entries past the last tick returned. */
  private rereadAll(fd: number, inode: number): LogEntry[] {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.alloc(size);
    fs.readSync(fd, buf, 0, size, 0);
    const text = buf.toString("utf8");
    const whole = text.slice(0, text.lastIndexOf("\n") + 1);
    this.inode = inode;
    this.offset = Buffer.byteLength(whole);
    const after = this.lastTick;
    return this.accept(parseLogLines(whole, this.committed.tick).entries.filter((e) => e.tick > after));
  }

  /** Remembers the last tick returned. */
  private accept(entries: LogEntry[]): LogEntry[] {
    if (entries.length > 0) this.lastTick = entries[entries.length - 1]!.tick;
    return entries;
  }

  /** Re-reads state.json when it changed; false while there is no saved state. */
  private refreshCommitted(): boolean {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(this.directory.stateFile);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw err;
    }
    const stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    if (stamp === this.stateStamp) return true;
    let value: { tick?: unknown; log?: { bytes?: unknown } };
    try {
      value = JSON.parse(fs.readFileSync(this.directory.stateFile, "utf8")) as typeof value;
    } catch (err) {
      // Replaced between stat and read, or (unlikely, saves are atomic) unreadable: try next poll.
      if ((err as NodeJS.ErrnoException).code === "ENOENT" || err instanceof SyntaxError) return false;
      throw err;
    }
    if (typeof value.tick !== "number" || typeof value.log?.bytes !== "number") return false;
    this.stateStamp = stamp;
    this.committed = { tick: value.tick, bytes: value.log.bytes };
    return true;
  }
}
