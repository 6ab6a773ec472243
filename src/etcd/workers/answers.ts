/**
 * What a shard call and its answer look like in etcd (keys.ts: `in/<seq>`, `out/<seq>`), and the
 * checkpoint a worker resumes a shard from.
 */
import type { ShardCalls, ShardInit } from "../../composition/shards/protocol.js";

/** A call to a shard. */
export interface ShardCallMessage {
  method: keyof ShardCalls;
  payload: unknown;
}

/** A shard's answer: its value, or the error the call threw. */
export type ShardAnswer = { ok: true; value: unknown } | { ok: false; error: string };

/** A shard as it stood after call `seq` (0: as the coordinator started it). */
export interface ShardCheckpoint {
  seq: number;
  init: ShardInit;
}

/** The calls that change a shard (a replay runs them again; the others it skips). */
export const CHANGING_CALLS: ReadonlySet<keyof ShardCalls> = new Set<keyof ShardCalls>(["phase1", "phase2"]);
