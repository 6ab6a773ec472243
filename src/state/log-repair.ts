/**
 * What a writer does to `log.jsonl` when it takes the lock, so that the file holds exactly the
 * committed log before anything is appended to it:
 *
 * - bytes past the committed length (a writer killed before its save committed them) are cut
 *   off, and reported;
 * - a file SHORTER than the committed length is a retention trim that was renamed into place
 *   just before its writer was killed (every line of it is committed): `state.json` is told
 *   its real length;
 * - a committed part that does not end in a whole line (the file was damaged) is rewritten
 *   with its whole entries only, and reported.
 *
 * Everything is read in bounded chunks; nothing here holds the log in memory.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fsyncDirectory, tempPathFor } from "./atomic-file.js";
import { type LogPosition, addDropped, describeDropped } from "./log-file.js";
import { readUncommittedTail, scanLogEntries, writeAll } from "./log-lines.js";
import { openRegularFile } from "./regular-file.js";

/** The log as the writer found and left it. */
export interface RepairedLog {
  /** Open for reading and writing; undefined when there is no log file yet. */
  fd: number | undefined;
  /** The committed log, now exactly the file's content. */
  position: LogPosition;
  /** `state.json` must be rewritten to record `position` before anything is appended. */
  changed: boolean;
}

/** Where the log is, how it is named in messages, and what `state.json` says about it. */
export interface LogRepairInput {
  file: string;
  shown: string;
  committed: LogPosition;
  /** The saved state's tick: entries past it were never committed. */
  maxTick: number;
  warnings: string[];
}

/** The byte at `offset` is "\n". */
function newlineAt(fd: number, offset: number): boolean {
  const buf = Buffer.alloc(1);
  return fs.readSync(fd, buf, 0, 1, offset) === 1 && buf[0] === 0x0a;
}

/** Makes `log.jsonl` hold exactly the committed log (see the module comment). */
export function repairLog(input: LogRepairInput): RepairedLog {
  const { file, shown, committed, warnings } = input;
  const fd = openRegularFile(file, shown, "r+");
  if (fd === undefined) {
    const lost = committed.entries > 0 || committed.bytes > 0;
    if (lost) warnings.push(`${shown} is missing; the log starts afresh`);
    return { fd: undefined, position: { entries: 0, bytes: 0 }, changed: lost };
  }
  let size: number;
  try {
    size = fs.fstatSync(fd).size;
    if (size >= committed.bytes && (committed.bytes === 0 || newlineAt(fd, committed.bytes - 1))) {
      if (size > committed.bytes) {
        const warning = describeDropped(shown, readUncommittedTail(fd, committed.bytes, size));
        if (warning) warnings.push(warning);
        fs.ftruncateSync(fd, committed.bytes);
        fs.fsyncSync(fd);
      }
      return { fd, position: committed, changed: false };
    }
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  return rewriteWholeEntries(fd, size, input);
}

/**
 * The slow path: reads the committed part (or the whole file, when shorter) and keeps its
 * whole entries. A shorter file that is all whole entries (an interrupted trim) is kept as it
 * is; anything else is rewritten atomically. Takes over `fd`: returns the new log, with `fd`
 * on the file now in place (closed on error).
 */
function rewriteWholeEntries(fd: number, size: number, input: LogRepairInput): RepairedLog {
  const { file, shown, committed, maxTick, warnings } = input;
  const tmp = tempPathFor(file);
  let fdOpen = true;
  try {
    let written = 0;
    const out = fs.openSync(tmp, "w", 0o644);
    let counts;
    try {
      counts = scanLogEntries(fd, 0, Math.min(size, committed.bytes), maxTick, (_entry, line) => {
        const bytes = Buffer.from(line.text! + "\n", "utf8");
        writeAll(out, bytes, written);
        written += bytes.length;
      });
      fs.fsyncSync(out);
    } finally {
      fs.closeSync(out);
    }
    const tail = size > committed.bytes ? readUncommittedTail(fd, committed.bytes, size) : undefined;
    const warning = describeDropped(shown, tail ? addDropped(counts, tail) : counts);
    if (warning === undefined && counts.blankLines === 0 && counts.wholeEnd === size) {
      // an interrupted trim: every line is a committed whole entry; only state.json is behind
      fs.rmSync(tmp, { force: true });
      return { fd, position: { entries: counts.entries, bytes: size }, changed: true };
    }
    warnings.push(warning ?? `${shown} had blank lines; it was rewritten without them`);
    fs.closeSync(fd);
    fdOpen = false;
    fs.renameSync(tmp, file);
    fsyncDirectory(path.dirname(file));
    return { fd: openRegularFile(file, shown, "r+"), position: { entries: counts.entries, bytes: written }, changed: true };
  } catch (err) {
    if (fdOpen) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
