/**
 * The engine's checkpoint in etcd and the engine rebuilt from etcd at start. The checkpoint is
 * the engine snapshot minus the store's objects (etcd holds those, one key each): options,
 * clock, random generator, manager and memory model, plus the store's uid counter. A restart
 * restores the checkpoint with the objects as etcd has them now, so the cluster is exactly
 * etcd's and time and model continue from the checkpoint (after a clean stop, from the last
 * tick; after a crash, from the last periodic checkpoint — the model re-derives whatever
 * objects changed after it at the next tick's sync).
 */
import type { Etcd3 } from "etcd3";
import type { StoredObject } from "../api/types.js";
import type { Engine, EngineSnapshot } from "../engine/engine.js";
import { decodeObject, type KeyLayout } from "./keys.js";

/** What {@link loadFromEtcd} found. */
export interface LoadedState {
  /** The objects, stamped with their mod revisions, in key order. */
  objects: StoredObject[];
  /** key → mod revision of every object key. */
  modRevisions: Map<string, number>;
  /** The revision the objects were read at. */
  revision: number;
  /** The last checkpoint, if one was written. */
  checkpoint?: EngineSnapshot;
}

/** Reads every object and the checkpoint, at one revision. */
export async function loadFromEtcd(client: Etcd3, keys: KeyLayout): Promise<LoadedState> {
  const range = await client.getAll().prefix(keys.objects).exec();
  const revision = Number(range.header.revision);
  const objects: StoredObject[] = [];
  const modRevisions = new Map<string, number>();
  for (const kv of range.kvs) {
    const key = kv.key.toString();
    if (keys.parse(key) === undefined) continue;
    objects.push(decodeObject(kv.value, kv.mod_revision));
    modRevisions.set(key, Number(kv.mod_revision));
  }
  const saved = await client.get(keys.checkpoint).revision(revision).string();
  const checkpoint = saved === null ? undefined : (JSON.parse(saved) as EngineSnapshot);
  return { objects, modRevisions, revision, checkpoint };
}

/** The highest uid counter among objects with the store's own uids. */
function highestUid(objects: readonly StoredObject[]): number {
  let high = 0;
  for (const o of objects) {
    const m = /^00000000-0000-4000-8000-([0-9a-f]{12})$/.exec(o.metadata.uid ?? "");
    if (m !== null) high = Math.max(high, Number.parseInt(m[1]!, 16));
  }
  return high;
}

/**
 * Restores `engine` to what etcd holds: the checkpoint (or the engine as it is, for a first
 * start) with etcd's objects. Throws the engine's SnapshotError when they do not fit.
 */
export function restoreFromEtcd(engine: Engine, loaded: LoadedState): void {
  const base = loaded.checkpoint ?? engine.snapshot();
  const uidCounter = Math.max(base.store.uidCounter, highestUid(loaded.objects));
  engine.restore({ ...base, store: { resourceVersion: loaded.revision, uidCounter, objects: loaded.objects } });
}

/** The checkpoint of `engine` now: its snapshot with the store's objects left out. */
export function checkpointOf(engine: Engine): string {
  const snapshot = engine.snapshot();
  return JSON.stringify({ ...snapshot, store: { ...snapshot.store, objects: [] } });
}
