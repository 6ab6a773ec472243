/**
 * A sharded tick's transcript (docs/architecture.md, *Worker threads*): when a shard of hosts
 * runs its tick in a sub-engine, what the tick would have written to the main engine's log and
 * store goes to a {@link TranscriptSink} instead, each item tagged with where it belongs in the
 * canonical order — the controller (its index in the tick order, -1 before the first), the
 * phase within it (0 before its objects: `prepare`; 1 while on one object; 2 after them: spec
 * problems reported last) and the object being reconciled. Merging the shards' transcripts by
 * that tag gives the single-engine order (docs/library.md, *Log formats*).
 */
import type { ObjectKey, StoredObject } from "../api/types.js";
import type { DeepReadonly } from "../store/types.js";
import type { LogEntryInput } from "./log-entry.js";
import type { LogBuilder } from "./tick-log.js";

/** Where an item of a tick belongs in the canonical order. */
export interface TickPosition {
  /** Index of the controller in the tick order; -1 before the first (the model's sync). */
  controller: number;
  /** 0 before the controller's objects, 1 on one of them, 2 after them. */
  phase: 0 | 1 | 2;
  /** The object being reconciled (phase 1 and 2 items about one object), else undefined. */
  object: DeepReadonly<StoredObject> | undefined;
}

/** Receives a shard's tick in place of the log and the store's events. */
export interface TranscriptSink {
  /** A finished log entry of `controller` (its name). */
  entry(at: TickPosition, controller: string, input: LogEntryInput): void;
  /** A lazily built log entry (see `ReconcileContext.logLazily`). */
  lazy(at: TickPosition, controller: string, build: LogBuilder<unknown>, subject: unknown, text: string, a: number, b: number, c: number, d: number, e: number, f: number): void;
  /** An Event a controller recorded (`component` is the controller's name). */
  event(at: TickPosition, component: string, key: ObjectKey, type: "Normal" | "Warning", reason: string, message: string): void;
}
