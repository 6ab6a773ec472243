/**
 * The reconciliation log as JSON lines (`log.jsonl`): what an entry looks like, parsing with
 * torn-line detection, the retention rule and the warning about dropped lines. Reading large
 * files is done a chunk at a time by `log-lines.ts`; writing by `LogAppender`, under the commit
 * protocol of `StateWriter`.
 */
import type { LogEntry } from "../engine/log-entry.js";
import { toJsonLines } from "../engine/log-format.js";

/** How many log entries a state directory keeps: the newest ones. */
export const DEFAULT_LOG_RETENTION = 100_000;

/** The log is trimmed back to the retention once it grows this much past it (amortises the rewrite). */
export const LOG_TRIM_SLACK = 0.1;

/** A length of the log: entries (whole lines) and bytes. */
export interface LogPosition {
  entries: number;
  bytes: number;
}

/** Log lines that were read, and what had to be dropped. */
export interface ParsedLog {
  entries: LogEntry[];
  /** Lines that were not whole JSON log entries (a torn last line, or garbage). */
  droppedLines: number;
  /** Whole entries from ticks past the saved state (written by a save that never committed). */
  droppedUncommitted: number;
}

/** True when `value` looks like a log entry (the fields every entry has). */
export function isLogEntry(value: unknown): value is LogEntry {
  const v = value as Partial<LogEntry> | null;
  return (
    typeof v === "object" && v !== null && typeof v.tick === "number" && typeof v.action === "string" && typeof v.name === "string"
  );
}

/**
 * Parses JSON lines; a line that is not a whole entry (a torn write, or garbage) is dropped and
 * counted, as is any entry whose tick is past `maxTick` (the saved state's tick).
 */
export function parseLogLines(text: string, maxTick = Number.POSITIVE_INFINITY): ParsedLog {
  const entries: LogEntry[] = [];
  let droppedLines = 0;
  let droppedUncommitted = 0;
  const lines = text.split("\n");
  // A file ending in "\n" splits into a last empty string; a torn file ends in a partial line instead.
  if (lines[lines.length - 1] === "") lines.pop();
  for (const line of lines) {
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      droppedLines++;
      continue;
    }
    if (!isLogEntry(value)) droppedLines++;
    else if (value.tick > maxTick) droppedUncommitted++;
    else entries.push(value);
  }
  return { entries, droppedLines, droppedUncommitted };
}

/** Serialises entries as JSON lines (docs/library.md, *Log formats* field order, as `formatLogJson`), each ending in "\n". */
export function toLogLines(entries: readonly LogEntry[]): string {
  return toJsonLines(entries);
}

/** What a reader or writer dropped from the log, for {@link describeDropped}. */
export interface DroppedLog {
  droppedLines: number;
  droppedUncommitted: number;
  /** Bytes past the committed length that were too many to read line by line. */
  droppedBytes?: number;
}

/** Adds up what was dropped in two places (the committed part and the tail past it). */
export function addDropped(a: DroppedLog, b: DroppedLog): DroppedLog {
  return {
    droppedLines: a.droppedLines + b.droppedLines,
    droppedUncommitted: a.droppedUncommitted + b.droppedUncommitted,
    droppedBytes: (a.droppedBytes ?? 0) + (b.droppedBytes ?? 0),
  };
}

/** Human warning for dropped lines, or undefined when nothing was dropped. */
export function describeDropped(file: string, parsed: DroppedLog): string | undefined {
  const parts: string[] = [];
  if (parsed.droppedLines > 0) {
    parts.push(`${parsed.droppedLines} torn or unreadable line${parsed.droppedLines === 1 ? "" : "s"}`);
  }
  if (parsed.droppedUncommitted > 0) {
    parts.push(`${parsed.droppedUncommitted} entr${parsed.droppedUncommitted === 1 ? "y" : "ies"} from an interrupted save`);
  }
  if ((parsed.droppedBytes ?? 0) > 0) parts.push(`${(parsed.droppedBytes! / (1024 * 1024)).toFixed(1)} MiB of uncommitted data`);
  if (parts.length === 0) return undefined;
  return `dropped ${parts.join(" and ")} from ${file}`;
}
