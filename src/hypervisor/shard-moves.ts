/**
 * VMs crossing between shards of hosts (docs/architecture.md, *Worker threads*). When the
 * hosts are split over several models (one per worker thread), a VM whose spec names a host of
 * another shard leaves its model at the start of the tick — powered off on its old host first,
 * exactly as the admission pass would (lifecycle.ts) — and joins the other model, where the
 * admission pass of the same tick admits or denies it in creation order. What crosses is the
 * whole record as plain data, so the VM continues as if one model held every host.
 */
import { DecisionRing, type DecisionRecord } from "./decisions.js";
import type { VmRecord } from "./ledger.js";
import { OOM_KILLED, type PowerEvent, powerOffToMove } from "./lifecycle.js";
import type { ModelIndex } from "./model-index.js";
import type { VmView } from "./record-views.js";
import { recordFromJson, recordToJson } from "./snapshot.js";

/** A VM leaving one shard's model for another's: its record as JSON data and what happened to it on the way. */
export interface MovingVm {
  /** The record in the model snapshot's JSON form (`Infinity` as the string "Infinity"). */
  record: Record<string, unknown>;
  /** Power events of this tick not yet reported (the power-off on the old host). */
  events: Omit<PowerEvent, "vm">[];
}

/**
 * Takes out of `index` every VM the admission pass of this tick would place on a host that is
 * not local — a running VM whose spec moved it (powered off on its host here, as the pass would:
 * `PoweredOff`/`HostChanged`), and a VM not running that is to be admitted — and returns them,
 * in creation order, as data for {@link importVm} in the model that holds their new host.
 */
export function exportMovingVms(index: ModelIndex, isLocal: (hostName: string) => boolean): { vm: VmRecord; moving: MovingVm }[] {
  const out: { vm: VmRecord; moving: MovingVm }[] = [];
  for (const v of index.admissionOrder()) {
    if (isLocal(v.spec.hostName) || !v.spec.powerOn) continue;
    const events: Omit<PowerEvent, "vm">[] = [];
    if (v.phase === "Running") {
      events.push(powerOffToMove(index, v));
      v.restartRequested = false;
    } else if (v.phase === "Stopped" && v.admission.reason === OOM_KILLED) continue; // stays down where it is
    out.push({ vm: v, moving: { record: recordToJson(v) as unknown as Record<string, unknown>, events } });
  }
  for (const { vm } of out) index.dropVm(vm as VmView);
  return out;
}

/** Adds a VM from another shard's {@link exportMovingVms} (not on any host yet: the admission pass places it). */
export function importVm(index: ModelIndex, record: Record<string, unknown>): VmRecord {
  const v = recordFromJson<VmRecord>(record);
  v.decisions = DecisionRing.from(v.decisions as unknown as DecisionRecord[]);
  return index.adoptVm(v);
}
