/**
 * What the main thread and a shard say to each other (docs/architecture.md, *Worker threads*).
 * Every message is structured-cloneable. Objects are named by an object id (`oid`) the
 * coordinator hands out; a shard keeps the same ids.
 *
 * A tick is two calls to every shard: `phase1` (the spec changes since the last tick, the
 * model's sync, the VMs leaving for another shard) and `phase2` (the VMs arriving, every
 * controller, the tick's end). Between ticks the main thread may `pull` status inputs, or ask
 * for the shard's part of a snapshot.
 */
import { type Kind, NAMESPACED_KINDS, type StoredObject } from "../../api/types.js";
import type { EngineSnapshot } from "../../engine/engine.js";
import type { RequeueEntry } from "../../engine/manager.js";
import type { RandomState } from "../../engine/random.js";
import type { MovingVm } from "../../hypervisor/shard-moves.js";
import type { Transcript } from "./transcript.js";

/** Where a model record stands in the order records were made (restored ones by their place in the snapshot). */
export type InsertionStamp = readonly [tick: number, seq: number];

/** The first message: which shard this is, and its part of the simulation. */
export interface ShardInit {
  index: number;
  count: number;
  /** The engine options the sub-engine runs with (seed, tickSeconds, maxEvents, epoch come from `snapshot`). */
  batch: boolean;
  /**
   * The shard's part of the main engine's snapshot (its hosts, their VMs, every GuestOSProfile)
   * as JSON texts — strings cross threads far faster than the objects they stand for — one per
   * store object and model record (one text of a large part would pass V8's longest string).
   */
  snapshot: SnapshotTexts;
  /** The ids of the snapshot's store objects, in the same order. */
  oids: number[];
  /** Each model record's stamp, by record key (`host/<name>`, `vm/<namespace>/<name>`). */
  stamps: Record<string, InsertionStamp>;
  /** Host name → shard, for every host name known (shard-of.ts). */
  assignment: [string, number][];
  /** The status controllers' recorded inputs, by record key (so statuses go on exactly as on the main thread). */
  statusInputs: [string, unknown][];
}

/** One spec change: an object created or changed (its new version), or deleted (`object` null). */
export interface ShardChange {
  oid: number;
  object: StoredObject | null;
}

/** An engine snapshot as JSON texts: the rest, then each store object, host record and VM record. */
export interface SnapshotTexts {
  rest: string;
  objects: string[];
  hosts: string[];
  vms: string[];
}

/** An engine snapshot as {@link SnapshotTexts}. */
export function snapshotTexts(s: EngineSnapshot): SnapshotTexts {
  const model = s.model as { hosts: unknown[]; vms: unknown[] };
  const text = (x: unknown): string => JSON.stringify(x);
  return {
    rest: JSON.stringify({ ...s, store: { ...s.store, objects: [] }, model: { ...model, hosts: [], vms: [] } }),
    objects: s.store.objects.map(text),
    hosts: model.hosts.map(text),
    vms: model.vms.map(text),
  };
}

/** The engine snapshot {@link snapshotTexts} wrote. */
export function snapshotOfTexts(t: SnapshotTexts): EngineSnapshot {
  const s = JSON.parse(t.rest) as EngineSnapshot;
  s.store.objects = t.objects.map((o) => JSON.parse(o) as StoredObject);
  const model = s.model as { hosts: unknown[]; vms: unknown[] };
  model.hosts = t.hosts.map((h) => JSON.parse(h) as unknown);
  model.vms = t.vms.map((v) => JSON.parse(v) as unknown);
  return s;
}

/** The spec changes of a shard since the last tick, in the order they happened. */
export interface ShardChanges {
  changes: ShardChange[];
  /** Host names assigned to shards since the last tick. */
  assign: [string, number][];
}

/** A VM on its way to another shard. */
export interface Departure {
  oid: number;
  moving: MovingVm;
  /** vm-status's recorded inputs (undefined before its first projection). */
  status: unknown;
  requeues: RequeueEntry[];
  stamp: InsertionStamp | undefined;
}

/** A VM arriving from another shard: its departure and its stored object. */
export interface Arrival extends Departure {
  object: StoredObject;
}

/** What a shard's `phase2` answers. */
export interface ShardTickResult {
  /** The tick's log entries and Events (its typed arrays are views of the shard's shared columns: read them before the shard's next tick). */
  transcript: Transcript;
  /** Objects whose status moved this tick (their status sources were marked stale; a view, like the transcript's). */
  stale: Int32Array;
  /** Failed reconciles. */
  errors: number;
}

/** A shard's part of a snapshot. */
export interface ShardSnapshot {
  /** `model.snapshot()` of the shard's model. */
  model: { syncedTick: number; hosts: Record<string, unknown>[]; vms: Record<string, unknown>[] };
  stamps: Record<string, InsertionStamp>;
  randomStreams: Record<string, RandomState>;
  requeues: RequeueEntry[];
  /** The status controllers' recorded inputs by record key (asked for when the main thread takes the simulation back). */
  statusInputs?: [string, unknown][];
}

/** The calls a shard answers: method name → [request, answer]. */
export interface ShardCalls {
  init: [ShardInit, null];
  phase1: [ShardChanges, Departure[]];
  phase2: [Arrival[], ShardTickResult];
  pull: [number[], unknown[]];
  snapshot: [{ statusInputs: boolean }, ShardSnapshot];
  counts: [null, { hosts: number; vms: number }];
}

/** A way to call one shard: in this thread (tests) or a worker thread. Calls to several shards may overlap: post to each, then wait for each. */
export interface ShardLink {
  post<M extends keyof ShardCalls>(method: M, request: ShardCalls[M][0]): void;
  wait<M extends keyof ShardCalls>(): ShardCalls[M][1];
  /** Ends the shard (its thread). */
  close(): void;
  /** The shard runs on this thread: its replica can hold the main store's frozen objects themselves instead of the copies its snapshot restored. */
  readonly sameThread?: boolean;
}

/** The record key of a host or VM in {@link ShardInit.stamps}. */
export const hostStampKey = (name: string): string => `host/${name}`;
/** The record key of a VM. */
export const vmStampKey = (namespace: string, name: string): string => `vm/${namespace}/${name}`;

/** How both sides name an object in their maps (the namespace as the store keeps it: "default" when not given, none for cluster-scoped kinds). */
export function objectKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}\u0000${NAMESPACED_KINDS.has(kind as Kind) ? (namespace ?? "default") : ""}\u0000${name}`;
}
