/**
 * `state.json`: the engine snapshot, the simulation settings and the committed length of the
 * log, read with checks (a regular file of bounded size, the right format, sane numbers) and
 * replaced atomically. Replacing it is what commits a save.
 */
import * as fs from "node:fs";
import { writeFileAtomicSync } from "./atomic-file.js";
import { StateCorruptError } from "./errors.js";
import type { LogPosition } from "./log-file.js";
import { STATE_FORMAT_V1, STATE_FORMAT_V2, migrateStateFile } from "./migrate-state.js";
import { readRegularFile } from "./regular-file.js";

/** Name of the snapshot file. */
export const STATE_FILE = "state.json";
/**
 * Format tag written into `state.json`. An older tag is migrated as the file is read
 * (migrate-state.ts, saying what changed); any other tag is refused rather than misread.
 */
export const STATE_FORMAT = "memplane-state/v3";
/** Largest `state.json` read (beyond it, JavaScript cannot hold the text as one string anyway). */
export const MAX_STATE_BYTES = 512 * 1024 * 1024;

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
export interface StateFile extends SavedState {
  format: typeof STATE_FORMAT;
  /** The committed part of log.jsonl: its first `bytes` bytes, `entries` lines. */
  log: LogPosition;
}

/** A whole number ≥ 0 that JavaScript counts exactly. */
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/**
 * Reads and checks `state.json`; undefined when absent. `shown` names it in errors. A file of an
 * older format is migrated in memory; what the migration changed is added to `notes` (as
 * `shown: …`), and the next save writes the current format.
 */
export function readStateFile(file: string, shown: string, notes?: string[]): StateFile | undefined {
  const text = readRegularFile(file, shown, MAX_STATE_BYTES);
  if (text === undefined) return undefined;
  let value: Partial<StateFile>;
  try {
    value = JSON.parse(text) as Partial<StateFile>;
  } catch (err) {
    throw new StateCorruptError(shown, `not valid JSON (${(err as Error).message})`);
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const note of migrateStateFile(value as Record<string, unknown>, STATE_FORMAT)) notes?.push(`${shown}: ${note}`);
  }
  if (value?.format !== STATE_FORMAT) {
    throw new StateCorruptError(
      shown,
      `unknown format ${JSON.stringify(value?.format)} (this memplane reads ${STATE_FORMAT} and migrates ${STATE_FORMAT_V1} and ${STATE_FORMAT_V2}; a newer format needs a newer memplane)`,
    );
  }
  if (typeof value.tick !== "number" || typeof value.seed !== "number" || typeof value.tickSeconds !== "number" || !value.log) {
    throw new StateCorruptError(shown, "missing tick, seed, tickSeconds or log fields");
  }
  if (!isCount(value.log.entries) || !isCount(value.log.bytes)) {
    throw new StateCorruptError(shown, "log.entries and log.bytes must be whole numbers ≥ 0");
  }
  return value as StateFile;
}

/** The settings and snapshot of a `state.json`, without the log position. */
export function savedStateOf(file: StateFile): SavedState {
  const { seed, tickSeconds, tick, timeSeconds, engine } = file;
  return { seed, tickSeconds, tick, timeSeconds, engine };
}

/** Replaces `state.json` atomically with `state` and the committed log length `log`: this commits a save. */
export function writeStateFile(file: string, state: SavedState, log: LogPosition): void {
  const value: StateFile = {
    format: STATE_FORMAT,
    seed: state.seed,
    tickSeconds: state.tickSeconds,
    tick: state.tick,
    timeSeconds: state.timeSeconds,
    log: { entries: log.entries, bytes: log.bytes },
    engine: state.engine,
  };
  writeFileAtomicSync(file, JSON.stringify(value));
}

/** Identity of a file's current version (inode, size, mtime); "absent" when there is none. */
export function fileStamp(file: string): string {
  try {
    const s = fs.statSync(file, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "absent";
    throw err;
  }
}
