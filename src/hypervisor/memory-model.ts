/**
 * The hypervisor memory model service (memory-model.md): host and guest ledgers and the only
 * code that moves pages. Controllers decide targets; this service carries them out within the
 * physical limits (free host pages, page-in/page-out throughput, swap and cache capacity) and
 * keeps the §2 identities true after every operation.
 *
 * Bound as a singleton behind TOKENS.MemoryModel; embedders may rebind a subclass (for example
 * with another compression ratio) and every controller uses it.
 */
import { inject, injectable } from "inversify";
import type { GuestOSProfile, VirtualMachine, Host } from "../api/types.js";
import { builtinProfile } from "../api/builtin-profiles.js";
import { quantityToPages } from "../api/quantity.js";
import type { DeepReadonly, ResourceReader } from "../store/types.js";
import { TOKENS } from "../di/tokens.js";
import {
  type AdmissionState,
  type HostRecord,
  type VmRecord,
  activeOf,
  compressedOf,
  freeOf,
  mappedOf,
  moveFreeToUsed,
  moveUsedToFree,
  releaseGuestPages,
  swappedOf,
  touchedOf,
  usedOf,
  zeroCounters,
} from "./ledger.js";
import { parseDuration, resolveHost, resolveVm, workloadAt } from "./resolved.js";
import { approx as fmt } from "./format.js";
import { ledgerViolations, ModelSnapshotError, modelSnapshotProblems, type InvariantViolation } from "./snapshot-check.js";

/** The random source the model draws its blind choices from (seeded; see TOKENS.Random). */
export interface RandomSource {
  /** Uniform in [0, 1). */
  next(): number;
}

/** Latencies of §10 (seconds per fault) that are not per-host settings. */
export const FAULT_LATENCY = { decompress: 20e-6, guestPageIn: 1e-3 } as const;

/** Active-memory sampling (§3): Mem.SamplePeriod and the fast/slow time constants, seconds. */
export const ACTIVE_SAMPLING = { samplePeriod: 60, fastSeconds: 60, slowSeconds: 240 } as const;

/** In clear and lower states the sharing scan runs this many times faster (§8 "full speed"). */
export const SHARING_FULL_SPEED_FACTOR = 60;

/** Seconds a stuck balloon driver is given before it is reported Unresponsive. */
export const BALLOON_DRIVER_TIMEOUT_SECONDS = 30;

/** A change of admission or power state the reservation controller reports. */
export interface PowerEvent {
  vm: VmRecord;
  action: "Admitted" | "AdmissionDenied" | "PoweredOff";
  reason: string;
  message: string;
}

/** What a balloon move did this tick. */
export interface BalloonMove {
  fromFree: number;
  fromUntouched: number;
  fromUsed: number;
  deflated: number;
  /** Pages the guest could not give (guest swap full). */
  stalled: number;
}

/** What a swap-controller page-out did this tick. */
export interface PageOutResult {
  compressed: number;
  swapped: number;
  /** Host pages freed. */
  freed: number;
  /** Why it stopped short, if it did. */
  limitedBy?: "throughput" | "compressionCache" | "swapFile" | "swapDatastore" | "nothingToTake";
}

export { ModelSnapshotError, type InvariantViolation } from "./snapshot-check.js";

/** The JSON form of the model's state. */
export interface MemoryModelSnapshot {
  version: 1;
  syncedTick: number;
  hosts: HostRecord[];
  vms: VmRecord[];
}

/** The hypervisor memory model service interface controllers use. */
export interface MemoryModel {
  /** Brings hosts and VMs in line with the store (idempotent per tick). */
  sync(tick: number, timeSeconds: number, tickSeconds: number, store: ResourceReader): void;
  host(name: string): HostRecord | undefined;
  vm(namespace: string, name: string): VmRecord | undefined;
  /** The records of stored VMs, index for index (`undefined` for a VM the model does not know); O(1) for the list the last sync read. */
  vmRecords(objects: readonly DeepReadonly<VirtualMachine>[]): readonly (VmRecord | undefined)[];
  /** Admitted VMs of a host, in admission order. */
  vmsOf(host: HostRecord): VmRecord[];
  hosts(): HostRecord[];
  /** Every known VM (pending, running, stopped). */
  allVms(): VmRecord[];
  /** Admission and power changes for this tick, in creation order (§9). */
  runAdmission(timeSeconds: number): PowerEvent[];
  /** Steps a running VM's guest workload by one tick (§3). */
  stepGuest(vm: VmRecord, timeSeconds: number, tickSeconds: number): void;
  /** Runs the page-sharing scan for one host (§8). */
  scanSharing(host: HostRecord, tickSeconds: number): void;
  /** Moves the balloon toward its target at the driver's rate (§6). */
  moveBalloon(vm: VmRecord, tickSeconds: number): BalloonMove;
  /** Compresses or swaps out pages until `hostPages` host pages are freed or a limit is reached (§7). */
  pageOut(vm: VmRecord, hostPages: number, budget?: number): PageOutResult;
  /** Consumed host memory (CNSM) of a VM. */
  consumed(vm: VmRecord): number;
  /** Active-memory estimate (ACTV) of a VM. */
  active(vm: VmRecord): number;
  /** The guest OS minimum memory of a VM's profile, pages (applied profiles override built-ins). */
  osMinimum(vm: VmRecord): number;
  /** Pages left in the host's swap datastore (Infinity when unlimited). */
  swapDatastoreLeft(host: HostRecord): number;
  /** Checks the §2 identities and sign rules. */
  invariantViolations(): InvariantViolation[];
  snapshot(): MemoryModelSnapshot;
  /** Restores a snapshot; a damaged one must throw (ideally a ModelSnapshotError) before anything changes. */
  restore(snapshot: unknown): void;
}

