/**
 * The per-VM and per-host runtime records of the memory model (docs/memory-model.md, *The
 * ledgers*), in whole pages, and the small operations that keep them consistent.
 *
 * Guest ledger: `memory = used + free + untouched + balloon`, with `used` and `free` each split
 * by where the hypervisor keeps the page (mapped in host RAM, compressed, swapped), so that
 * `backed = used + free = mapped + compressed + swapped` holds by construction and the seed's
 * point — freed guest pages stay backed — is visible.
 */
import type { HostMemoryState } from "../api/types.js";
import type { ResolvedHost, ResolvedVm } from "./resolved.js";
import type { DecisionRecord } from "./decisions.js";

/** Per-tick counters of page movements, reset at the start of each tick. */
export interface TickCounters {
  swapIns: number;
  swapOuts: number;
  compressions: number;
  decompressions: number;
  guestPageIns: number;
  guestPageOuts: number;
  /** Faults or allocations that could not be served this tick (no host page, throughput exhausted, blocked in low). */
  stalledPages: number;
  /** Growth the guest wanted but could not get this tick. */
  stalledGrowth: number;
  /** Double paging: pages the guest paged out that the host had swapped or compressed, so the host read them back first (also counted in swapIns or decompressions). */
  doublePagings: number;
}

/** Admission outcome shown as the `Admitted` condition. */
export interface AdmissionState {
  admitted: boolean;
  reason: string;
  message: string;
}

/** One VM as the hypervisor tracks it. */
export interface VmRecord {
  key: string;
  namespace: string;
  name: string;
  generation: number;
  /** Creation order key: creationTimestamp in Unix seconds (a simulated time such as `36s` in states saved before RFC 3339 timestamps). */
  createdAt: number;
  spec: ResolvedVm;
  /** The host it is admitted on (or wants to be on). */
  hostName: string;
  phase: "Pending" | "Running" | "Stopped";
  admission: AdmissionState;
  /** Simulated seconds at power-on. */
  poweredOnAt: number;
  /** Spec values fixed at power-on (memory changes need a power cycle). */
  memory: number;
  reservation: number;
  overhead: number;

  usedMapped: number;
  usedCompressed: number;
  usedSwapped: number;
  freeMapped: number;
  freeCompressed: number;
  freeSwapped: number;
  untouched: number;
  balloon: number;
  guestSwapped: number;
  /**
   * Guest-free pages the guest zeroed at boot (Windows) and has not written since: all of them
   * host-mapped, so `zeroed ≤ freeMapped`. The sharing scan collapses them (docs/memory-model.md §9).
   */
  zeroed: number;
  /**
   * The working set resident in guest RAM, by where the host keeps it (docs/memory-model.md,
   * *Working-set locality*): how many of `usedMapped`, `usedCompressed` and `usedSwapped` are
   * hot. The rest of each bucket is cold (not touched this sample period).
   */
  hotMapped: number;
  hotCompressed: number;
  hotSwapped: number;

  /** Pages of the VM scanned for sharing (coverage = scanned / memory). */
  scanned: number;
  sharedZero: number;
  sharedCommon: number;
  sharedSavings: number;
  /** consumed as last charged to the host's free memory. */
  charged: number;

  activeFast: number;
  activeSlow: number;
  /** The working-set sample the averages follow (pages): the working set, or the latest sampled estimate. */
  activeSample: number;
  touchCarry: number;
  /** The working set this tick (pages). */
  workingSet: number;
  /** What the workload wants allocated this tick (pages). */
  wantAllocated: number;

  entitlement: number;
  reclaim: number;
  balloonTarget: number;
  balloonMax: number;
  swapTarget: number;
  /** Entitlement last logged (EntitlementChanged threshold). */
  loggedEntitlement: number;
  balloonStalled: boolean;
  /** Seconds the balloon driver has been asked to move and has not (stuck driver). */
  driverIdleSeconds: number;
  overLimit: boolean;
  counters: TickCounters;
  stallPercent: number;
  /** The `memplane.io/restartedAt` annotation value last acted on ("" when none): a new value asks for a guest restart. */
  restartSeen: string;
  /** A guest restart was asked for and happens at the next admission pass (Running VMs only). */
  restartRequested: boolean;
  /** Simulated seconds of the last guest restart since power-on, or null when the guest was started from off. */
  restartedAt: number | null;
  /** Pages Hyper-V's Smart Paging may back on disk this tick (restart boot only; set by the hyperv policy). */
  smartPaging: number;
  /** Pages now in the Smart Paging file (a subset of the hypervisor-swapped pages). */
  smartPaged: number;
  /** Newest decision records (entitlement, balloon, swap, admission), bounded. */
  decisions: DecisionRecord[];
}

