/**
 * Values the simulation workers exchange through etcd: any structured-cloneable value (a shard
 * call, its answer, a checkpoint) as V8's serialization — the format worker threads use, so typed
 * arrays and `Infinity` cross unchanged. Values of 64 KiB and more are deflated (level 1); one
 * still over {@link MAX_REQUEST_VALUE_BYTES} is written as parts under its own key, and its key
 * then holds a small header naming them.
 */
import * as v8 from "node:v8";
import * as zlib from "node:zlib";
import type { Etcd3 } from "etcd3";
import { MAX_REQUEST_VALUE_BYTES } from "../ranges.js";

const INLINE = 0;
const PARTED = 1;
const INLINE_DEFLATED = 2;

/** Values from this size on are stored deflated (checkpoints, busy ticks' answers: their JSON texts and columns shrink several times). */
const DEFLATE_FROM_BYTES = 64 * 1024;

/** A value as bytes. */
export function encode(value: unknown): Buffer {
  return v8.serialize(value);
}

/** The value {@link encode} wrote. */
export function decode<T>(bytes: Buffer): T {
  return v8.deserialize(bytes) as T;
}

/** Only when this transaction's condition holds (the writer still holds its shard). */
export interface Fence {
  key: string;
  value: string;
}

/** Thrown when a fenced write finds the fence gone: the writer no longer holds the shard. */
export class FenceLostError extends Error {
  constructor(readonly fence: Fence) {
    super(`${fence.key} is no longer ${fence.value}`);
    this.name = "FenceLostError";
  }
}

/** One operation of a transaction: a put, or a delete of the keys in [from, to). */
export type TxnOp = { put: [string, Buffer | string]; lease?: string } | { deleteRange: [string, string] };

/** Commits `ops` in one transaction, guarded by `fence` when given (a FenceLostError when it no longer holds). */
export async function commitFenced(client: Etcd3, fence: Fence | undefined, ops: readonly TxnOp[]): Promise<void> {
  const built = ops.map((o) => {
    if ("put" in o) {
      const put = client.put(o.put[0]).value(o.put[1]);
      return o.lease !== undefined ? put.lease(o.lease) : put;
    }
    return client.delete().inRange({ start: o.deleteRange[0], end: o.deleteRange[1] });
  });
  if (fence === undefined) {
    await client.kv.txn({ compare: [], success: await Promise.all(built.map((b) => b.op())), failure: [] });
    return;
  }
  const r = await client.if(fence.key, "Value", "==", fence.value).then(...built).commit();
  if (!r.succeeded) throw new FenceLostError(fence);
}

/**
 * Writes `value` at `key` (fenced): inline when it fits one request, else its parts under
 * `partsRoot` first and then a header at `key` naming them, so a reader that sees the key finds
 * every part. `extra` operations go in the transaction that writes the key.
 */
export async function putValue(client: Etcd3, key: string, partsRoot: string, raw: Buffer, fence: Fence | undefined, extra: readonly TxnOp[] = []): Promise<void> {
  const deflated = raw.length >= DEFLATE_FROM_BYTES;
  const value = deflated ? zlib.deflateRawSync(raw, { level: 1 }) : raw;
  if (value.length + 1 <= MAX_REQUEST_VALUE_BYTES) {
    await commitFenced(client, fence, [{ put: [key, Buffer.concat([Buffer.of(deflated ? INLINE_DEFLATED : INLINE), value])] }, ...extra]);
    return;
  }
  let parts = 0;
  for (let at = 0; at < value.length; at += MAX_REQUEST_VALUE_BYTES) {
    await commitFenced(client, fence, [{ put: [partKey(partsRoot, parts), value.subarray(at, at + MAX_REQUEST_VALUE_BYTES)] }]);
    parts++;
  }
  await commitFenced(client, fence, [{ put: [key, Buffer.concat([Buffer.of(PARTED), Buffer.from(JSON.stringify({ parts, root: partsRoot, deflated }))])] }, ...extra]);
}

/** The value {@link putValue} wrote, from what its key holds (reading the parts when parted). */
export async function readValue(client: Etcd3, stored: Buffer): Promise<Buffer> {
  if (stored[0] === INLINE) return stored.subarray(1);
  if (stored[0] === INLINE_DEFLATED) return zlib.inflateRawSync(stored.subarray(1));
  const { parts, root, deflated } = JSON.parse(stored.subarray(1).toString("utf8")) as { parts: number; root: string; deflated?: boolean };
  const found: Buffer[] = [];
  for (let n = 0; n < parts; n++) {
    // one part (≤ 1 MiB) per read: answers stay under gRPC's 4 MiB
    const part = await client.get(partKey(root, n)).buffer();
    if (part === null) throw new Error(`a value under ${root} lacks part ${n} of its ${parts}`);
    found.push(part);
  }
  const whole = Buffer.concat(found);
  return deflated === true ? zlib.inflateRawSync(whole) : whole;
}

/** The key of part `n` of a value whose parts are under `root`. */
function partKey(root: string, n: number): string {
  return root + String(n).padStart(6, "0");
}
