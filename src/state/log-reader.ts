/**
 * Reading the committed log without the lock. The committed log is the first `log.bytes`
 * bytes of `log.jsonl` as recorded by `state.json` — or the whole file when it is shorter (a
 * retention trim renamed into place whose `state.json` is not yet written; every line of it is
 * committed). Bytes past the committed length are a writer's entries in flight, or what a
 * killed writer left: never shown, and reported only when no live writer holds the lock.
 *
 * `state.json` and the log are two files, so a reader opens them seqlock-style: note
 * `state.json`'s identity, read it, open the log and take its size, and retry if `state.json`
 * changed meanwhile. A writer never rewrites committed bytes in place, so the bytes under that
 * size are then exactly what that `state.json` committed.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { LogEntry } from "../engine/log-entry.js";
import { LOCK_FILE } from "./lock.js";
import { inspectLock } from "./lock-holder.js";
import { addDropped, describeDropped } from "./log-file.js";
import { readUncommittedTail, scanLogEntries } from "./log-lines.js";
import { openRegularFile } from "./regular-file.js";
import { type StateFile, fileStamp, readStateFile } from "./state-file.js";

/** Where a state directory's files are, and how they are named in messages. */
export interface StateFiles {
  dir: string;
  stateFile: string;
  logFile: string;
  shownState: string;
  shownLog: string;
}

/** An open log and what `state.json` committed of it. */
export interface CommittedLog {
  /** The state that commits it; undefined when nothing was saved yet (then nothing is committed). */
  state: StateFile | undefined;
  /** Open for reading; undefined when there is no log file. */
  fd: number | undefined;
  /** The file's size when opened. */
  size: number;
  /** Where the committed part ends: min(size, committed length). */
  end: number;
  /** Identity of the `state.json` this was read with (see `fileStamp`). */
  stamp: string;
}

/** Attempts at a consistent read before taking what the last one saw (writers save at most a few times a second). */
const CONSISTENT_READ_ATTEMPTS = 20;

/** Opens the log together with the `state.json` that commits it (see the module comment). Close `fd`. */
export function openCommittedLog(files: StateFiles): CommittedLog {
  for (let attempt = 1; ; attempt++) {
    const stamp = fileStamp(files.stateFile);
    const state = readStateFile(files.stateFile, files.shownState);
    const fd = openRegularFile(files.logFile, files.shownLog);
    const size = fd === undefined ? 0 : fs.fstatSync(fd).size;
    if (fileStamp(files.stateFile) === stamp || attempt >= CONSISTENT_READ_ATTEMPTS) {
      return { state, fd, size, end: Math.min(size, state?.log.bytes ?? 0), stamp };
    }
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * True when a live process holds the directory's writer lock (its uncommitted log bytes are
 * then in flight, not debris), judged the way the lock itself judges a holder (lock-holder.ts).
 */
export function writerIsLive(dir: string): boolean {
  try {
    const seen = inspectLock(path.join(dir, LOCK_FILE));
    return seen.kind === "held" && !seen.stale;
  } catch {
    return false; // unreadable: not a lock memplane took
  }
}

/**
 * Passes each committed log entry to `onEntry`, reading a chunk at a time; returns warnings
 * about lines it dropped (torn or unreadable ones, and debris past the committed length when no
 * writer is live).
 */
export function scanCommittedLog(files: StateFiles, onEntry: (entry: LogEntry) => void): string[] {
  const log = openCommittedLog(files);
  if (log.fd === undefined) return [];
  try {
    const committed = scanLogEntries(log.fd, 0, log.end, log.state?.tick ?? 0, (entry) => onEntry(entry));
    const committedBytes = log.state?.log.bytes ?? 0;
    const debris = log.size > committedBytes && !writerIsLive(files.dir) ? readUncommittedTail(log.fd, committedBytes, log.size) : undefined;
    const warning = describeDropped(files.shownLog, debris ? addDropped(committed, debris) : committed);
    return warning ? [warning] : [];
  } finally {
    fs.closeSync(log.fd);
  }
}