/** One host as the hypervisor tracks it. */
export interface HostRecord {
  name: string;
  generation: number;
  spec: ResolvedHost;
  /** Free host memory in pages; kept ≥ 0. */
  free: number;
  state: HostMemoryState;
  /** Simulated seconds since which the host could climb to a better state, or -1. */
  climbSince: number;
  /** Σ (reservation + overhead) of admitted VMs. */
  reserved: number;
  /** Σ swap files (memory − reservation) of admitted VMs. */
  swapFiles: number;
  /** Page-out and page-in budget left this tick (pages). */
  pageOutLeft: number;
  pageInLeft: number;
  /** Admitted VM keys in admission order. */
  vms: string[];
  /** Newest state-change decision records, bounded. */
  decisions: DecisionRecord[];
  /** The kernel's same-page merging daemon as its policy last set it (KVM hosts under MOM; absent elsewhere). */
  ksm?: KsmState;
}

/** ksmd's settings on a KVM host (/sys/kernel/mm/ksm: run, pages_to_scan, sleep_millisecs). */
export interface KsmState {
  run: boolean;
  pagesToScan: number;
  sleepMs: number;
}

/** Fresh per-tick counters. */
export function zeroCounters(): TickCounters {
  return { swapIns: 0, swapOuts: 0, compressions: 0, decompressions: 0, guestPageIns: 0, guestPageOuts: 0, stalledPages: 0, stalledGrowth: 0, doublePagings: 0 };
}

/** Guest pages in use by the guest OS and applications. */
export const usedOf = (v: VmRecord): number => v.usedMapped + v.usedCompressed + v.usedSwapped;
/** Guest pages touched and since freed (still backed). */
export const freeOf = (v: VmRecord): number => v.freeMapped + v.freeCompressed + v.freeSwapped;
/** Backed guest pages in host RAM (GRANT). */
export const mappedOf = (v: VmRecord): number => v.usedMapped + v.freeMapped;
/** Guest pages in the compression cache (ZIP). */
export const compressedOf = (v: VmRecord): number => v.usedCompressed + v.freeCompressed;
/** Guest pages in the hypervisor swap file (SWCUR). */
export const swappedOf = (v: VmRecord): number => v.usedSwapped + v.freeSwapped;
/** Pages ever touched since power-on and still backed. */
export const touchedOf = (v: VmRecord): number => usedOf(v) + freeOf(v);

/**
 * Consumed host memory (CNSM) of a VM: its mapped pages less what sharing saves, plus the host
 * pages its compressed pages fill (`compressionRatio` compressed pages per host page).
 */
export function consumedOf(v: VmRecord, compressionRatio: number): number {
  const mapped = mappedOf(v);
  return mapped - Math.min(v.sharedSavings, mapped) + Math.ceil(compressedOf(v) / compressionRatio);
}

/** Re-charges a VM's consumed memory to its host's free memory after a ledger change. */
export function recharge(v: VmRecord, host: HostRecord, compressionRatio: number): void {
  const now = consumedOf(v, compressionRatio);
  host.free -= now - v.charged;
  v.charged = now;
}

/** Active-memory estimate (ACTV): the larger of the fast and slow averages, in pages. */
export function activeOf(v: VmRecord): number {
  return Math.round(Math.max(v.activeFast, v.activeSlow));
}

/**
 * Splits `n` across buckets in proportion to their sizes (largest remainder, ties to the
 * earlier bucket), never taking more than a bucket holds. Deterministic.
 */
export function splitProportional(n: number, buckets: readonly number[]): number[] {
  const total = buckets.reduce((s, b) => s + b, 0);
  const out = buckets.map(() => 0);
  if (n <= 0 || total <= 0) return out;
  const take = Math.min(n, total);
  let given = 0;
  const rema: [number, number][] = [];
  buckets.forEach((b, i) => {
    const exact = (take * b) / total;
    const whole = Math.min(b, Math.floor(exact));
    out[i] = whole;
    given += whole;
    rema.push([exact - whole, i]);
  });
  rema.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  let left = take - given;
  for (let pass = 0; left > 0 && pass < 2; pass++) {
    for (const [, i] of rema) {
      if (left <= 0) break;
      if (out[i]! < buckets[i]!) {
        out[i]!++;
        left--;
      }
    }
  }
  return out;
}

