/**
 * The guest workload (docs/memory-model.md, *The guest workload and its phases* and *Active
 * memory estimate*): each tick a running guest's allocation grows (free pages first, then
 * untouched ones that need new host pages, then guest paging) or shrinks (pages become
 * guest-free while the host keeps them), and its working set is touched, faulting in swapped,
 * compressed and guest-swapped pages. The active estimate and the stall percentage follow.
 */
import { ACTIVE_SAMPLING, updateActiveEstimate } from "./active-memory.js";
import { type ModelEnvironment, roundRandom } from "./environment.js";
import { type HostRecord, type VmRecord, consumedOf, freeOf, moveFreeToUsed, moveUsedToFree, recharge, usedOf } from "./ledger.js";
import { workloadAt } from "./resolved.js";

/** Latencies (seconds per fault) that are not per-host settings (docs/memory-model.md, *Cost of reclamation*). */
export const FAULT_LATENCY = { decompress: 20e-6, guestPageIn: 1e-3 } as const;

/** Steps a running VM's guest workload by one tick of `dt` seconds ending at `timeSeconds` (nothing without its host). */
export function stepGuest(v: VmRecord, host: HostRecord | undefined, env: ModelEnvironment, timeSeconds: number, dt: number): void {
  if (!host || v.phase !== "Running") return;
  const want = workloadAt(v.spec.workload, timeSeconds - v.poweredOnAt);
  const wantAllocated = want.allocated;
  v.wantAllocated = wantAllocated;
  const demand = usedOf(v) + v.guestSwapped;
  if (wantAllocated > demand) grow(v, host, env, wantAllocated - demand);
  else if (wantAllocated < demand) shrink(v, demand - wantAllocated);
  recharge(v, host, env.compressionRatio);

  // Working set and access (touches spread over the sample period).
  const appPages = usedOf(v) + v.guestSwapped;
  const ws = Math.round((appPages * Math.max(0, Math.min(100, want.active))) / 100);
  v.workingSet = ws;
  v.touchCarry += (ws * dt) / ACTIVE_SAMPLING.samplePeriod;
  const touches = Math.floor(v.touchCarry);
  v.touchCarry -= touches;
  if (touches > 0 && ws > 0) access(v, host, env, touches, ws);

  // Active estimate: fast and slow moving averages of the (sampled) working set.
  updateActiveEstimate(v, host, env, timeSeconds - v.poweredOnAt, dt, ws);
  updateStall(v, host, dt);
}

/** Allocation grows: free pages first, then untouched (new host pages), then guest paging. */
function grow(v: VmRecord, host: HostRecord, env: ModelEnvironment, delta: number): void {
  let left = delta;
  // 1. free pages (already backed; the guest does not know where the host keeps them)
  const fromFree = Math.min(left, freeOf(v));
  if (fromFree > 0) {
    moveFreeToUsed(v, fromFree);
    left -= fromFree;
  }
  // 2. untouched pages: each needs a new host page; blocked in low for VMs above entitlement.
  if (left > 0 && v.untouched > 0) {
    const blocked = host.state === "low" && consumedOf(v, env.compressionRatio) > v.entitlement;
    const canTake = blocked ? 0 : Math.min(left, v.untouched, host.free);
    v.untouched -= canTake;
    v.usedMapped += canTake;
    host.free -= canTake;
    v.charged += canTake;
    // Hyper-V Smart Paging: while a restarted guest boots, what the host cannot back goes to disk.
    const paged = blocked ? 0 : Math.min(left - canTake, v.untouched, Math.max(0, v.smartPaging - v.smartPaged));
    v.untouched -= paged;
    v.usedSwapped += paged;
    v.smartPaged += paged;
    left -= paged;
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
function shrink(v: VmRecord, delta: number): void {
  const used = usedOf(v);
  const total = used + v.guestSwapped;
  if (total <= 0) return;
  const fromSwap = Math.min(v.guestSwapped, Math.round((delta * v.guestSwapped) / total));
  v.guestSwapped -= fromSwap;
  const fromUsed = Math.min(used, delta - fromSwap);
  moveUsedToFree(v, fromUsed);
}

/** Working-set touches: guest page-ins when the working set exceeds guest RAM, host swap-ins and decompressions blindly. */
function access(v: VmRecord, host: HostRecord, env: ModelEnvironment, touches: number, ws: number): void {
  const used = usedOf(v);
  // Guest-swapped part: the guest keeps its working set resident while it fits.
  const outside = Math.max(0, ws - used);
  const guestFaults = Math.min(v.guestSwapped, roundRandom((touches * outside) / ws, env.rng));
  if (guestFaults > 0) guestPageIn(v, host, env, guestFaults);
  const resident = touches - guestFaults;
  const u = usedOf(v);
  if (resident <= 0 || u <= 0) return;
  const swapIns = Math.min(v.usedSwapped, roundRandom((resident * v.usedSwapped) / u, env.rng));
  const decompress = Math.min(v.usedCompressed, roundRandom((resident * v.usedCompressed) / u, env.rng));
  // Swap-ins need a free host page and page-in throughput.
  const servedIn = Math.max(0, Math.min(swapIns, host.pageInLeft, host.free));
  host.pageInLeft -= servedIn;
  v.usedSwapped -= servedIn;
  v.usedMapped += servedIn;
  v.counters.swapIns += servedIn;
  v.counters.stalledPages += swapIns - servedIn;
  recharge(v, host, env.compressionRatio);
  // Decompression needs the difference between a whole and half a page.
  const servedDz = Math.max(0, Math.min(decompress, host.free * env.compressionRatio));
  v.usedCompressed -= servedDz;
  v.usedMapped += servedDz;
  v.counters.decompressions += servedDz;
  v.counters.stalledPages += decompress - servedDz;
  recharge(v, host, env.compressionRatio);
  if (host.free < 0) rebalanceNegativeFree(v, host, env);
}

/** Guest pages in from its swap: needs a free guest page (free, then untouched), else it evicts a cold used page. */
function guestPageIn(v: VmRecord, host: HostRecord, env: ModelEnvironment, n: number): void {
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
    recharge(v, host, env.compressionRatio);
    left -= fromUntouched;
  }
  // No room: the guest pages out a cold page to bring a hot one in (thrashing).
  v.counters.guestPageIns += n;
  v.counters.guestPageOuts += left;
}

/** Safety net: a decompression raced free below zero by a rounding page — swap one back out. */
function rebalanceNegativeFree(v: VmRecord, host: HostRecord, env: ModelEnvironment): void {
  const need = -host.free;
  const take = Math.min(need, v.usedMapped);
  v.usedMapped -= take;
  v.usedSwapped += take;
  v.counters.swapOuts += take;
  recharge(v, host, env.compressionRatio);
}

/**
 * The share of the tick the guest's vCPUs spent waiting for faults, paging and stalled
 * allocations, percent, from this tick's counters (recomputed when the balloon makes the guest page).
 */
export function updateStall(v: VmRecord, host: HostRecord, dt: number): void {
  const c = v.counters;
  const wait =
    c.swapIns * host.spec.swap.swapInLatency +
    c.decompressions * FAULT_LATENCY.decompress +
    (c.guestPageIns + c.guestPageOuts) * FAULT_LATENCY.guestPageIn +
    (c.stalledPages + c.stalledGrowth) * host.spec.swap.swapInLatency;
  v.stallPercent = Math.min(100, Math.round(((wait / (Math.max(1, v.spec.vcpus) * dt)) * 100) * 100) / 100);
}
