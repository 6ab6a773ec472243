/**
 * Reading `log.jsonl` in bounded pieces: lines are read from a byte range of an open file a
 * chunk at a time, so a log of any size (or a file of junk) costs a few megabytes of memory,
 * never one string of the whole file. Also the byte-level helpers of the retention trim.
 */
import * as fs from "node:fs";
import type { LogEntry } from "../engine/log-entry.js";
import { isLogEntry } from "./log-file.js";

/** Longest line read whole; a longer one is unreadable (entries are a few hundred bytes). */
export const MAX_LOG_LINE_BYTES = 1024 * 1024;

/** Bytes per read call. */
const CHUNK_BYTES = 1024 * 1024;

/** One line of the log and where it lies. */
export interface LogLine {
  /** The line without its "\n"; undefined when longer than {@link MAX_LOG_LINE_BYTES}. */
  text: string | undefined;
  /** The line ends in "\n" (a last line without one is torn). */
  complete: boolean;
  /** Byte offset of the line's start. */
  start: number;
  /** Byte offset just past the line (past its "\n"). */
  end: number;
}

/** Calls `onLine` for each line of bytes `[start, end)` of `fd`, reading a chunk at a time. */
export function forEachLine(fd: number, start: number, end: number, onLine: (line: LogLine) => void): void {
  const buf = Buffer.allocUnsafe(Math.max(1, Math.min(CHUNK_BYTES, end - start)));
  let parts: Buffer[] = [];
  let partBytes = 0;
  let tooLong = false;
  let lineStart = start;
  let pos = start;
  while (pos < end) {
    const n = fs.readSync(fd, buf, 0, Math.min(buf.length, end - pos), pos);
    if (n === 0) break; // the file is shorter than `end`
    const chunk = buf.subarray(0, n);
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, from);
      const stop = nl < 0 ? n : nl;
      if (nl >= 0 && partBytes === 0 && !tooLong) {
        // the common case: the whole line lies in this chunk
        const text = nl - from > MAX_LOG_LINE_BYTES ? undefined : chunk.toString("utf8", from, nl);
        onLine({ text, complete: true, start: lineStart, end: pos + nl + 1 });
      } else {
        if (!tooLong && partBytes + (stop - from) > MAX_LOG_LINE_BYTES) {
          tooLong = true;
          parts = [];
          partBytes = 0;
        } else if (!tooLong && stop > from) {
          parts.push(Buffer.from(chunk.subarray(from, stop)));
          partBytes += stop - from;
        }
        if (nl < 0) break;
        const text = tooLong ? undefined : Buffer.concat(parts, partBytes).toString("utf8");
        onLine({ text, complete: true, start: lineStart, end: pos + nl + 1 });
      }
      parts = [];
      partBytes = 0;
      tooLong = false;
      lineStart = pos + nl + 1;
      from = nl + 1;
    }
    pos += n;
  }
  if (partBytes > 0 || tooLong) {
    onLine({ text: tooLong ? undefined : Buffer.concat(parts, partBytes).toString("utf8"), complete: false, start: lineStart, end: pos });
  }
}

/** A log line read as an entry: the entry, or why it is not one. */
export function parseLogLine(line: LogLine): LogEntry | "blank" | "torn" {
  if (line.text === undefined || !line.complete) return "torn";
  if (line.text.trim() === "") return "blank";
  try {
    const value: unknown = JSON.parse(line.text);
    return isLogEntry(value) ? value : "torn";
  } catch {
    return "torn";
  }
}

/** What a scan of log lines found besides the entries it passed on. */
export interface LogScanCounts {
  /** Whole entries passed on. */
  entries: number;
  /** Lines that were not whole JSON entries (torn, garbage or too long). */
  droppedLines: number;
  /** Whole entries from ticks past the saved state (or past the committed length). */
  droppedUncommitted: number;
  /** Empty lines (memplane never writes them). */
  blankLines: number;
  /** Offset just past the last whole line, blank or not (where a torn tail starts). */
  wholeEnd: number;
}

/**
 * Reads bytes `[start, end)` as log lines and passes each whole entry with a tick ≤ `maxTick`
 * to `onEntry` (with its line); counts what it drops.
 */
export function scanLogEntries(fd: number, start: number, end: number, maxTick: number, onEntry: (entry: LogEntry, line: LogLine) => void): LogScanCounts {
  const counts: LogScanCounts = { entries: 0, droppedLines: 0, droppedUncommitted: 0, blankLines: 0, wholeEnd: start };
  forEachLine(fd, start, end, (line) => {
    if (line.complete) counts.wholeEnd = line.end;
    const entry = parseLogLine(line);
    if (entry === "blank") counts.blankLines++;
    else if (entry === "torn") counts.droppedLines++;
    else if (entry.tick > maxTick) counts.droppedUncommitted++;
    else {
      counts.entries++;
      onEntry(entry, line);
    }
  });
  return counts;
}

/** A tail longer than this past the committed length is reported by size, not read line by line. */
export const TAIL_SCAN_LIMIT = 16 * 1024 * 1024;

/** What lies past the committed length: whole entries, torn lines, or (when large) just bytes. */
export interface UncommittedTail {
  droppedLines: number;
  droppedUncommitted: number;
  droppedBytes: number;
}

/** Describes bytes `[start, end)` past the committed length (an interrupted save, or outside writes). */
export function readUncommittedTail(fd: number, start: number, end: number): UncommittedTail {
  if (end - start > TAIL_SCAN_LIMIT) return { droppedLines: 0, droppedUncommitted: 0, droppedBytes: end - start };
  const counts = scanLogEntries(fd, start, end, Number.POSITIVE_INFINITY, () => undefined);
  return { droppedLines: counts.droppedLines, droppedUncommitted: counts.entries, droppedBytes: 0 };
}

/**
 * Offset where the last `count` lines of bytes `[0, end)` start (0 when there are no more than
 * that). `end` must be just past a "\n". Reads backwards, so only the kept part is read.
 */
export function startOfLastLines(fd: number, end: number, count: number): number {
  const buf = Buffer.allocUnsafe(Math.max(1, Math.min(CHUNK_BYTES, end)));
  let newlines = 0;
  let pos = end;
  while (pos > 0) {
    const from = Math.max(0, pos - buf.length);
    const n = fs.readSync(fd, buf, 0, pos - from, from);
    for (let i = n - 1; i >= 0; i--) {
      // the first "\n" met ends the last line; the (count + 1)th ends the line before the kept ones
      if (buf[i] === 0x0a && ++newlines === count + 1) return from + i + 1;
    }
    pos = from;
  }
  return 0;
}

/** Copies bytes `[start, end)` of `from` to the end of what was written to `to` (starting at 0). */
export function copyRange(from: number, to: number, start: number, end: number): void {
  const buf = Buffer.allocUnsafe(Math.max(1, Math.min(CHUNK_BYTES, end - start)));
  let pos = start;
  while (pos < end) {
    const n = fs.readSync(from, buf, 0, Math.min(buf.length, end - pos), pos);
    if (n === 0) throw new Error(`log.jsonl ended at byte ${pos}, before ${end}`);
    writeAll(to, buf.subarray(0, n), pos - start);
    pos += n;
  }
}

/** Writes all of `data` at `position` (a write call may write less than asked). */
export function writeAll(fd: number, data: Buffer, position: number): void {
  let done = 0;
  while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done, position + done);
}
