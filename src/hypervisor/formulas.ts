/**
 * Pure formulas of the memory model, in whole 4 KiB pages: minFree and state thresholds
 * (docs/memory-model.md, *Host memory states*), per-VM overhead (*Reservations, overhead and
 * admission*), shares and idle-tax water-filling (*Entitlement*), the balloon maximum (*Ballooning*).
 * Kept free of state so they can be unit-tested against hand-computed numbers.
 */
import type { HostMemoryState, MemoryStatesSpec, Shares } from "../api/types.js";

/** Pages per MiB (4 KiB pages). */
export const PAGES_PER_MIB = 256;
/** Pages per GiB. */
export const PAGES_PER_GIB = 256 * 1024;

/**
 * ESXi's sliding-scale minFree: 6 % of the first 4 GiB, 4 % of the next 8 GiB, 2 % of the next
 * 16 GiB and 1 % of the rest, rounded up to whole pages (exact integer arithmetic).
 */
export function autoMinFreePages(capacityPages: number): number {
  const bands: [number, number][] = [
    [4 * PAGES_PER_GIB, 6],
    [8 * PAGES_PER_GIB, 4],
    [16 * PAGES_PER_GIB, 2],
    [Number.POSITIVE_INFINITY, 1],
  ];
  let left = capacityPages;
  let hundredths = 0; // pages × percent
  for (const [size, pct] of bands) {
    const inBand = Math.min(left, size);
    hundredths += inBand * pct;
    left -= inBand;
    if (left <= 0) break;
  }
  return Math.ceil(hundredths / 100);
}

/**
 * memplane's default for the memory the VMkernel keeps for itself (`vmkernelReserved: auto`;
 * docs/memory-model.md, *The ledgers*): 1 GiB plus 1 % of capacity, but never more than a
 * quarter of a small host, in whole MiB. VMware publishes no single figure (it depends on the
 * drivers and features loaded); this size-dependent rule is ours, and the docs say what it rests on.
 */
export function autoVmkernelReservedPages(capacityPages: number): number {
  const rule = PAGES_PER_GIB + capacityPages / 100;
  return Math.floor(Math.min(rule, capacityPages / 4) / PAGES_PER_MIB) * PAGES_PER_MIB;
}

/** The states from most to least free memory. */
export const HOST_STATES: readonly HostMemoryState[] = ["high", "clear", "soft", "hard", "low"];

/** Rank of a state: 0 = high … 4 = low. */
export function stateRank(state: HostMemoryState): number {
  return HOST_STATES.indexOf(state);
}

/**
 * Threshold (percent of minFree) below which a host enters `state` from the state above it;
 * `high` has none (it is entered from above only by hysteresis on `clear`).
 */
export function enterThresholdPercent(state: HostMemoryState, s: MemoryStatesSpec): number {
  switch (state) {
    case "clear":
      return s.clear;
    case "soft":
      return s.soft;
    case "hard":
      return s.hard;
    case "low":
      return s.low;
    default:
      return Number.POSITIVE_INFINITY;
  }
}

/** The state for a free-page count, without hysteresis: the lowest state whose threshold free is below. */
export function stateForFree(freePages: number, minFreePages: number, s: MemoryStatesSpec): HostMemoryState {
  // free < pct% of minFree  ⇔  free × 100 < pct × minFree (exact in integers)
  const below = (pct: number): boolean => freePages * 100 < pct * minFreePages;
  if (below(s.low)) return "low";
  if (below(s.hard)) return "hard";
  if (below(s.soft)) return "soft";
  if (below(s.clear)) return "clear";
  return "high";
}

/**
 * The best state a host may climb to with hysteresis: a state above `current` is allowed when
 * free ≥ (threshold of the state just below it + hysteresis) % of minFree.
 */
export function climbTarget(
  current: HostMemoryState,
  freePages: number,
  minFreePages: number,
  s: MemoryStatesSpec,
): HostMemoryState {
  let target = current;
  for (let r = stateRank(current) - 1; r >= 0; r--) {
    const above = HOST_STATES[r]!;
    const leaving = HOST_STATES[r + 1]!; // to climb from `leaving` to `above`
    const pct = enterThresholdPercent(leaving, s) + s.hysteresis;
    if (freePages * 100 >= pct * minFreePages) target = above;
    else break;
  }
  return target;
}

/** Threshold in pages (rounded up) for a percent of minFree — for display and explanations. */
export function thresholdPages(pct: number, minFreePages: number): number {
  return Math.ceil((pct * minFreePages) / 100);
}

/**
 * Default per-VM overhead (docs/memory-model.md, *Reservations, overhead and admission*):
 * 18.3 MiB + 0.74 % of configured memory + 4 MiB per vCPU beyond the first, rounded up to pages.
 */
export function defaultOverheadPages(memoryPages: number, vcpus: number): number {
  // 18.3 MiB = 4684.8 pages; 0.74 % = 74/10000
  const tenThousandths = 46_848_000 + memoryPages * 74 + Math.max(0, vcpus - 1) * 4 * PAGES_PER_MIB * 10_000;
  return Math.ceil(tenThousandths / 10_000);
}

/** Shares per MiB of configured memory for the named levels (vSphere: low/normal/high = 5/10/20). */
export const SHARES_PER_MIB = { low: 5, normal: 10, high: 20 } as const;

/** A VM's memory shares S: level × configured MiB, or the number given. */
export function sharesValue(shares: Shares, memoryPages: number): number {
  if (typeof shares === "number") return shares;
  return (SHARES_PER_MIB[shares] * memoryPages) / PAGES_PER_MIB;
}