/**
 * Takes n pages out of the guest-free mapped pages (the guest writes them, the balloon pins
 * them, or the host pages them out): the boot-zeroed ones among them go in proportion, so a
 * zeroed page touched by the guest stops being zero and `zeroed ≤ freeMapped` keeps holding.
 */
export function takeFreeMapped(v: VmRecord, n: number): void {
  if (n <= 0) return;
  if (v.zeroed > 0) {
    const left = v.freeMapped - n;
    const lost = Math.max(v.zeroed - Math.max(0, left), Math.min(v.zeroed, Math.round((n * v.zeroed) / v.freeMapped)));
    v.zeroed -= lost;
  }
  v.freeMapped -= n;
}

/** Moves n guest-free pages to used, keeping each page where the host holds it. */
export function moveFreeToUsed(v: VmRecord, n: number): void {
  const [m, c, s] = splitProportional(n, [v.freeMapped, v.freeCompressed, v.freeSwapped]);
  takeFreeMapped(v, m!);
  v.freeCompressed -= c!;
  v.freeSwapped -= s!;
  v.usedMapped += m!;
  v.usedCompressed += c!;
  v.usedSwapped += s!;
}

/** Moves n used pages to guest-free (the application freed them; the host keeps them). */
export function moveUsedToFree(v: VmRecord, n: number): void {
  const [m, c, s] = splitProportional(n, [v.usedMapped, v.usedCompressed, v.usedSwapped]);
  v.usedMapped -= m!;
  v.usedCompressed -= c!;
  v.usedSwapped -= s!;
  v.freeMapped += m!;
  v.freeCompressed += c!;
  v.freeSwapped += s!;
}

/** Takes n pages out of the guest's free (or used) pages, releasing their host backing wherever it is. */
export function releaseGuestPages(v: VmRecord, n: number, from: "free" | "used"): void {
  if (from === "free") {
    const [m, c, s] = splitProportional(n, [v.freeMapped, v.freeCompressed, v.freeSwapped]);
    takeFreeMapped(v, m!);
    v.freeCompressed -= c!;
    v.freeSwapped -= s!;
  } else {
    const [m, c, s] = splitProportional(n, [v.usedMapped, v.usedCompressed, v.usedSwapped]);
    v.usedMapped -= m!;
    v.usedCompressed -= c!;
    v.usedSwapped -= s!;
  }
}

/**
 * Empties a record's ledgers in place, as {@link newVmRecord} makes them (Pending, on its spec's
 * host, nothing admitted or touched); keeps key, names, generation, createdAt, spec, decisions
 * and restartSeen. Field by field, so a view's accessors are called by name (lifecycle.ts).
 */
export function resetVmRecord(v: VmRecord): void {
  const spec = v.spec;
  v.hostName = spec.hostName;
  v.phase = "Pending";
  v.admission = { admitted: false, reason: "Pending", message: "waiting for admission" };
  v.poweredOnAt = 0;
  v.memory = spec.memory;
  v.reservation = spec.reservation;
  v.overhead = spec.overhead;
  v.usedMapped = v.usedCompressed = v.usedSwapped = 0;
  v.freeMapped = v.freeCompressed = v.freeSwapped = 0;
  v.untouched = v.balloon = v.guestSwapped = v.zeroed = 0;
  v.hotMapped = v.hotCompressed = v.hotSwapped = 0;
  v.scanned = v.sharedZero = v.sharedCommon = v.sharedSavings = v.charged = 0;
  v.activeFast = v.activeSlow = v.activeSample = v.touchCarry = v.workingSet = v.wantAllocated = 0;
  v.entitlement = v.reclaim = v.balloonTarget = v.balloonMax = v.swapTarget = v.loggedEntitlement = 0;
  v.balloonStalled = false;
  v.driverIdleSeconds = 0;
  v.overLimit = false;
  v.counters = zeroCounters();
  v.stallPercent = 0;
  v.restartRequested = false;
  v.restartedAt = null;
  v.smartPaging = v.smartPaged = 0;
}

/** A VM record with empty ledgers (field order is the snapshot's JSON order). */
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
    zeroed: 0,
    hotMapped: 0,
    hotCompressed: 0,
    hotSwapped: 0,
    scanned: 0,
    sharedZero: 0,
    sharedCommon: 0,
    sharedSavings: 0,
    charged: 0,
    activeFast: 0,
    activeSlow: 0,
    activeSample: 0,
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
    restartSeen: "",
    restartRequested: false,
    restartedAt: null,
    smartPaging: 0,
    smartPaged: 0,
    decisions: [],
  };
}