const vmKey = (namespace: string, name: string): string => `${namespace}/${name}`;

/** Rounds x to an integer, up with probability equal to its fractional part (seeded). */
function roundRandom(x: number, rng: RandomSource): number {
  const whole = Math.floor(x);
  return whole + (rng.next() < x - whole ? 1 : 0);
}

/** The ESXi-like implementation of {@link MemoryModel}. */
@injectable()
export class HypervisorMemoryModel implements MemoryModel {
  /** Compressed pages held per host page (2 = a page compresses to ≤ 2 KiB). */
  protected compressionRatio = 2;
  private hostMap = new Map<string, HostRecord>();
  private vmMap = new Map<string, VmRecord>();
  /** Bumped whenever vmMap gains, loses or replaces a record: the lookup caches below follow it. */
  private vmMapVersion = 0;
  /** namespace → name → record, rebuilt lazily after vmMap changes (lookups without building keys). */
  private vmIndex: Map<string, Map<string, VmRecord>> | undefined;
  /** Stored object uid → record, valid until vmMap changes (sync without building keys). */
  private byUid = new Map<string, VmRecord>();
  /** The VM list of the last sync and its records, index for index. */
  private synced: { list: readonly unknown[]; records: readonly VmRecord[]; version: number } = { list: [], records: [], version: -1 };
  /** Per host: its admitted records as of (host.vms array, its length, vmMapVersion). */
  private hostVmsCache = new WeakMap<HostRecord, { keys: readonly string[]; length: number; version: number; vms: VmRecord[] }>();
  /** Every record in admission order (creation time, then key), as of vmMapVersion. */
  private admissionOrder: { version: number; vms: VmRecord[] } | undefined;
  private profiles = new Map<string, number>();
  /** touchAllOnBoot of applied GuestOSProfiles, refreshed at every sync. */
  private appliedTouchAll = new Map<string, boolean>();
  private syncedTick = -1;
  /** VMs powered off by an emergency reclaim since the last admission pass. */
  private emergencyEvents: PowerEvent[] = [];

  constructor(@inject(TOKENS.Random) private readonly rng: RandomSource) {}

  // ------------------------------------------------------------------ lookups

  host(name: string): HostRecord | undefined {
    return this.hostMap.get(name);
  }

  vm(namespace: string, name: string): VmRecord | undefined {
    return (this.vmIndex ?? this.buildVmIndex()).get(namespace)?.get(name);
  }

  vmRecords(objects: readonly DeepReadonly<VirtualMachine>[]): readonly (VmRecord | undefined)[] {
    if (objects === this.synced.list) return this.synced.records;
    return objects.map((o) => this.vm(o.metadata.namespace ?? "default", o.metadata.name));
  }

  private buildVmIndex(): Map<string, Map<string, VmRecord>> {
    const index = new Map<string, Map<string, VmRecord>>();
    for (const [key, v] of this.vmMap) {
      const slash = key.indexOf("/");
      const ns = key.slice(0, slash);
      let byName = index.get(ns);
      if (byName === undefined) index.set(ns, (byName = new Map()));
      byName.set(key.slice(slash + 1), v);
    }
    this.vmIndex = index;
    return index;
  }

  /** Call after any change to vmMap. */
  private vmMapChanged(): void {
    this.vmMapVersion++;
    this.byUid.clear();
    this.synced = { list: [], records: [], version: -1 };
    this.vmIndex = undefined;
    this.admissionOrder = undefined;
  }

  vmsOf(host: HostRecord): VmRecord[] {
    const cached = this.hostVmsCache.get(host);
    if (cached !== undefined && cached.keys === host.vms && cached.length === host.vms.length && cached.version === this.vmMapVersion) {
      return cached.vms.slice();
    }
    const out: VmRecord[] = [];
    for (const k of host.vms) {
      const v = this.vmMap.get(k);
      if (v) out.push(v);
    }
    this.hostVmsCache.set(host, { keys: host.vms, length: host.vms.length, version: this.vmMapVersion, vms: out.slice() });
    return out;
  }

  hosts(): HostRecord[] {
    return [...this.hostMap.values()];
  }

  allVms(): VmRecord[] {
    return [...this.vmMap.values()];
  }

  consumed(vm: VmRecord): number {
    const mapped = mappedOf(vm);
    return mapped - Math.min(vm.sharedSavings, mapped) + Math.ceil(compressedOf(vm) / this.compressionRatio);
  }

  active(vm: VmRecord): number {
    return activeOf(vm);
  }

  osMinimum(vm: VmRecord): number {
    // Built-ins are looked up on demand, so the answer is right even before the first sync
    // after a restore (applied profiles are read from the store at every sync).
    return this.profileMinimum(vm.spec.guestOS) ?? this.profileMinimum("other") ?? quantityToPages("256Mi");
  }

