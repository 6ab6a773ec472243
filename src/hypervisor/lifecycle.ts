/**
 * A VM's life on a host (docs/memory-model.md, *Reservations, overhead and admission*):
 * admission in creation order, power-on, power-off, moves between hosts, the release of
 * everything a VM holds, and the emergency reclaim when a host loses memory at run time.
 */
import type { ModelEnvironment } from "./environment.js";
import { approx as fmt } from "./format.js";
import type { GuestOsCatalog } from "./guest-os-catalog.js";
import { type AdmissionState, type HostRecord, type VmRecord, consumedOf, recharge, resetVmRecord } from "./ledger.js";
import { swapDatastoreLeft, swapOutPages } from "./mechanisms/page-out.js";
import { enforcesLimits } from "./limit.js";
import { runsVmkernel } from "./resolved.js";
import type { ModelIndex } from "./model-index.js";

/** The admission reason of a VM its host killed (the Linux OOM killer): it stays down until its spec changes. */
export const OOM_KILLED = "OomKilled";

/** A change of admission or power state the reservation controller reports. */
export interface PowerEvent {
  vm: VmRecord;
  action: "Admitted" | "AdmissionDenied" | "PoweredOff" | "Restarted";
  /** The VM's phase before and after (equal when a Pending VM is denied for a new reason, or a running guest restarts). */
  from: VmRecord["phase"];
  to: VmRecord["phase"];
  reason: string;
  message: string;
}

/**
 * Admission and power changes for this tick, in creation order: power-offs and host moves
 * first (their room goes to pending VMs this tick), then every VM not running is admitted or
 * denied. `pending` (power-offs forced during this tick's sync) is reported first and emptied.
 */
export function runAdmission(index: ModelIndex, catalog: GuestOsCatalog, envOf: (host: HostRecord) => ModelEnvironment, pending: PowerEvent[], timeSeconds: number): PowerEvent[] {
  const events: PowerEvent[] = pending.splice(0);
  const order = index.admissionOrder();
  for (const v of order) {
    if (v.phase !== "Running") continue;
    if (!v.spec.powerOn) {
      release(index, v, "Stopped", { admitted: false, reason: "PoweredOff", message: "powerState is Off" });
      events.push({ vm: v, action: "PoweredOff", from: "Running", to: "Stopped", reason: "PowerStateOff", message: `powered off on ${v.hostName}; released ${v.memory} pages` });
    } else if (v.spec.hostName !== v.hostName) {
      events.push({ vm: v, ...powerOffToMove(index, v) });
    } else if (v.restartRequested) {
      restartGuest(index, catalog, envOf, v, timeSeconds);
      events.push({ vm: v, action: "Restarted", from: "Running", to: "Running", reason: "GuestRestart", message: `guest OS restarted on ${v.hostName} (memplane.io/restartedAt is ${JSON.stringify(v.restartSeen)})` });
    }
    v.restartRequested = false;
  }
  for (const v of order) {
    if (v.phase === "Running") continue;
    if (v.phase === "Stopped" && v.admission.reason === OOM_KILLED) continue; // down, as oVirt leaves it, until its spec changes
    if (!v.spec.powerOn) {
      v.phase = "Stopped";
      v.admission = { admitted: false, reason: "PoweredOff", message: "powerState is Off" };
      continue;
    }
    v.hostName = v.spec.hostName;
    const verdict = admissionVerdict(index, v);
    const from = v.phase;
    if (verdict.admitted) {
      admit(index, catalog, envOf, v, timeSeconds);
      events.push({ vm: v, action: "Admitted", from, to: "Running", reason: verdict.reason, message: verdict.message });
    } else {
      const changed = v.admission.reason !== verdict.reason || v.phase !== "Pending";
      v.phase = "Pending";
      v.admission = verdict;
      if (changed) events.push({ vm: v, action: "AdmissionDenied", from, to: "Pending", reason: verdict.reason, message: verdict.message });
    }
  }
  return events;
}

/** Whether a VM fits its host: reservation + overhead in unreserved memory, overhead in free memory, swap file in the datastore. */
function admissionVerdict(index: ModelIndex, v: VmRecord): AdmissionState {
  const host = index.hosts.get(v.spec.hostName);
  if (!host) return { admitted: false, reason: "HostNotFound", message: `host ${v.spec.hostName} does not exist` };
  const spec = v.spec;
  const unreserved = host.spec.capacity - host.spec.vmkernelReserved - host.reserved;
  const need = spec.reservation + spec.overhead;
  if (need > unreserved) {
    return {
      admitted: false,
      reason: "InsufficientMemory",
      message: `reservation + overhead ${fmt(need)} exceeds host ${host.name}'s unreserved memory ${fmt(unreserved)}`,
    };
  }
  if (spec.overhead > host.free) {
    return { admitted: false, reason: "InsufficientMemory", message: `overhead ${fmt(spec.overhead)} exceeds host ${host.name}'s free memory ${fmt(host.free)}` };
  }
  const swapFile = spec.memory - spec.reservation;
  // only ESXi creates a swap file per VM at power-on (.vswp); KVM, Xen and Hyper-V hosts do not
  if (runsVmkernel(host) && host.swapFiles + swapFile > host.spec.swap.capacity) {
    return {
      admitted: false,
      reason: "InsufficientSwap",
      message: `swap file ${fmt(swapFile)} does not fit in host ${host.name}'s swap datastore (${fmt(host.spec.swap.capacity - host.swapFiles)} left)`,
    };
  }
  return { admitted: true, reason: "Admitted", message: `reservation ${fmt(spec.reservation)} + overhead ${fmt(spec.overhead)} fit on ${host.name}` };
}

