/**
 * The model's saved form: every host and VM record as JSON (Infinity written as the string
 * `"Infinity"`), with the tick the model last synced at. Saved inside engine snapshots and
 * `state.json` (docs/library.md, *Snapshots*).
 */
import type { HostRecord, VmRecord } from "./ledger.js";

/** The JSON form of the model's state. */
export interface MemoryModelSnapshot {
  version: 1;
  syncedTick: number;
  hosts: HostRecord[];
  vms: VmRecord[];
}

/** A deep, JSON-safe copy of the records (record field order is the JSON order). */
export function toSnapshot(syncedTick: number, hosts: Iterable<HostRecord>, vms: Iterable<VmRecord>): MemoryModelSnapshot {
  return JSON.parse(
    JSON.stringify({ version: 1, syncedTick, hosts: [...hosts], vms: [...vms] }, (_k, val) => (val === Number.POSITIVE_INFINITY ? "Infinity" : val)),
  ) as MemoryModelSnapshot;
}

/** Fresh records from a saved snapshot; throws on another version. Older snapshots get empty decision rings. */
export function fromSnapshot(snapshot: unknown): MemoryModelSnapshot {
  const s = JSON.parse(JSON.stringify(snapshot), (_k, val) => (val === "Infinity" ? Number.POSITIVE_INFINITY : val)) as MemoryModelSnapshot;
  if (!s || s.version !== 1) throw new Error("unsupported memory model snapshot");
  // Snapshots from before decision records existed restore with empty rings.
  for (const h of s.hosts) h.decisions ??= [];
  for (const v of s.vms) v.decisions ??= [];
  return s;
}
