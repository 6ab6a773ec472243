/**
 * The raw typed-array kernel: the same per-tick arithmetic the engine does for a cluster —
 * workload targets with ramps, active-memory averages (fast/slow EWMA), idle-tax water-filling
 * per host, host free memory and state, balloon and swap targets — on Float64Arrays, with no
 * objects, no store, no status, no logs. It is the floor the engine is measured against
 * (engine ms per tick ÷ kernel ms per tick): what the simulation costs when only arithmetic is left.
 */
import type { ManifestObject } from "../src/api/types.js";
import { parseDuration } from "../src/api/duration.js";
import { parseQuantity } from "../src/api/quantity.js";
import { ACTIVE_SAMPLING } from "../src/hypervisor/memory-model.js";
import { autoMinFreePages, defaultOverheadPages, sharesValue } from "../src/hypervisor/formulas.js";

const PAGE = 4096n;
const pages = (q: string): number => Number(parseQuantity(q) / PAGE);

/** Per-VM and per-host arrays; VMs of one host are contiguous (`hostStart[h]` … `hostStart[h+1]`). */
export interface KernelCluster {
  hostCount: number;
  vmCount: number;
  hostStart: Int32Array;
  capacity: Float64Array;
  minFree: Float64Array;
  /** 0 high, 1 clear, 2 soft, 3 hard, 4 low. */
  hostState: Uint8Array;
  memory: Float64Array;
  overhead: Float64Array;
  shares: Float64Array;
  reservation: Float64Array;
  limit: Float64Array;
  balloonMax: Float64Array;
  /** Workload: base and peak allocated fraction, active fraction, phase start/end/ramp seconds. */
  baseFrac: Float64Array;
  peakFrac: Float64Array;
  activeFrac: Float64Array;
  upAt: Float64Array;
  upRamp: Float64Array;
  downAt: Float64Array;
  downRamp: Float64Array;
  /** State stepped every tick. */
  touched: Float64Array;
  fastAvg: Float64Array;
  slowAvg: Float64Array;
  entitlement: Float64Array;
  balloonTarget: Float64Array;
  swapTarget: Float64Array;
  /** Water-filling scratch, sized for the largest host. */
  scratchX: Float64Array;
}

const pct = (s: unknown, fallback: number): number => (typeof s === "string" && s.endsWith("%") ? Number(s.slice(0, -1)) / 100 : fallback);

/** Per-VM inputs of the kernel, one number per field, in the order the VMs were read. */
const VM_FIELDS = ["memory", "overhead", "shares", "reservation", "limit", "balloonMax", "baseFrac", "peakFrac", "activeFrac", "upAt", "upRamp", "downAt", "downRamp"] as const;

/**
 * Builds the kernel's arrays from generated manifests, in one pass over any iterable (so a
 * million VMs can stream from a generator without being held as objects): each VM's spec is
 * reduced to numbers as it is read, and VMs are grouped by host (in host order) at the end.
 */
