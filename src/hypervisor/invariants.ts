/**
 * The identities the model keeps true after every operation (docs/memory-model.md, *The
 * ledgers*): each guest ledger sums to its memory, backed pages are mapped + compressed +
 * swapped, nothing is negative, what is charged is what is consumed, and each host's capacity
 * is vmkernel + Σ(consumed + overhead) + free. Tests and the soak check them.
 */
import { type HostRecord, type VmRecord, compressedOf, freeOf, mappedOf, swappedOf, touchedOf, usedOf } from "./ledger.js";
import type { ModelIndex } from "./model-index.js";

/** A broken identity, for tests and the soak. */
export interface InvariantViolation {
  object: string;
  message: string;
}

/**
 * Every broken identity of the indexed records ({@link ledgerViolations}), plus a rule of the
 * running model that is not a ledger identity: a balloon above both its maximum and its target
 * (the driver should be deflating it). A state the engine reaches may break that rule for a while
 * (a stuck, slow or removed driver cannot deflate below a maximum that just dropped), so a
 * snapshot is never refused for it. `consumed` is the model's consumed memory of a VM.
 */
export function invariantViolations(index: ModelIndex, consumed: (v: VmRecord) => number): InvariantViolation[] {
  const out = ledgerViolations(index.hosts.values(), (host) => index.vmsOf(host), consumed);
  for (const host of index.hosts.values()) {
    for (const v of index.vmsOf(host)) {
      if (v.balloonMax >= 0 && v.balloon > v.balloonMax && v.balloon > v.balloonTarget) {
        out.push({ object: v.key, message: `balloon ${v.balloon} > balloonMax ${v.balloonMax}` });
      }
    }
  }
  return out;
}

/** The number fields of a VM record, in the record's field order (records are views: no Object.entries). */
const VM_NUMBERS = [
  "generation", "createdAt", "poweredOnAt", "memory", "reservation", "overhead",
  "usedMapped", "usedCompressed", "usedSwapped", "freeMapped", "freeCompressed", "freeSwapped", "untouched", "balloon", "guestSwapped", "zeroed",
  "hotMapped", "hotCompressed", "hotSwapped", "scanned", "sharedZero", "sharedCommon", "sharedSavings", "charged",
  "activeFast", "activeSlow", "activeSample", "touchCarry", "workingSet", "wantAllocated",
  "entitlement", "reclaim", "balloonTarget", "balloonMax", "swapTarget", "loggedEntitlement", "driverIdleSeconds",
  "stallPercent", "restartedAt", "smartPaging", "smartPaged",
] as const satisfies readonly (keyof VmRecord)[];

/**
 * The identities and sign rules over `hosts`: for every admitted VM the guest ledger,
 * `backed = mapped + compressed + swapped`, no negative number, consumed as charged, guest
 * swap within capacity, boot-zeroed pages within the guest-free mapped ones and hot pages within the used pages that hold them; for every host `capacity = vmkernelReserved + Σ(consumed + overhead) +
 * free` with `free ≥ 0`. Used on the live model and on a snapshot before it is restored
 * (snapshot-check.ts).
 */
export function ledgerViolations(
  hosts: Iterable<HostRecord>,
  vmsOf: (host: HostRecord) => readonly VmRecord[],
  consumed: (vm: VmRecord) => number,
): InvariantViolation[] {
  const out: InvariantViolation[] = [];
  for (const host of hosts) {
    let sum = 0;
    for (const v of vmsOf(host)) {
      const c = consumed(v);
      sum += c + v.overhead;
      const ledger = usedOf(v) + freeOf(v) + v.untouched + v.balloon;
      if (ledger !== v.memory) out.push({ object: v.key, message: `guest ledger ${ledger} ≠ memory ${v.memory}` });
      if (touchedOf(v) !== mappedOf(v) + compressedOf(v) + swappedOf(v)) out.push({ object: v.key, message: "backed ≠ mapped + compressed + swapped" });
      for (const k of VM_NUMBERS) {
        const val = v[k];
        if (typeof val === "number" && val < 0) out.push({ object: v.key, message: `${k} is negative (${val})` });
      }
      if (c !== v.charged) out.push({ object: v.key, message: `consumed ${c} ≠ charged ${v.charged}` });
      if (v.guestSwapped > v.spec.guestSwap) out.push({ object: v.key, message: "guest swap over capacity" });
      if (v.zeroed > v.freeMapped) out.push({ object: v.key, message: `zeroed ${v.zeroed} > guest-free mapped ${v.freeMapped}` });
      if (v.hotMapped > v.usedMapped || v.hotCompressed > v.usedCompressed || v.hotSwapped > v.usedSwapped) {
        out.push({ object: v.key, message: "working set (hot pages) larger than the used pages that hold it" });
      }
    }
    const identity = host.spec.vmkernelReserved + sum + host.free;
    if (identity !== host.spec.capacity) {
      out.push({ object: host.name, message: `capacity ${host.spec.capacity} ≠ vmkernel + Σ(consumed + overhead) + free = ${identity}` });
    }
    if (host.free < 0) out.push({ object: host.name, message: `free is negative (${host.free})` });
  }
  return out;
}
