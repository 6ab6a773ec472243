/**
 * Follows a state directory's reconciliation log the way `tail -f` follows a file, but only
 * ever returns COMMITTED entries: `state.json` records how many bytes of `log.jsonl` a save
 * committed, so lines a writer has appended but not yet committed (or a torn tail) are never
 * shown. Each poll reads only the newly committed bytes, a chunk at a time; when the log was
 * rewritten (retention trim, repair) it re-reads the file and resumes after the last tick it
 * returned. `state.json` is parsed again only when it changed.
 */
import * as fs from "node:fs";
import type { LogEntry } from "../engine/log-entry.js";
import { forEachLine, parseLogLine } from "./log-lines.js";
import { openRegularFile } from "./regular-file.js";
import type { StateDirectory } from "./state-directory.js";
import { fileStamp, readStateFile } from "./state-file.js";

/** What `state.json` says about the log. */
interface CommittedLog {
  tick: number;
  bytes: number;
}

/** Entries are handed over in batches of at most this many (bounded memory on a large first read). */
const BATCH_ENTRIES = 1000;

/** Incremental reader of the committed log; call {@link LogFollower.poll} repeatedly. */
export class LogFollower {
  /** Bytes of log.jsonl already returned. */
  private offset = 0;
  /** Inode of the log file those bytes were read from (a rewrite replaces the file). */
  private inode: number | undefined;
  /** Tick of the last entry returned. */
  private lastTick = -1;
  /** Identity of the last state.json read (see `fileStamp`), to skip unchanged ones. */
  private stateStamp = "";
  private committed: CommittedLog = { tick: 0, bytes: 0 };

  constructor(private readonly directory: StateDirectory) {
    directory.checkFiles();
  }

  /** Entries committed since the last poll (the whole committed log on the first). */
  poll(): LogEntry[] {
    const all: LogEntry[] = [];
    this.pollBatches((batch) => {
      for (const entry of batch) all.push(entry);
    });
    return all;
  }

  /** Like {@link poll}, but hands the entries over in bounded batches as it reads them. */
  pollBatches(onBatch: (entries: LogEntry[]) => void): void {
    if (!this.refreshCommitted()) return;
    const { logFile, shownLog, stateFile } = this.directory.files;
    const fd = openRegularFile(logFile, shownLog);
    if (fd === undefined) return;
    try {
      const stat = fs.fstatSync(fd);
      // a save landed between reading state.json and opening the log: read both again next poll
      if (fileStamp(stateFile) !== this.stateStamp) return;
      const end = Math.min(this.committed.bytes, stat.size);
      const rewritten = (this.inode !== undefined && stat.ino !== this.inode) || end < this.offset;
      const after = rewritten ? this.lastTick : Number.NEGATIVE_INFINITY;
      const start = rewritten ? 0 : this.offset;
      this.inode = stat.ino;
      let batch: LogEntry[] = [];
      let consumed = start;
      forEachLine(fd, start, end, (line) => {
        // only whole lines: a commit always ends in "\n", so anything after the last one waits
        if (!line.complete) return;
        consumed = line.end;
        const entry = parseLogLine(line);
        if (typeof entry === "string" || entry.tick > this.committed.tick || entry.tick <= after) return;
        batch.push(entry);
        this.lastTick = entry.tick;
        if (batch.length >= BATCH_ENTRIES) {
          onBatch(batch);
          batch = [];
        }
      });
      this.offset = consumed;
      if (batch.length > 0) onBatch(batch);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Re-reads state.json when it changed; false while there is no saved state. */
  private refreshCommitted(): boolean {
    const { stateFile, shownState } = this.directory.files;
    const stamp = fileStamp(stateFile);
    if (stamp === "absent") return false;
    if (stamp === this.stateStamp) return true;
    const state = readStateFile(stateFile, shownState);
    if (!state) return false;
    this.stateStamp = stamp; // if it changed again since, the check after opening the log notices
    this.committed = { tick: state.tick, bytes: state.log.bytes };
    return true;
  }
}
