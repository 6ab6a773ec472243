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

/** Builds the kernel's arrays from generated manifests (hosts before their VMs, as generateCluster emits them). */
export function buildKernelCluster(objects: readonly ManifestObject[]): KernelCluster {
  const hosts = objects.filter((o) => o.kind === "Host") as unknown as { metadata: { name: string }; spec: { capacity: string; vmkernelReserved?: string } }[];
  type VmSpec = {
    hostName: string;
    memory: string;
    vcpus?: number;
    shares?: "low" | "normal" | "high" | number;
    reservation?: string;
    limit?: string;
    workload?: { allocated?: string; active?: number; phases?: { after: string; allocated: string; rampSeconds?: number }[] };
  };
  const vmsByHost = new Map<string, VmSpec[]>();
  for (const o of objects) {
    if (o.kind !== "VirtualMachine") continue;
    const spec = (o as unknown as { spec: VmSpec }).spec;
    let list = vmsByHost.get(spec.hostName);
    if (list === undefined) vmsByHost.set(spec.hostName, (list = []));
    list.push(spec);
  }
  const hostCount = hosts.length;
  const vmCount = [...vmsByHost.values()].reduce((s, l) => s + l.length, 0);
  const f = (): Float64Array => new Float64Array(vmCount);
  const c: KernelCluster = {
    hostCount,
    vmCount,
    hostStart: new Int32Array(hostCount + 1),
    capacity: new Float64Array(hostCount),
    minFree: new Float64Array(hostCount),
    hostState: new Uint8Array(hostCount),
    memory: f(),
    overhead: f(),
    shares: f(),
    reservation: f(),
    limit: f(),
    balloonMax: f(),
    baseFrac: f(),
    peakFrac: f(),
    activeFrac: f(),
    upAt: f(),
    upRamp: f(),
    downAt: f(),
    downRamp: f(),
    touched: f(),
    fastAvg: f(),
    slowAvg: f(),
    entitlement: f(),
    balloonTarget: f(),
    swapTarget: f(),
    scratchX: new Float64Array(0),
  };
  let v = 0;
  let widest = 0;
  for (let h = 0; h < hostCount; h++) {
    const host = hosts[h]!;
    c.hostStart[h] = v;
    const cap = pages(host.spec.capacity) - pages(host.spec.vmkernelReserved ?? "0");
    c.capacity[h] = cap;
    c.minFree[h] = autoMinFreePages(cap);
    const list = vmsByHost.get(host.metadata.name) ?? [];
    widest = Math.max(widest, list.length);
    for (const spec of list) {
      const mem = pages(spec.memory);
      c.memory[v] = mem;
      c.overhead[v] = defaultOverheadPages(mem, spec.vcpus ?? 1);
      c.shares[v] = sharesValue(spec.shares ?? "normal", mem);
      c.reservation[v] = spec.reservation ? pages(spec.reservation) : 0;
      c.limit[v] = spec.limit ? pages(spec.limit) : Number.POSITIVE_INFINITY;
      c.balloonMax[v] = Math.max(0, Math.min(Math.floor(mem * 0.65), mem - c.reservation[v]!));
      const w = spec.workload ?? {};
      c.baseFrac[v] = pct(w.allocated, 0.5);
      c.activeFrac[v] = (w.active ?? 20) / 100;
      const [up, down] = w.phases ?? [];
      c.upAt[v] = up ? parseDuration(up.after) : Number.POSITIVE_INFINITY;
      c.upRamp[v] = up?.rampSeconds ?? 0;
      c.peakFrac[v] = up ? pct(up.allocated, c.baseFrac[v]!) : c.baseFrac[v]!;
      c.downAt[v] = down ? parseDuration(down.after) : Number.POSITIVE_INFINITY;
      c.downRamp[v] = down?.rampSeconds ?? 0;
      v++;
    }
  }
  c.hostStart[hostCount] = v;
  c.scratchX = new Float64Array(widest * 3 + 1);
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
