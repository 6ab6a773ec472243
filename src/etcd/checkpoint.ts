/**
 * The engine's checkpoint in etcd and the engine rebuilt from etcd at start. The checkpoint is
 * the engine snapshot minus the store's objects (etcd holds those, one key each): options,
 * clock, random generator, manager and memory model, plus the store's uid counter. A restart
 * restores the checkpoint with the objects as etcd has them now, so the cluster is exactly
 * etcd's and time and model continue from the checkpoint (after a clean stop, from the last
 * tick; after a crash, from the last periodic checkpoint — the model re-derives whatever
 * objects changed after it at the next tick's sync).
 *
 * A checkpoint is deflated (≈ 2 MB of JSON per 1 000 VMs shrinks several times; a checkpoint
 * written before this has no `encoding` in its head and is read as it is) and may still be larger
 * than one etcd request, so it is written as parts of ≤ 1 MiB under `<prefix>/engine/checkpoint-parts/<generation>/<n>`, then the head key
 * `<prefix>/engine/checkpoint` names the new generation (the switch is that one put), then the
 * previous generation's parts are deleted. A crash in between leaves the previous checkpoint
 * whole.
 */
import { uidCounterOf } from "../store/kind-table.js";
import type { Etcd3 } from "etcd3";
import * as zlib from "node:zlib";
import { PAGE_PARTS, rangePrefix, splitBytes, type EtcdCall } from "./ranges.js";
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

/** The head key's value: which generation of parts holds the checkpoint. */
interface CheckpointHead {
  generation: number;
  parts: number;
  /** How the parts' bytes are encoded: "deflate-raw", or absent for plain JSON (older checkpoints). */
  encoding?: "deflate-raw";
}

/** Reads every object and the checkpoint, at one revision (in pages: see ranges.ts). */
export async function loadFromEtcd(client: Etcd3, call: EtcdCall, keys: KeyLayout): Promise<LoadedState> {
  const range = await rangePrefix(client, call, keys.objects);
  const revision = range.revision;
  const objects: StoredObject[] = [];
  const modRevisions = new Map<string, number>();
  for (const kv of range.kvs) {
    const key = kv.key.toString();
    if (keys.parse(key) === undefined) continue;
    objects.push(decodeObject(kv.value, kv.mod_revision));
    modRevisions.set(key, Number(kv.mod_revision));
  }
  const head = await call("read the checkpoint", () => client.get(keys.checkpoint).revision(revision).string());
  if (head === null) return { objects, modRevisions, revision };
  const { generation, parts, encoding } = JSON.parse(head) as CheckpointHead;
  const found = await rangePrefix(client, call, keys.checkpointParts(generation), revision, PAGE_PARTS); // parts of 1 MiB: a few per answer, under gRPC's 4 MiB
  if (found.kvs.length !== parts) throw new Error(`the checkpoint in etcd is incomplete: ${found.kvs.length} of its ${parts} parts under ${keys.checkpointParts(generation)}`);
  const stored = Buffer.concat(found.kvs.map((kv) => kv.value));
  const bytes = encoding === "deflate-raw" ? zlib.inflateRawSync(stored) : stored;
  return { objects, modRevisions, revision, checkpoint: JSON.parse(bytes.toString()) as EngineSnapshot };
}

/**
 * Writes `text` as the checkpoint (see the module comment); `generation` must grow from one
 * checkpoint to the next (the engine's tick, or the revision). Returns the revision of the switch.
 */
export async function writeCheckpoint(client: Etcd3, call: EtcdCall, keys: KeyLayout, text: string, generation: number): Promise<number> {
  const previous = await call("read the checkpoint", () => client.get(keys.checkpoint).string());
  const parts = splitBytes(zlib.deflateRawSync(Buffer.from(text), { level: 1 }));
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    await call("write the checkpoint", () => client.put(keys.checkpointPart(generation, i)).value(part).exec());
  }
  const head: CheckpointHead = { generation, parts: parts.length, encoding: "deflate-raw" };
  const put = await call("write the checkpoint", () => client.put(keys.checkpoint).value(JSON.stringify(head)).exec());
  const old = previous === null ? undefined : (JSON.parse(previous) as CheckpointHead).generation;
  if (old !== undefined && old !== generation) await call("delete the old checkpoint", () => client.delete().prefix(keys.checkpointParts(old)).exec());
  return Number(put.header.revision);
}

/** The highest uid counter among objects with the store's own uids. */
function highestUid(objects: readonly StoredObject[]): number {
  let high = 0;
  for (const o of objects) {
    high = Math.max(high, uidCounterOf(o.metadata.uid ?? "") ?? 0);
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