export function buildKernelCluster(objects: Iterable<ManifestObject>): KernelCluster {
  type VmSpec = {
    hostName: string;
    memory: string;
    vcpus?: number;
    shares?: "low" | "normal" | "high" | number;
    reservation?: string;
    limit?: string;
    workload?: { allocated?: string; active?: number; phases?: { after: string; allocated: string; rampSeconds?: number }[] };
  };
  const hostIndex = new Map<string, number>();
  const hostCapacity: number[] = [];
  const vmHost: number[] = [];
  const columns = Object.fromEntries(VM_FIELDS.map((f) => [f, [] as number[]])) as Record<(typeof VM_FIELDS)[number], number[]>;
  const pendingHost: string[] = []; // VMs read before their host (not how generateCluster emits them, but allowed)
  for (const o of objects) {
    if (o.kind === "Host") {
      const host = o as unknown as { metadata: { name: string }; spec: { capacity: string; vmkernelReserved?: string } };
      hostIndex.set(host.metadata.name, hostCapacity.length);
      hostCapacity.push(pages(host.spec.capacity) - pages(host.spec.vmkernelReserved ?? "0"));
      continue;
    }
    if (o.kind !== "VirtualMachine") continue;
    const spec = (o as unknown as { spec: VmSpec }).spec;
    const h = hostIndex.get(spec.hostName);
    if (h === undefined) pendingHost[vmHost.length] = spec.hostName;
    vmHost.push(h ?? -1);
    const mem = pages(spec.memory);
    const reservation = spec.reservation ? pages(spec.reservation) : 0;
    const w = spec.workload ?? {};
    const [up, down] = w.phases ?? [];
    const baseFrac = pct(w.allocated, 0.5);
    columns.memory.push(mem);
    columns.overhead.push(defaultOverheadPages(mem, spec.vcpus ?? 1));
    columns.shares.push(sharesValue(spec.shares ?? "normal", mem));
    columns.reservation.push(reservation);
    columns.limit.push(spec.limit ? pages(spec.limit) : Number.POSITIVE_INFINITY);
    columns.balloonMax.push(Math.max(0, Math.min(Math.floor(mem * 0.65), mem - reservation)));
    columns.baseFrac.push(baseFrac);
    columns.activeFrac.push((w.active ?? 20) / 100);
    columns.upAt.push(up ? parseDuration(up.after) : Number.POSITIVE_INFINITY);
    columns.upRamp.push(up?.rampSeconds ?? 0);
    columns.peakFrac.push(up ? pct(up.allocated, baseFrac) : baseFrac);
    columns.downAt.push(down ? parseDuration(down.after) : Number.POSITIVE_INFINITY);
    columns.downRamp.push(down?.rampSeconds ?? 0);
  }
  for (const [v, name] of pendingHost.entries()) if (name !== undefined) vmHost[v] = hostIndex.get(name) ?? -1;
  const hostCount = hostCapacity.length;
  // counting sort of the VMs by host (stable: a host's VMs keep their order); VMs of unknown hosts are dropped
  const hostStart = new Int32Array(hostCount + 1);
  for (const h of vmHost) if (h >= 0) hostStart[h + 1]!++;
  let widest = 0;
  for (let h = 0; h < hostCount; h++) {
    widest = Math.max(widest, hostStart[h + 1]!);
    hostStart[h + 1]! += hostStart[h]!;
  }
  const vmCount = hostStart[hostCount]!;
  const slot = new Int32Array(vmHost.length);
  const next = hostStart.slice(0, hostCount);
  for (const [v, h] of vmHost.entries()) slot[v] = h >= 0 ? next[h]!++ : -1;
  const f = (): Float64Array => new Float64Array(vmCount);
  const placed = (values: readonly number[]): Float64Array => {
    const out = f();
    for (let v = 0; v < values.length; v++) if (slot[v]! >= 0) out[slot[v]!] = values[v]!;
    return out;
  };
  const c: KernelCluster = {
    hostCount,
    vmCount,
    hostStart,
    capacity: Float64Array.from(hostCapacity),
    minFree: Float64Array.from(hostCapacity, (cap) => autoMinFreePages(cap)),
    hostState: new Uint8Array(hostCount),
    memory: placed(columns.memory),
    overhead: placed(columns.overhead),
    shares: placed(columns.shares),
    reservation: placed(columns.reservation),
    limit: placed(columns.limit),
    balloonMax: placed(columns.balloonMax),
    baseFrac: placed(columns.baseFrac),
    peakFrac: placed(columns.peakFrac),
    activeFrac: placed(columns.activeFrac),
    upAt: placed(columns.upAt),
    upRamp: placed(columns.upRamp),
    downAt: placed(columns.downAt),
    downRamp: placed(columns.downRamp),
    touched: f(),
    fastAvg: f(),
    slowAvg: f(),
    entitlement: f(),
    balloonTarget: f(),
    swapTarget: f(),
    scratchX: new Float64Array(widest * 3 + 1),
  };
  return c;
}

/** Allocated fraction at time t: base, ramp up to peak, ramp back down. */
function allocatedAt(c: KernelCluster, v: number, t: number): number {
  const base = c.baseFrac[v]!;
  const peak = c.peakFrac[v]!;
  const upAt = c.upAt[v]!;
  if (t < upAt) return base;
  const upRamp = c.upRamp[v]!;
  const downAt = c.downAt[v]!;
  if (t < downAt) return upRamp > 0 && t < upAt + upRamp ? base + ((peak - base) * (t - upAt)) / upRamp : peak;
  const downRamp = c.downRamp[v]!;
  return downRamp > 0 && t < downAt + downRamp ? peak + ((base - peak) * (t - downAt)) / downRamp : base;
}

/** Clamped water-filling share P(x) of VM v. */
function fillAt(c: KernelCluster, v: number, x: number, k: number, lo: number, hi: number, active: number): number {
  const sx = c.shares[v]! * x;
  const raw = sx < active ? sx : active + (sx - active) / k;
  return raw < lo ? lo : raw > hi ? hi : raw;
}

/**
 * Idle-tax water-filling for host h on typed arrays (the same breakpoint sweep as
 * `waterFill` in src/hypervisor/formulas.ts, with a binary search for the bracketing segment).
 */
