/**
 * The model's saved form: every host and VM record as JSON (Infinity written as the string
 * `"Infinity"`), with the tick the model last synced at. Saved inside engine snapshots and
 * `state.json` (docs/library.md, *Snapshots*).
 */
import { HOST_SPEC_DEFAULTS } from "../api/defaults.js";
import { type DecisionRecord, DecisionRing, DecisionTable } from "./decisions.js";
import type { HostRecord, VmRecord } from "./ledger.js";
import { ModelSnapshotError, modelSnapshotProblems } from "./snapshot-check.js";

/**
 * The model snapshot format: 2 since the columnar model (docs/architecture.md, *The columnar
 * model*). Version 1 snapshots hold the same records and are read as they are.
 */
export const MODEL_SNAPSHOT_VERSION = 2;

/** The JSON form of the model's state. */
export interface MemoryModelSnapshot {
  version: typeof MODEL_SNAPSHOT_VERSION;
  syncedTick: number;
  hosts: HostRecord[];
  vms: VmRecord[];
}

/** A deep, JSON-safe copy of the records (record field order is the JSON order). */
export function toSnapshot(syncedTick: number, hosts: Iterable<HostRecord>, vms: Iterable<VmRecord>): MemoryModelSnapshot {
  // record by record: one JSON text of a large model would pass V8's longest string (≈ 512 MiB)
  return { version: MODEL_SNAPSHOT_VERSION, syncedTick, hosts: [...hosts].map(recordToJson), vms: [...vms].map(recordToJson) };
}

/** A deep JSON-safe copy of a record (or any value), `Infinity` written as the string "Infinity". */
export function recordToJson<R>(record: R): R {
  return JSON.parse(JSON.stringify(record, (_k, val: unknown) => (val === Number.POSITIVE_INFINITY ? "Infinity" : val))) as R;
}

/** A deep copy of JSON data from {@link recordToJson}, "Infinity" read back as `Infinity`. */
export function recordFromJson<R>(data: unknown): R {
  return JSON.parse(JSON.stringify(data), (_k, val: unknown) => (val === "Infinity" ? Number.POSITIVE_INFINITY : val)) as R;
}

/**
 * Fresh records from a saved snapshot, checked whole first (snapshot-check.ts: shapes, page
 * counts, names, admission links, the ledger identities); a damaged one throws a
 * {@link ModelSnapshotError} listing the problems. Older snapshots get empty decision rings, no
 * boot-zeroed pages, exact active memory and their working set as the last active sample.
 */
export function fromSnapshot(snapshot: unknown, consumed: (vm: VmRecord) => number): MemoryModelSnapshot {
  let decoded: unknown;
  try {
    // record by record, as toSnapshot writes it (one JSON text of a large model is too long a string)
    const decode = (value: unknown): unknown => (value === undefined ? null : recordFromJson(value));
    const s = snapshot as { hosts?: unknown; vms?: unknown } | null;
    decoded =
      s !== null && typeof s === "object" && !Array.isArray(s) && Array.isArray(s.hosts) && Array.isArray(s.vms)
        ? Object.assign(decode({ ...s, hosts: [], vms: [] }) as object, { hosts: (s.hosts as unknown[]).map(decode), vms: (s.vms as unknown[]).map(decode) })
        : decode(snapshot);
  } catch (e) {
    throw new ModelSnapshotError([`model: not JSON data (${e instanceof Error ? e.message : String(e)})`]);
  }
  // Snapshots from before decision records existed restore with empty rings; from before guest
  // restarts, with no restart asked for or done; from before working-set locality, with every
  // used page cold (the working set is found again on the next tick).
  const s = decoded as Partial<MemoryModelSnapshot> | null;
  if (s !== null && typeof s === "object") {
    // version 1 (before the columnar model) saved the same records
    if ((s.version as number) === 1) s.version = MODEL_SNAPSHOT_VERSION;
    for (const r of [...(Array.isArray(s.hosts) ? s.hosts : []), ...(Array.isArray(s.vms) ? s.vms : [])]) {
      if (r !== null && typeof r === "object") (r as { decisions?: unknown }).decisions ??= [];
    }
    for (const v of Array.isArray(s.vms) ? s.vms : []) {
      if (v === null || typeof v !== "object") continue;
      if (!("restartSeen" in v)) Object.assign(v, { restartSeen: "", restartRequested: false, restartedAt: null, smartPaging: 0, smartPaged: 0 });
      v.hotMapped ??= 0;
      v.hotCompressed ??= 0;
      v.hotSwapped ??= 0;
      if (v.counters !== null && typeof v.counters === "object") v.counters.doublePagings ??= 0;
    }
    // Snapshots from before boot-zeroed pages were tracked: none are known to be zero.
    for (const r of Array.isArray(s.vms) ? s.vms : []) if (r !== null && typeof r === "object") r.zeroed ??= 0;
    // ... and before active-memory sampling: exact, following the working set.
    for (const r of Array.isArray(s.vms) ? s.vms : []) if (r !== null && typeof r === "object") r.activeSample ??= r.workingSet;
    for (const r of Array.isArray(s.hosts) ? s.hosts : []) {
      if (r !== null && typeof r === "object" && r.spec !== null && typeof r.spec === "object") r.spec.activeMemory ??= { ...HOST_SPEC_DEFAULTS.activeMemory };
    }
  }
  const check = modelSnapshotProblems(decoded, consumed);
  if (check.hosts === undefined || check.vms === undefined) throw new ModelSnapshotError(check.problems);
  // the saved lists of decision records become rings again (the VMs' in one shared table, decision-columns.ts)
  for (const r of check.hosts) r.decisions = DecisionRing.from(r.decisions as unknown as DecisionRecord[]);
  const table = new DecisionTable(check.vms.length);
  for (const r of check.vms) r.decisions = DecisionRing.from(r.decisions as unknown as DecisionRecord[], table);
  return { version: MODEL_SNAPSHOT_VERSION, syncedTick: (decoded as MemoryModelSnapshot).syncedTick, hosts: check.hosts, vms: check.vms };
}
