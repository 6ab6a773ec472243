/**
 * The engine's plug for running ticks on worker threads (composition/shards/ implements it;
 * docs/library.md, *Worker threads*). The engine stays single-threaded code: it asks the plug
 * before each tick whether the tick runs on shards, and asks it for the parts of a snapshot and
 * for the model to read while the shards hold the simulation.
 */
import type { MemoryModelReader } from "../hypervisor/model-api.js";
import type { RequeueEntry, TickDelegate } from "./manager.js";
import type { StreamStates } from "./random.js";
import type { WorkerShard } from "./engine.js";

/** Runs ticks on shards of hosts when the `workers` option and the cluster say so. */
export interface EngineSharding {
  /** Called before every tick: starts the shards when they are due; the delegate that runs this tick, or undefined (this thread). */
  beforeTick(): TickDelegate | undefined;
  /** Whether the shards hold the simulation now. */
  readonly active: boolean;
  /** The shards' model, random streams and retry state, merged as one engine's (only while active). */
  snapshotParts(): { model: unknown; randomStreams: StreamStates; requeues: RequeueEntry[] };
  /** After a restore: the shards are dropped; the next tick starts them again from the restored engine. */
  reset(): void;
  /** The model to read while active (kept in step with the shards when read). */
  model(): MemoryModelReader;
  /** The shards and their counts (while active). */
  workerShards(): WorkerShard[];
  /** Takes the simulation back to this thread (model, random streams, retries, status inputs) and ends the shards. */
  close(): void;
}