/** The caps that make up the balloon maximum (MCTLMAX), each in pages (docs/memory-model.md, *Ballooning*). */
export interface BalloonCaps {
  /** maxPercent of configured memory (Mem.CtlMaxPercent). */
  maxPercent: number;
  /** Configured memory minus the guest OS minimum and AppBalloonMaxSlack (the seed's rule); Infinity with the floor off. */
  osFloor: number;
  /** Configured memory minus the reservation (a reservation is never ballooned). */
  reservation: number;
  /** The VM's own maxBalloon (sched.mem.maxmemctl), or Infinity. */
  maxBalloon: number;
}

/** Which cap binds the balloon maximum. */
export type BalloonCapName = keyof BalloonCaps;

/** Computes each balloon cap and the maximum (the smallest, never below 0). */
export function balloonMaximum(input: {
  memoryPages: number;
  maxPercent: number;
  osMinimumPages: number;
  slackPages: number;
  reservationPages: number;
  maxBalloonPages?: number;
  /** Whether the seed's guest-OS floor applies (`spec.ballooning.guestFloor: seed`); default true. */
  guestFloor?: boolean;
}): { max: number; caps: BalloonCaps; binding: BalloonCapName } {
  const M = input.memoryPages;
  const caps: BalloonCaps = {
    maxPercent: Math.floor((M * input.maxPercent) / 100),
    osFloor: input.guestFloor === false ? Number.POSITIVE_INFINITY : M - (input.osMinimumPages + input.slackPages),
    reservation: M - input.reservationPages,
    maxBalloon: input.maxBalloonPages ?? Number.POSITIVE_INFINITY,
  };
  let binding: BalloonCapName = "maxPercent";
  for (const name of ["osFloor", "reservation", "maxBalloon"] as const) {
    if (caps[name] < caps[binding]) binding = name;
  }
  return { max: Math.max(0, caps[binding]), caps, binding };
}

/** One VM's input to idle-tax water-filling (docs/memory-model.md, *Entitlement*), pages except shares. */
export interface EntitlementInput {
  shares: number;
  active: number;
  lo: number;
  hi: number;
}

/** The outcome of water-filling on one host. */
export interface EntitlementResult {
  /** Entitlement per input, whole pages. */
  pages: number[];
  /** Whether Σ hi exceeded the memory available (contention). */
  contended: boolean;
  /** The water level λ (shares per adjusted page); Infinity-free: 0 when uncontended. */
  lambda: number;
}

/**
 * Idle-tax water-filling (Waldspurger 2002, section 5.2; docs/memory-model.md, *Entitlement*): find λ such that
 * Σ clamp(P_i(λ), lo_i, hi_i) = available, where P(λ) = a + (S/λ − a)/k if S/λ ≥ a else S/λ,
 * k = 1/(1 − τ). Solved exactly with a breakpoint sweep over x = 1/λ (each P is piecewise
 * linear and non-decreasing in x); results are floored to whole pages.
 */
export function waterFill(inputs: readonly EntitlementInput[], availablePages: number, idleTaxPercent: number): EntitlementResult {
  const n = inputs.length;
  const hiSum = inputs.reduce((s, v) => s + v.hi, 0);
  if (hiSum <= availablePages) return { pages: inputs.map((v) => v.hi), contended: false, lambda: 0 };
  const loSum = inputs.reduce((s, v) => s + Math.min(v.lo, v.hi), 0);
  if (loSum >= availablePages) return { pages: inputs.map((v) => Math.min(v.lo, v.hi)), contended: true, lambda: Number.MAX_VALUE };
  const k = 1 / (1 - idleTaxPercent / 100);
  // Unclamped P(x): slope S below x = a/S, slope S/k above (continuous at the knee).
  const raw = (v: EntitlementInput, x: number): number => {
    const sx = v.shares * x;
    return sx < v.active ? sx : v.active + (sx - v.active) / k;
  };
  const clampP = (v: EntitlementInput, x: number): number => Math.min(v.hi, Math.max(Math.min(v.lo, v.hi), raw(v, x)));
  // Inverse of raw: the x at which raw reaches p.
  const inverse = (v: EntitlementInput, p: number): number => {
    if (v.shares <= 0) return Number.POSITIVE_INFINITY;
    return p <= v.active ? p / v.shares : (v.active + (p - v.active) * k) / v.shares;
  };
  const breaks: number[] = [];
  for (const v of inputs) {
    const lo = Math.min(v.lo, v.hi);
    breaks.push(inverse(v, lo), inverse(v, v.hi));
    if (v.active > lo && v.active < v.hi) breaks.push(inverse(v, v.active));
  }
  const xs = breaks.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const total = (x: number): number => {
    let s = 0;
    for (const v of inputs) s += clampP(v, x);
    return s;
  };
  // Find the segment [x0, x1] whose totals bracket `available`; total is linear inside it.
  // total is non-decreasing in x, so the first breakpoint reaching `available` is found by
  // bisection (O(n log n) per host instead of O(n²)); the result is the same as a linear sweep.
  let x = xs.length ? xs[xs.length - 1]! : 0;
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (total(xs[mid]!) >= availablePages) hi = mid;
    else lo = mid + 1;
  }
  if (lo < xs.length) {
    const x1 = xs[lo]!;
    const t1 = total(x1);
    const x0 = lo > 0 ? xs[lo - 1]! : 0;
    const t0 = lo > 0 ? total(x0) : total(0);
    x = t1 === t0 ? x1 : x0 + ((availablePages - t0) * (x1 - x0)) / (t1 - t0);
  }
  const pages = new Array<number>(n);
  for (let i = 0; i < n; i++) pages[i] = Math.floor(clampP(inputs[i]!, x) + 1e-9);
  return { pages, contended: true, lambda: x > 0 ? 1 / x : Number.MAX_VALUE };
}