  // ------------------------------------------------------------------ sync with the store

  sync(tick: number, timeSeconds: number, tickSeconds: number, store: ResourceReader): void {
    if (this.syncedTick === tick) return;
    this.syncedTick = tick;
    this.syncProfiles(store);
    const seenHosts = new Set<string>();
    for (const h of store.list("Host")) {
      seenHosts.add(h.metadata.name);
      this.syncHost(h);
    }
    for (const [name, host] of this.hostMap) {
      if (!seenHosts.has(name)) {
        for (const v of this.vmsOf(host)) this.release(v, "Pending", { admitted: false, reason: "HostNotFound", message: `host ${name} was deleted` });
        this.hostMap.delete(name);
      }
    }
    const list = store.list("VirtualMachine") as readonly DeepReadonly<VirtualMachine>[];
    const aligned = new Array<VmRecord>(list.length);
    // an object that is the very one the last sync saw at the same place has the same record
    const previous = this.synced;
    const sameSet = previous.version === this.vmMapVersion;
    for (let i = 0; i < list.length; i++) {
      const o = list[i]!;
      aligned[i] = sameSet && previous.list[i] === o ? previous.records[i]! : this.syncVm(o);
    }
    if (this.vmMap.size !== list.length) {
      // store keys are unique, so the records left over are the deleted VMs
      const seen = new Set(aligned);
      for (const [key, v] of this.vmMap) {
        if (!seen.has(v)) {
          this.release(v, "Stopped", { admitted: false, reason: "Deleted", message: "virtual machine deleted" });
          this.vmMap.delete(key);
          this.vmMapChanged();
        }
      }
    }
    this.synced = { list, records: aligned, version: this.vmMapVersion };
    for (const host of this.hostMap.values()) {
      host.pageOutLeft = Math.floor(host.spec.swap.writePerSecond * tickSeconds);
      host.pageInLeft = Math.floor(host.spec.swap.readPerSecond * tickSeconds);
    }
    for (const v of this.vmMap.values()) v.counters = zeroCounters();
    void timeSeconds;
  }

  private syncProfiles(store: ResourceReader): void {
    this.profiles.clear();
    this.appliedTouchAll.clear();
    for (const name of ["other", "rhel7"]) {
      const p = builtinProfile(name);
      if (p) this.profiles.set(name, quantityToPages(p.spec.minimumMemory));
    }
    for (const p of store.list("GuestOSProfile") as readonly DeepReadonly<GuestOSProfile>[]) {
      this.profiles.set(p.metadata.name, quantityToPages(p.spec.minimumMemory));
      this.appliedTouchAll.set(p.metadata.name, p.spec.touchAllOnBoot);
    }
  }

  /** Built-in profile lookup for names not in the store (cached per sync). */
  private profileMinimum(name: string): number | undefined {
    const known = this.profiles.get(name);
    if (known !== undefined) return known;
    const p = builtinProfile(name);
    if (!p) return undefined;
    const pages = quantityToPages(p.spec.minimumMemory);
    this.profiles.set(name, pages);
    return pages;
  }

  /** Whether a guest OS zeroes all memory at boot (applied profiles override built-ins). */
  private profileTouchesAll(name: string): boolean {
    return this.appliedTouchAll.get(name) ?? builtinProfile(name)?.spec.touchAllOnBoot ?? false;
  }


  private syncHost(h: DeepReadonly<Host>): void {
    const gen = h.metadata.generation ?? 1;
    const existing = this.hostMap.get(h.metadata.name);
    if (existing && existing.generation === gen) return;
    const spec = resolveHost(h.spec);
    if (!existing) {
      this.hostMap.set(h.metadata.name, {
        name: h.metadata.name,
        generation: gen,
        spec,
        free: spec.capacity - spec.vmkernelReserved,
        state: "high",
        climbSince: -1,
        reserved: 0,
        swapFiles: 0,
        pageOutLeft: 0,
        pageInLeft: 0,
        vms: [],
        decisions: [],
      });
      this.hostMap.get(h.metadata.name)!.free = Math.max(0, spec.capacity - spec.vmkernelReserved);
      return;
    }
    // Capacity or vmkernel changes move free memory (a failed DIMM shrinks it).
    const before = existing.spec.capacity - existing.spec.vmkernelReserved;
    const after = spec.capacity - spec.vmkernelReserved;
    existing.spec = spec;
    existing.generation = gen;
    existing.free += after - before;
    if (existing.free < 0) this.emergencyReclaim(existing);
  }

  /**
   * When a host loses memory at run time (a failed DIMM) and free goes negative, pages are
   * swapped out at once, ignoring throughput; VMs that still do not fit are powered off, the
   * most recently admitted first.
   */
  private emergencyReclaim(host: HostRecord): void {
    for (const v of this.vmsOf(host)) {
      if (host.free >= 0) break;
      const canFree = Math.max(0, this.consumed(v) - v.reservation);
      const want = Math.min(canFree, -host.free);
      if (want > 0) this.swapOutPages(v, host, want, want, this.swapDatastoreLeft(host), false);
    }
    const order = [...this.vmsOf(host)].reverse();
    for (const v of order) {
      if (host.free >= 0) break;
      const message = `host ${host.name} lost memory (capacity now ${fmt(host.spec.capacity)}); powered off to keep free memory ≥ 0`;
      this.release(v, "Pending", { admitted: false, reason: "InsufficientMemory", message });
      this.emergencyEvents.push({ vm: v, action: "PoweredOff", reason: "HostMemoryLost", message });
    }
  }