/** Powers a VM on: fresh ledgers, its reservation, overhead and swap file charged to the host. */
function admit(index: ModelIndex, catalog: GuestOsCatalog, envOf: (host: HostRecord) => ModelEnvironment, v: VmRecord, timeSeconds: number): void {
  const host = index.hosts.get(v.spec.hostName)!;
  const s = v.spec;
  resetVmRecord(v);
  v.phase = "Running";
  v.hostName = host.name;
  v.admission = { admitted: true, reason: "Admitted", message: `running on ${host.name}` };
  v.poweredOnAt = timeSeconds;
  v.memory = s.memory;
  v.reservation = Math.min(s.reservation, s.memory);
  v.overhead = s.overhead;
  v.untouched = s.memory;
  host.reserved += v.reservation + v.overhead;
  host.swapFiles += v.memory - v.reservation;
  host.free -= v.overhead;
  host.vms.push(v.key);
  v.charged = 0;
  zeroAtBoot(index, catalog, envOf(host), v, host);
}

/** A guest that zeroes its memory at boot (Windows) backs every page it can once and leaves it free, and zero. */
function zeroAtBoot(index: ModelIndex, catalog: GuestOsCatalog, env: ModelEnvironment, v: VmRecord, host: HostRecord): void {
  const touchAll = v.spec.workload.touchAllOnBoot ?? catalog.touchesAllOnBoot(v.spec.guestOS);
  if (!touchAll) return;
  const n = Math.min(v.untouched, Math.max(0, host.free));
  v.untouched -= n;
  v.freeMapped += n;
  v.zeroed = v.freeMapped; // every free page in RAM is zero after the boot's zeroing
  recharge(v, host, env.compressionRatio);
  // the VMkernel backs no more than the limit: zeroed pages beyond it are paged out at once
  const over = consumedOf(v, env.compressionRatio) - v.spec.limit;
  if (over > 0 && enforcesLimits(host)) swapOutPages(v, host, env, over, over, swapDatastoreLeft(host, index), false);
}

/**
 * A guest restart (docs/memory-model.md, *Restarting a guest*): the VM stays powered on and
 * keeps its reservation, overhead and every host page it holds, but the guest OS starts again —
 * what it used becomes free, its own swap is discarded, its workload timeline and active
 * estimate start over, and a guest that zeroes memory at boot zeroes its pages again.
 * The balloon is kept (the driver reloads with the guest and the policy sets its target again).
 */
function restartGuest(index: ModelIndex, catalog: GuestOsCatalog, envOf: (host: HostRecord) => ModelEnvironment, v: VmRecord, timeSeconds: number): void {
  const host = index.hosts.get(v.hostName)!;
  v.freeMapped += v.usedMapped;
  v.freeCompressed += v.usedCompressed;
  v.freeSwapped += v.usedSwapped;
  v.usedMapped = 0;
  v.usedCompressed = 0;
  v.usedSwapped = 0;
  v.hotMapped = 0;
  v.hotCompressed = 0;
  v.hotSwapped = 0;
  v.guestSwapped = 0;
  v.poweredOnAt = timeSeconds;
  v.restartedAt = timeSeconds;
  v.activeFast = 0;
  v.activeSlow = 0;
  v.touchCarry = 0;
  v.workingSet = 0;
  v.activeSample = 0;
  v.wantAllocated = 0;
  zeroAtBoot(index, catalog, envOf(host), v, host);
}

/**
 * Powers a running VM off on its host because its spec names another one (it is admitted there
 * by the admission pass of the same tick); returns what happened, for the reservation controller.
 */
export function powerOffToMove(index: ModelIndex, v: VmRecord): Omit<PowerEvent, "vm"> {
  const from = v.hostName;
  release(index, v, "Pending", { admitted: false, reason: "Migrating", message: `moving from ${from} to ${v.spec.hostName}` });
  return { action: "PoweredOff", from: "Running", to: "Pending", reason: "HostChanged", message: `powered off on ${from} to move to ${v.spec.hostName}` };
}

/** Releases everything a VM holds: pages, reservation, swap file (power-off, delete, move). */
export function release(index: ModelIndex, v: VmRecord, phase: VmRecord["phase"], admission: AdmissionState): void {
  const host = index.hosts.get(v.hostName);
  if (v.phase === "Running" && host) {
    host.free += v.charged + v.overhead;
    host.reserved -= v.reservation + v.overhead;
    host.swapFiles -= v.memory - v.reservation;
    host.vms = host.vms.filter((k) => k !== v.key);
  }
  resetVmRecord(v);
  v.phase = phase;
  v.admission = admission;
  v.hostName = v.spec.hostName;
}

/**
 * When a host loses memory at run time (a failed DIMM) and free goes negative, pages are
 * swapped out at once, ignoring throughput; VMs that still do not fit are powered off, the
 * most recently admitted first. Returns the power-offs, for the next admission pass to report.
 */
export function emergencyReclaim(index: ModelIndex, env: ModelEnvironment, host: HostRecord): PowerEvent[] {
  const events: PowerEvent[] = [];
  for (const v of index.vmsOf(host)) {
    if (host.free >= 0) break;
    const canFree = Math.max(0, consumedOf(v, env.compressionRatio) - v.reservation);
    const want = Math.min(canFree, -host.free);
    if (want > 0) swapOutPages(v, host, env, want, want, swapDatastoreLeft(host, index), false);
  }
  const order = [...index.vmsOf(host)].reverse();
  for (const v of order) {
    if (host.free >= 0) break;
    const message = `host ${host.name} lost memory (capacity now ${fmt(host.spec.capacity)}); powered off to keep free memory ≥ 0`;
    release(index, v, "Pending", { admitted: false, reason: "InsufficientMemory", message });
    events.push({ vm: v, action: "PoweredOff", from: "Running", to: "Pending", reason: "HostMemoryLost", message });
  }
  return events;
}