function waterFillHost(c: KernelCluster, h: number, available: number, k: number): void {
  const from = c.hostStart[h]!;
  const to = c.hostStart[h + 1]!;
  let hiSum = 0;
  let loSum = 0;
  for (let v = from; v < to; v++) {
    const hi = Math.min(c.memory[v]!, c.limit[v]!);
    hiSum += hi;
    loSum += Math.min(c.reservation[v]!, hi);
  }
  if (hiSum <= available || loSum >= available) {
    const contended = hiSum > available;
    for (let v = from; v < to; v++) {
      const hi = Math.min(c.memory[v]!, c.limit[v]!);
      c.entitlement[v] = contended ? Math.min(c.reservation[v]!, hi) : hi;
    }
    return;
  }
  const xs = c.scratchX;
  let n = 0;
  for (let v = from; v < to; v++) {
    const s = c.shares[v]!;
    if (s <= 0) continue;
    const hi = Math.min(c.memory[v]!, c.limit[v]!);
    const lo = Math.min(c.reservation[v]!, hi);
    const a = Math.max(c.fastAvg[v]!, c.slowAvg[v]!);
    const inv = (p: number): number => (p <= a ? p / s : (a + (p - a) * k) / s);
    xs[n++] = inv(lo);
    xs[n++] = inv(hi);
    if (a > lo && a < hi) xs[n++] = inv(a);
  }
  const sorted = xs.subarray(0, n).sort();
  const total = (x: number): number => {
    let sum = 0;
    for (let v = from; v < to; v++) {
      const hi = Math.min(c.memory[v]!, c.limit[v]!);
      sum += fillAt(c, v, x, k, Math.min(c.reservation[v]!, hi), hi, Math.max(c.fastAvg[v]!, c.slowAvg[v]!));
    }
    return sum;
  };
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (total(sorted[mid]!) >= available) hi = mid;
    else lo = mid + 1;
  }
  const x1 = sorted[lo]!;
  const x0 = lo > 0 ? sorted[lo - 1]! : 0;
  const t0 = total(x0);
  const t1 = total(x1);
  const x = t1 === t0 ? x1 : x0 + ((available - t0) * (x1 - x0)) / (t1 - t0);
  for (let v = from; v < to; v++) {
    const vh = Math.min(c.memory[v]!, c.limit[v]!);
    c.entitlement[v] = Math.floor(fillAt(c, v, x, k, Math.min(c.reservation[v]!, vh), vh, Math.max(c.fastAvg[v]!, c.slowAvg[v]!)) + 1e-9);
  }
}

/** Runs one tick of the kernel at simulated time `t` (seconds, end of tick) with `dt` seconds per tick. */
export function kernelTick(c: KernelCluster, t: number, dt: number, idleTaxPercent = 75): void {
  const fast = 1 - Math.exp(-dt / ACTIVE_SAMPLING.fastSeconds);
  const slow = 1 - Math.exp(-dt / ACTIVE_SAMPLING.slowSeconds);
  const k = 1 / (1 - idleTaxPercent / 100);
  for (let h = 0; h < c.hostCount; h++) {
    const from = c.hostStart[h]!;
    const to = c.hostStart[h + 1]!;
    let overheads = 0;
    let consumed = 0;
    // guest workloads and active-memory averages
    for (let v = from; v < to; v++) {
      const mem = c.memory[v]!;
      const want = Math.round(mem * allocatedAt(c, v, t));
      c.touched[v] = Math.max(c.touched[v]!, want);
      const target = want * c.activeFrac[v]!;
      c.fastAvg[v] = c.fastAvg[v]! + (target - c.fastAvg[v]!) * fast;
      c.slowAvg[v] = c.slowAvg[v]! + (target - c.slowAvg[v]!) * slow;
      overheads += c.overhead[v]!;
      consumed += c.touched[v]! - c.balloonTarget[v]! - c.swapTarget[v]! + c.overhead[v]!;
    }
    const cap = c.capacity[h]!;
    waterFillHost(c, h, cap - overheads, k);
    // host state from free memory (no hysteresis in the floor)
    const free = cap - consumed;
    const minFree = c.minFree[h]!;
    const state = free * 100 < 100 * minFree ? (free * 100 < 64 * minFree ? (free * 100 < 32 * minFree ? 4 : 3) : 2) : free * 100 < 300 * minFree ? 1 : 0;
    c.hostState[h] = state;
    // balloon (soft and below) and swap (hard and below) targets: take back what is above entitlement
    for (let v = from; v < to; v++) {
      const excess = Math.max(0, c.touched[v]! - c.entitlement[v]!);
      const balloon = state >= 2 ? Math.min(c.balloonMax[v]!, excess) : 0;
      c.balloonTarget[v] = balloon;
      c.swapTarget[v] = state >= 3 ? Math.max(0, excess - balloon) : 0;
    }
  }
}