  /** The record of a stored VM, created or updated from its spec (looked up by uid while the VM set is unchanged). */
  private syncVm(vm: DeepReadonly<VirtualMachine>): VmRecord {
    const gen = vm.metadata.generation ?? 1;
    const uid = vm.metadata.uid;
    const cached = uid === undefined ? undefined : this.byUid.get(uid);
    if (cached !== undefined && cached.generation === gen) return cached;
    const key = vmKey(vm.metadata.namespace ?? "default", vm.metadata.name);
    const existing = this.vmMap.get(key);
    if (existing) {
      if (existing.generation !== gen) {
        existing.spec = resolveVm(vm.spec);
        existing.generation = gen;
      }
      if (uid !== undefined) this.byUid.set(uid, existing);
      return existing;
    }
    const createdAt = vm.metadata.creationTimestamp ? safeDuration(vm.metadata.creationTimestamp) : 0;
    const record = newVmRecord(key, vm.metadata.namespace ?? "default", vm.metadata.name, gen, createdAt, resolveVm(vm.spec));
    this.vmMap.set(key, record);
    this.vmMapChanged();
    return record;
  }

  // ------------------------------------------------------------------ admission (§9)

  runAdmission(timeSeconds: number): PowerEvent[] {
    // Power-offs forced by a capacity loss during this tick's sync are reported first.
    const events: PowerEvent[] = this.emergencyEvents.splice(0);
    if (this.admissionOrder === undefined || this.admissionOrder.version !== this.vmMapVersion) {
      const sorted = [...this.vmMap.values()].sort((a, b) => a.createdAt - b.createdAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      this.admissionOrder = { version: this.vmMapVersion, vms: sorted };
    }
    const order = this.admissionOrder.vms;
    // Power-offs and host moves first, so their room is available to pending VMs this tick.
    for (const v of order) {
      if (v.phase !== "Running") continue;
      if (!v.spec.powerOn) {
        this.release(v, "Stopped", { admitted: false, reason: "PoweredOff", message: "powerState is Off" });
        events.push({ vm: v, action: "PoweredOff", reason: "PowerStateOff", message: `powered off on ${v.hostName}; released ${v.memory} pages` });
      } else if (v.spec.hostName !== v.hostName) {
        const from = v.hostName;
        this.release(v, "Pending", { admitted: false, reason: "Migrating", message: `moving from ${from} to ${v.spec.hostName}` });
        events.push({ vm: v, action: "PoweredOff", reason: "HostChanged", message: `powered off on ${from} to move to ${v.spec.hostName}` });
      }
    }
    for (const v of order) {
      if (v.phase === "Running") continue;
      if (!v.spec.powerOn) {
        v.phase = "Stopped";
        v.admission = { admitted: false, reason: "PoweredOff", message: "powerState is Off" };
        continue;
      }
      v.hostName = v.spec.hostName;
      const verdict = this.admissionVerdict(v);
      if (verdict.admitted) {
        this.admit(v, timeSeconds);
        events.push({ vm: v, action: "Admitted", reason: verdict.reason, message: verdict.message });
      } else {
        const changed = v.admission.reason !== verdict.reason || v.phase !== "Pending";
        v.phase = "Pending";
        v.admission = verdict;
        if (changed) events.push({ vm: v, action: "AdmissionDenied", reason: verdict.reason, message: verdict.message });
      }
    }
    return events;
  }

  private admissionVerdict(v: VmRecord): AdmissionState {
    const host = this.hostMap.get(v.spec.hostName);
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
    if (host.swapFiles + swapFile > host.spec.swap.capacity) {
      return {
        admitted: false,
        reason: "InsufficientSwap",
        message: `swap file ${fmt(swapFile)} does not fit in host ${host.name}'s swap datastore (${fmt(host.spec.swap.capacity - host.swapFiles)} left)`,
      };
    }
    return { admitted: true, reason: "Admitted", message: `reservation ${fmt(spec.reservation)} + overhead ${fmt(spec.overhead)} fit on ${host.name}` };
  }

  private admit(v: VmRecord, timeSeconds: number): void {
    const host = this.hostMap.get(v.spec.hostName)!;
    const s = v.spec;
    const decisions = v.decisions;
    Object.assign(v, newVmRecord(v.key, v.namespace, v.name, v.generation, v.createdAt, s));
    v.decisions = decisions;
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
    const touchAll = s.workload.touchAllOnBoot ?? this.profileTouchesAll(s.guestOS);
    if (touchAll) {
      // Windows zeroes all memory at boot: every page is backed once and left free.
      const n = Math.min(v.untouched, host.free);
      v.untouched -= n;
      v.freeMapped += n;
      this.recharge(v, host);
    }
  }



  /** Releases everything a VM holds: pages, reservation, swap file (power-off, delete, move). */
  private release(v: VmRecord, phase: VmRecord["phase"], admission: AdmissionState): void {
    const host = this.hostMap.get(v.hostName);
    if (v.phase === "Running" && host) {
      host.free += v.charged + v.overhead;
      host.reserved -= v.reservation + v.overhead;
      host.swapFiles -= v.memory - v.reservation;
      host.vms = host.vms.filter((k) => k !== v.key);
    }
    const decisions = v.decisions;
    Object.assign(v, newVmRecord(v.key, v.namespace, v.name, v.generation, v.createdAt, v.spec));
    v.decisions = decisions;
    v.phase = phase;
    v.admission = admission;
    v.hostName = v.spec.hostName;
  }

  /** Re-charges a VM's consumed memory to its host's free memory after a ledger change. */
  protected recharge(v: VmRecord, host: HostRecord): void {
    const now = this.consumed(v);
    host.free -= now - v.charged;
    v.charged = now;
  }

  // ------------------------------------------------------------------ guest workload (§3)

  stepGuest(v: VmRecord, timeSeconds: number, dt: number): void {
    const host = this.hostMap.get(v.hostName);
    if (!host || v.phase !== "Running") return;
    const want = workloadAt(v.spec.workload, timeSeconds - v.poweredOnAt);
    const wantAllocated = want.allocated;
    v.wantAllocated = wantAllocated;
    const demand = usedOf(v) + v.guestSwapped;
    if (wantAllocated > demand) this.grow(v, host, wantAllocated - demand);
    else if (wantAllocated < demand) this.shrink(v, demand - wantAllocated);
    this.recharge(v, host);

    // Working set and access (touches spread over the sample period).
    const appPages = usedOf(v) + v.guestSwapped;
    const ws = Math.round((appPages * Math.max(0, Math.min(100, want.active))) / 100);
    v.workingSet = ws;
    v.touchCarry += (ws * dt) / ACTIVE_SAMPLING.samplePeriod;
    const touches = Math.floor(v.touchCarry);
    v.touchCarry -= touches;
    if (touches > 0 && ws > 0) this.access(v, host, touches, ws);

    // Active estimate: fast and slow moving averages of the sampled working set.
    if (v.activeFast === 0 && v.activeSlow === 0 && timeSeconds - v.poweredOnAt <= dt) {
      v.activeFast = ws;
      v.activeSlow = ws;
    } else {
      const af = 1 - Math.exp(-dt / ACTIVE_SAMPLING.fastSeconds);
      const as = 1 - Math.exp(-dt / ACTIVE_SAMPLING.slowSeconds);
      v.activeFast += af * (ws - v.activeFast);
      v.activeSlow += as * (ws - v.activeSlow);
    }
    this.updateStall(v, host, dt);
  }

  /** Allocation grows: free pages first, then untouched (new host pages), then guest paging. */
  private grow(v: VmRecord, host: HostRecord, delta: number): void {
    let left = delta;
    // 1. free pages (already backed; the guest does not know where the host keeps them)
    const fromFree = Math.min(left, freeOf(v));
    if (fromFree > 0) {
      moveFreeToUsed(v, fromFree);
      left -= fromFree;
    }
    // 2. untouched pages: each needs a new host page; blocked in low for VMs above entitlement.
    if (left > 0 && v.untouched > 0) {
      const blocked = host.state === "low" && this.consumed(v) > v.entitlement;
      const canTake = blocked ? 0 : Math.min(left, v.untouched, host.free);
      v.untouched -= canTake;
      v.usedMapped += canTake;
      host.free -= canTake;
      v.charged += canTake;
      const stalled = Math.min(left, v.untouched + canTake) - canTake;
      v.counters.stalledGrowth += stalled;
      left -= canTake + stalled;
    }
    // 3. guest paging: no free or untouched page left (the balloon holds them).
    if (left > 0) {
      const room = Math.max(0, v.spec.guestSwap - v.guestSwapped);
      const paged = Math.min(left, room, usedOf(v));
      v.guestSwapped += paged;
      v.counters.guestPageOuts += paged;
      v.counters.stalledGrowth += left - paged;
    }
  }

  /** Allocation shrinks: pages move from used (and proportionally guest swap) to free; host backing stays. */
  private shrink(v: VmRecord, delta: number): void {
    const used = usedOf(v);
    const total = used + v.guestSwapped;
    if (total <= 0) return;
    const fromSwap = Math.min(v.guestSwapped, Math.round((delta * v.guestSwapped) / total));
    v.guestSwapped -= fromSwap;
    const fromUsed = Math.min(used, delta - fromSwap);
    moveUsedToFree(v, fromUsed);
  }

  /** Working-set touches: guest page-ins when the working set exceeds guest RAM, host swap-ins and decompressions blindly. */
  private access(v: VmRecord, host: HostRecord, touches: number, ws: number): void {
    const used = usedOf(v);
    // Guest-swapped part: the guest keeps its working set resident while it fits.
    const outside = Math.max(0, ws - used);
    const guestFaults = Math.min(v.guestSwapped, roundRandom((touches * outside) / ws, this.rng));
    if (guestFaults > 0) this.guestPageIn(v, host, guestFaults);
    const resident = touches - guestFaults;
    const u = usedOf(v);
    if (resident <= 0 || u <= 0) return;
    const swapIns = Math.min(v.usedSwapped, roundRandom((resident * v.usedSwapped) / u, this.rng));
    const decompress = Math.min(v.usedCompressed, roundRandom((resident * v.usedCompressed) / u, this.rng));
    // Swap-ins need a free host page and page-in throughput.
    const servedIn = Math.max(0, Math.min(swapIns, host.pageInLeft, host.free));
    host.pageInLeft -= servedIn;
    v.usedSwapped -= servedIn;
    v.usedMapped += servedIn;
    v.counters.swapIns += servedIn;
    v.counters.stalledPages += swapIns - servedIn;
    this.recharge(v, host);
    // Decompression needs the difference between a whole and half a page.
    const servedDz = Math.max(0, Math.min(decompress, host.free * this.compressionRatio));
    v.usedCompressed -= servedDz;
    v.usedMapped += servedDz;
    v.counters.decompressions += servedDz;
    v.counters.stalledPages += decompress - servedDz;
    this.recharge(v, host);
    if (host.free < 0) this.rebalanceNegativeFree(v, host);
  }

  /** Guest pages in from its swap: needs a free guest page (free, then untouched), else it evicts a cold used page. */
  private guestPageIn(v: VmRecord, host: HostRecord, n: number): void {
    let left = n;
    const fromFree = Math.min(left, freeOf(v));
    if (fromFree > 0) {
      moveFreeToUsed(v, fromFree);
      v.guestSwapped -= fromFree;
      left -= fromFree;
    }
    const fromUntouched = Math.min(left, v.untouched, Math.max(0, host.free));
    if (fromUntouched > 0) {
      v.untouched -= fromUntouched;
      v.usedMapped += fromUntouched;
      v.guestSwapped -= fromUntouched;
      this.recharge(v, host);
      left -= fromUntouched;
    }
    // No room: the guest pages out a cold page to bring a hot one in (thrashing).
    v.counters.guestPageIns += n;
    v.counters.guestPageOuts += left;
  }

  /** Safety net: a decompression raced free below zero by a rounding page — swap one back out. */
  private rebalanceNegativeFree(v: VmRecord, host: HostRecord): void {
    const need = -host.free;
    const take = Math.min(need, v.usedMapped);
    v.usedMapped -= take;
    v.usedSwapped += take;
    v.counters.swapOuts += take;
    this.recharge(v, host);
  }

  private updateStall(v: VmRecord, host: HostRecord, dt: number): void {
    const c = v.counters;
    const wait =
      c.swapIns * host.spec.swap.swapInLatency +
      c.decompressions * FAULT_LATENCY.decompress +
      (c.guestPageIns + c.guestPageOuts) * FAULT_LATENCY.guestPageIn +
      (c.stalledPages + c.stalledGrowth) * host.spec.swap.swapInLatency;
    v.stallPercent = Math.min(100, Math.round(((wait / (Math.max(1, v.spec.vcpus) * dt)) * 100) * 100) / 100);
  }

  // ------------------------------------------------------------------ page sharing (§8)

  scanSharing(host: HostRecord, dt: number): void {
    const ps = host.spec.pageSharing;
    const vms = this.vmsOf(host);
    if (!ps.enabled) {
      for (const v of vms) {
        if (v.sharedSavings || v.sharedZero || v.sharedCommon) {
          v.sharedZero = v.sharedCommon = v.sharedSavings = 0;
          this.recharge(v, host);
        }
      }
      return;
    }
    const largePagesBlock = ps.largePages && host.free * 100 >= host.spec.states.largePageBreak * host.spec.minFree;
    const fullSpeed = host.state !== "high";
    const groups = new Map<string, VmRecord[]>();
    for (const v of vms) {
      if (!largePagesBlock) {
        const rate = (v.memory / (ps.scanMinutes * 60)) * (fullSpeed ? SHARING_FULL_SPEED_FACTOR : 1);
        v.scanned = Math.min(v.memory, v.scanned + rate * dt);
      }
      const coverage = v.memory > 0 ? v.scanned / v.memory : 0;
      const mapped = mappedOf(v);
      v.sharedZero = Math.floor(coverage * mapped * (v.spec.workload.zeroPages / 100));
      v.sharedCommon = ps.salting ? 0 : Math.floor(coverage * mapped * (v.spec.workload.commonPages / 100));
      if (!ps.salting && v.sharedCommon > 0) {
        const g = groups.get(v.spec.guestOS) ?? [];
        g.push(v);
        groups.set(v.spec.guestOS, g);
      }
    }
    const owners = new Set<string>();
    for (const g of groups.values()) {
      let owner = g[0]!;
      for (const v of g) if (v.sharedCommon > owner.sharedCommon) owner = v;
      owners.add(owner.key);
    }
    for (const v of vms) {
      const zeroSavings = Math.max(0, v.sharedZero - 1);
      const commonSavings = !ps.salting && v.sharedCommon > 0 && !owners.has(v.key) ? v.sharedCommon : 0;
      // Sharing never takes consumption below the reservation (reserved touched pages stay put).
      const mapped = mappedOf(v);
      const room = Math.max(0, mapped + Math.ceil(compressedOf(v) / this.compressionRatio) - v.reservation);
      let savings = Math.min(zeroSavings + commonSavings, room, mapped);
      // Savings that disappear are copy-on-write breaks: each needs a free host page. With none
      // left, the pages stay shared until memory is reclaimed (free never goes negative).
      const drop = v.sharedSavings - savings;
      if (drop > Math.max(0, host.free)) savings = v.sharedSavings - Math.max(0, host.free);
      v.sharedSavings = savings;
      this.recharge(v, host);
    }
  }

  // ------------------------------------------------------------------ ballooning (§6)

  moveBalloon(v: VmRecord, dt: number): BalloonMove {
    const move: BalloonMove = { fromFree: 0, fromUntouched: 0, fromUsed: 0, deflated: 0, stalled: 0 };
    const host = this.hostMap.get(v.hostName);
    if (!host || v.phase !== "Running") return move;
    const driver = v.spec.balloonDriver;
    const slow = driver === "slow" ? 10 : 1;
    const gap = v.balloonTarget - v.balloon;
    if (gap !== 0 && (driver === "stuck" || !v.spec.toolsInstalled)) {
      v.driverIdleSeconds += dt;
      return move;
    }
    v.driverIdleSeconds = 0;
    if (gap < 0) {
      const d = Math.min(-gap, Math.max(1, Math.floor((host.spec.ballooning.deflatePerSecond * dt) / slow)));
      v.balloon -= d;
      v.untouched += d; // handed back untouched: costs the host nothing until touched
      move.deflated = d;
      return move;
    }
    if (gap === 0) return move;
    let left = Math.min(gap, Math.max(1, Math.floor((host.spec.ballooning.inflatePerSecond * dt) / slow)));
    // 1. free pages: each returns its host backing (the seed's "chews up free RAM")
    const f = Math.min(left, freeOf(v));
    if (f > 0) {
      releaseGuestPages(v, f, "free");
      v.balloon += f;
      left -= f;
      move.fromFree = f;
    }
    // 2. untouched pages: reclaim nothing on the host but are taken all the same
    const u = Math.min(left, v.untouched);
    v.untouched -= u;
    v.balloon += u;
    left -= u;
    move.fromUntouched = u;
    // 3. used pages: the guest pages them out to its own swap first
    if (left > 0) {
      const room = Math.max(0, v.spec.guestSwap - v.guestSwapped);
      const g = Math.min(left, room, usedOf(v));
      if (g > 0) {
        releaseGuestPages(v, g, "used");
        v.guestSwapped += g;
        v.balloon += g;
        v.counters.guestPageOuts += g;
        move.fromUsed = g;
      }
      move.stalled = left - g;
    }
    this.recharge(v, host);
    return move;
  }

  // ------------------------------------------------------------------ compression and swapping (§7)

  pageOut(v: VmRecord, hostPages: number, budget?: number): PageOutResult {
    const host = this.hostMap.get(v.hostName);
    if (!host || v.phase !== "Running" || hostPages <= 0) return { compressed: 0, swapped: 0, freed: 0 };
    const allowed = Math.min(host.pageOutLeft, budget ?? host.pageOutLeft);
    return this.swapOutPages(v, host, hostPages, allowed, this.swapDatastoreLeft(host), true);
  }

  swapDatastoreLeft(host: HostRecord): number {
    if (!Number.isFinite(host.spec.swap.capacity)) return Number.POSITIVE_INFINITY;
    let used = 0;
    for (const v of this.vmsOf(host)) used += swappedOf(v);
    return Math.max(0, host.spec.swap.capacity - used);
  }

  /**
   * Blind page-out: pages are taken from used and free mapped pages in proportion (seeded
   * random rounding); each compresses with probability `compressibility` while the cache has
   * room, otherwise it goes to the swap file. Stops when `want` host pages are freed.
   */
  private swapOutPages(v: VmRecord, host: HostRecord, want: number, budget: number, datastoreLeft: number, useBudget: boolean): PageOutResult {
    const res: PageOutResult = { compressed: 0, swapped: 0, freed: 0 };
    const before = host.free;
    const comp = host.spec.compression;
    const cacheCap = comp.enabled ? Math.floor((v.memory * comp.maxPercent) / 100) : 0;
    const swapFileLeft = () => Math.max(0, v.memory - v.reservation - swappedOf(v));
    let rounds = 0;
    while (host.free - before < want && rounds++ < 8) {
      const mapped = mappedOf(v);
      if (mapped <= 0) {
        res.limitedBy = "nothingToTake";
        break;
      }
      if (budget <= 0) {
        res.limitedBy = "throughput";
        break;
      }
      const remaining = want - (host.free - before);
      const cFrac = comp.enabled ? v.spec.workload.compressibility / 100 : 0;
      // Each chosen page frees at most one host page: never choose more than what is still needed,
      // so reclaim does not overshoot (and never dips below a reservation).
      const n = Math.min(budget, mapped, Math.max(1, remaining));
      let fromUsed = Math.min(v.usedMapped, roundRandom((n * v.usedMapped) / mapped, this.rng));
      let fromFree = Math.min(v.freeMapped, n - fromUsed);
      if (fromUsed + fromFree < n) fromUsed = Math.min(v.usedMapped, n - fromFree);
      const chosen = fromUsed + fromFree;
      const compressible = Math.min(chosen, roundRandom(chosen * cFrac, this.rng), Math.max(0, cacheCap - compressedOf(v)));
      const swapRoom = Math.min(swapFileLeft(), datastoreLeft - res.swapped);
      const toSwap = Math.min(chosen - compressible, Math.max(0, swapRoom));
      const taken = compressible + toSwap;
      if (taken <= 0) {
        res.limitedBy = cacheCap - compressedOf(v) <= 0 && swapFileLeft() <= 0 ? "swapFile" : datastoreLeft - res.swapped <= 0 ? "swapDatastore" : "compressionCache";
        break;
      }
      // Spread compression and swap across the used/free pages chosen, in proportion.
      const usedShare = chosen > 0 ? fromUsed / chosen : 0;
      const cUsed = Math.min(fromUsed, Math.round(compressible * usedShare));
      const cFree = compressible - cUsed;
      const sUsed = Math.min(fromUsed - cUsed, Math.round(toSwap * usedShare));
      const sFree = toSwap - sUsed;
      v.usedMapped -= cUsed + sUsed;
      v.freeMapped -= cFree + sFree;
      v.usedCompressed += cUsed;
      v.freeCompressed += cFree;
      v.usedSwapped += sUsed;
      v.freeSwapped += sFree;
      res.compressed += compressible;
      res.swapped += toSwap;
      v.counters.compressions += compressible;
      v.counters.swapOuts += toSwap;
      if (useBudget) {
        host.pageOutLeft -= taken;
        budget -= taken;
      }
      this.recharge(v, host);
      if (toSwap < chosen - compressible) {
        res.limitedBy = swapFileLeft() <= 0 ? "swapFile" : "swapDatastore";
        break;
      }
    }
    res.freed = host.free - before;
    return res;
  }

  // ------------------------------------------------------------------ invariants

  invariantViolations(): InvariantViolation[] {
    return ledgerViolations(this.hostMap.values(), (host) => this.vmsOf(host), (v) => this.consumed(v));
  }

  // ------------------------------------------------------------------ snapshot

  snapshot(): MemoryModelSnapshot {
    return JSON.parse(
      JSON.stringify({ version: 1, syncedTick: this.syncedTick, hosts: [...this.hostMap.values()], vms: [...this.vmMap.values()] }, (_k, val) =>
        val === Number.POSITIVE_INFINITY ? "Infinity" : val,
      ),
    ) as MemoryModelSnapshot;
  }

  /**
   * Restores a snapshot from {@link HypervisorMemoryModel.snapshot}. The whole snapshot is
   * checked first (snapshot-check.ts: shapes, page counts, names, admission links, the §2
   * identities); a damaged one throws a {@link ModelSnapshotError} listing the problems, and
   * nothing changes.
   */
  restore(snapshot: unknown): void {
    let decoded: unknown;
    try {
      decoded = JSON.parse(JSON.stringify(snapshot), (_k, val: unknown) => (val === "Infinity" ? Number.POSITIVE_INFINITY : val));
    } catch (e) {
      throw new ModelSnapshotError([`model: not JSON data (${e instanceof Error ? e.message : String(e)})`]);
    }
    // Snapshots from before decision records existed restore with empty rings.
    const s = decoded as Partial<MemoryModelSnapshot> | null;
    if (s !== null && typeof s === "object") {
      for (const r of [...(Array.isArray(s.hosts) ? s.hosts : []), ...(Array.isArray(s.vms) ? s.vms : [])]) {
        if (r !== null && typeof r === "object") r.decisions ??= [];
      }
    }
    const check = modelSnapshotProblems(decoded, (v) => this.consumed(v));
    if (check.hosts === undefined || check.vms === undefined) throw new ModelSnapshotError(check.problems);
    this.hostMap = new Map(check.hosts.map((h) => [h.name, h]));
    this.vmMap = new Map(check.vms.map((v) => [v.key, v]));
    this.vmMapChanged();
    this.syncedTick = (decoded as MemoryModelSnapshot).syncedTick;
    this.profiles.clear();
    this.appliedTouchAll.clear();
  }
}

function safeDuration(s: string): number {
  try {
    return parseDuration(s);
  } catch {
    return 0;
  }
}

/** A VM record with empty ledgers. */
export function newVmRecord(key: string, namespace: string, name: string, generation: number, createdAt: number, spec: VmRecord["spec"]): VmRecord {
  return {
    key,
    namespace,
    name,
    generation,
    createdAt,
    spec,
    hostName: spec.hostName,
    phase: "Pending",
    admission: { admitted: false, reason: "Pending", message: "waiting for admission" },
    poweredOnAt: 0,
    memory: spec.memory,
    reservation: spec.reservation,
    overhead: spec.overhead,
    usedMapped: 0,
    usedCompressed: 0,
    usedSwapped: 0,
    freeMapped: 0,
    freeCompressed: 0,
    freeSwapped: 0,
    untouched: 0,
    balloon: 0,
    guestSwapped: 0,
    scanned: 0,
    sharedZero: 0,
    sharedCommon: 0,
    sharedSavings: 0,
    charged: 0,
    activeFast: 0,
    activeSlow: 0,
    touchCarry: 0,
    workingSet: 0,
    wantAllocated: 0,
    entitlement: 0,
    reclaim: 0,
    balloonTarget: 0,
    balloonMax: 0,
    swapTarget: 0,
    loggedEntitlement: 0,
    balloonStalled: false,
    driverIdleSeconds: 0,
    overLimit: false,
    counters: zeroCounters(),
    stallPercent: 0,
    decisions: [],
  };
}

