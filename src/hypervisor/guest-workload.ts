/**
 * The guest workload (docs/memory-model.md, *The guest workload and its phases* and *Active
 * memory estimate*): each tick a running guest's allocation grows (free pages first, then
 * untouched ones that need new host pages within the VM's limit, then guest paging) or shrinks
 * (pages become guest-free while the host keeps them), and its working set — a stable, slowly
 * drifting subset of its pages (working-set.ts) — is touched, faulting back the hot pages the
 * host swapped or compressed and guest-swapped ones. The active estimate and the stall
 * percentage follow.
 */
import { ACTIVE_SAMPLING, updateActiveEstimate } from "./active-memory.js";
import { type ModelEnvironment, roundRandom } from "./environment.js";
import { type HostRecord, type VmRecord, consumedOf, freeOf, moveFreeToUsed, recharge, usedOf } from "./ledger.js";
import { type SwapRoom, enforceLimit, roomFor } from "./limit.js";
import { workloadAt } from "./resolved.js";
import { chooseBlind, chooseColdFirst, driftWorkingSet, hotAmong, hotOf, resizeWorkingSet } from "./working-set.js";

/** Latencies (seconds per fault) that are not per-host settings (docs/memory-model.md, *Cost of reclamation*). */
export const FAULT_LATENCY = { decompress: 20e-6, guestPageIn: 1e-3 } as const;

/** Steps a running VM's guest workload by one tick of `dt` seconds ending at `timeSeconds` (nothing without its host). */
export function stepGuest(v: VmRecord, host: HostRecord | undefined, env: ModelEnvironment, timeSeconds: number, dt: number, swapRoom: SwapRoom = () => Number.POSITIVE_INFINITY): void {
  if (!host || v.phase !== "Running") return;
  const want = workloadAt(v.spec.workload, timeSeconds - v.poweredOnAt);
  const wantAllocated = want.allocated;
  v.wantAllocated = wantAllocated;
  enforceLimit(v, host, env, swapRoom);
  const demand = usedOf(v) + v.guestSwapped;
  if (wantAllocated > demand) grow(v, host, env, wantAllocated - demand, swapRoom);
  else if (wantAllocated < demand) shrink(v, demand - wantAllocated, env);
  recharge(v, host, env.compressionRatio);

  // Working set (a stable, drifting subset of the used pages) and access (touches spread over the sample period).
  const appPages = usedOf(v) + v.guestSwapped;
  const ws = Math.round((appPages * Math.max(0, Math.min(100, want.active))) / 100);
  v.workingSet = ws;
  resizeWorkingSet(v, Math.min(ws, usedOf(v)), env.rng);
  driftWorkingSet(v, dt, ACTIVE_SAMPLING.samplePeriod, env.rng);
  v.touchCarry += (ws * dt) / ACTIVE_SAMPLING.samplePeriod;
  const touches = Math.floor(v.touchCarry);
  v.touchCarry -= touches;
  if (touches > 0 && ws > 0) access(v, host, env, touches, ws, swapRoom);

  // Active estimate: fast and slow moving averages of the (sampled) working set.
  updateActiveEstimate(v, host, env, timeSeconds - v.poweredOnAt, dt, ws);
  updateStall(v, host, dt);
}

/** Allocation grows: free pages first, then untouched (new host pages, within the limit), then guest paging. */
function grow(v: VmRecord, host: HostRecord, env: ModelEnvironment, delta: number, swapRoom: SwapRoom): void {
  let left = delta;
  // 1. free pages (already backed; the guest does not know where the host keeps them)
  const fromFree = Math.min(left, freeOf(v));
  if (fromFree > 0) {
    moveFreeToUsed(v, fromFree);
    left -= fromFree;
  }
  // 2. untouched pages: each needs a new host page; blocked in low for VMs above entitlement.
  if (left > 0 && v.untouched > 0) {
    const wanted = Math.min(left, v.untouched);
    const blocked = host.state === "low" && consumedOf(v, env.compressionRatio) > v.entitlement;
    const canTake = blocked ? 0 : roomFor(v, host, env, wanted, swapRoom);
    v.untouched -= canTake;
    v.usedMapped += canTake;
    recharge(v, host, env.compressionRatio);
    // Hyper-V Smart Paging: while a restarted guest boots, what the host cannot back goes to disk.
    const paged = blocked ? 0 : Math.min(wanted - canTake, v.untouched, Math.max(0, v.smartPaging - v.smartPaged));
    v.untouched -= paged;
    v.usedSwapped += paged;
    v.smartPaged += paged;
    v.counters.stalledGrowth += wanted - canTake - paged;
    left -= wanted;
  }
  // 3. guest paging: no free or untouched page left (the balloon holds them).
  if (left > 0) {
    const room = Math.max(0, v.spec.guestSwap - v.guestSwapped);
    const paged = evictForReuse(v, host, env, Math.min(left, room, usedOf(v)), swapRoom);
    v.guestSwapped += paged;
    v.counters.guestPageOuts += paged;
    v.counters.stalledGrowth += left - paged;
  }
}

/** Allocation shrinks: pages move from used (and proportionally guest swap) to free; host backing stays. */
function shrink(v: VmRecord, delta: number, env: ModelEnvironment): void {
  const used = usedOf(v);
  const total = used + v.guestSwapped;
  if (total <= 0) return;
  const fromSwap = Math.min(v.guestSwapped, Math.round((delta * v.guestSwapped) / total));
  v.guestSwapped -= fromSwap;
  const freed = chooseBlind(v, Math.min(used, delta - fromSwap), env.rng);
  v.usedMapped -= freed.mapped;
  v.usedCompressed -= freed.compressed;
  v.usedSwapped -= freed.swapped;
  v.freeMapped += freed.mapped;
  v.freeCompressed += freed.compressed;
  v.freeSwapped += freed.swapped;
}

/**
 * The guest writes `n` of its coldest used pages to its own swap and reuses their frames. A
 * victim the host had swapped or compressed must be read back first (double paging): it needs
 * a host page within the limit, costs a swap-in or decompression and ends mapped. Returns the
 * pages evicted (the rest wait for a host page).
 */
function evictForReuse(v: VmRecord, host: HostRecord, env: ModelEnvironment, n: number, swapRoom: SwapRoom): number {
  if (n <= 0) return 0;
  const victims = chooseColdFirst(v, n, env.rng);
  const back = victims.swapped + victims.compressed;
  const room = roomFor(v, host, env, back, swapRoom);
  const s = Math.min(victims.swapped, room);
  const c = Math.min(victims.compressed, room - s);
  v.usedSwapped -= s;
  v.usedCompressed -= c;
  v.usedMapped += s + c;
  v.counters.swapIns += s;
  v.counters.decompressions += c;
  v.counters.doublePagings += s + c;
  host.pageInLeft = Math.max(0, host.pageInLeft - s);
  recharge(v, host, env.compressionRatio);
  return victims.mapped + s + c;
}

/** Working-set touches: guest page-ins when the working set exceeds guest RAM; host swap-ins and decompressions of hot pages only. */
function access(v: VmRecord, host: HostRecord, env: ModelEnvironment, touches: number, ws: number, swapRoom: SwapRoom): void {
  const used = usedOf(v);
  // Guest-swapped part: the guest keeps its working set resident while it fits.
  const outside = Math.max(0, ws - used);
  const guestFaults = Math.min(v.guestSwapped, roundRandom((touches * outside) / ws, env.rng));
  if (guestFaults > 0) guestPageIn(v, host, env, guestFaults, swapRoom);
  const resident = touches - guestFaults;
  const hot = hotOf(v);
  if (resident <= 0 || hot <= 0) return;
  const swapIns = Math.min(v.hotSwapped, roundRandom((resident * v.hotSwapped) / hot, env.rng));
  const decompress = Math.min(v.hotCompressed, roundRandom((resident * v.hotCompressed) / hot, env.rng));
  // Swap-ins need page-in throughput and a host page (within the limit); the page stays hot.
  const servedIn = roomFor(v, host, env, Math.min(swapIns, host.pageInLeft), swapRoom);
  host.pageInLeft -= servedIn;
  v.usedSwapped -= servedIn;
  v.hotSwapped -= servedIn;
  v.usedMapped += servedIn;
  v.hotMapped += servedIn;
  v.counters.swapIns += servedIn;
  v.counters.stalledPages += swapIns - servedIn;
  recharge(v, host, env.compressionRatio);
  // Decompression needs the difference between a whole and a compressed page.
  const servedDz = decompressible(v, host, env, Math.min(decompress, v.hotCompressed), swapRoom);
  v.usedCompressed -= servedDz;
  v.hotCompressed -= servedDz;
  v.usedMapped += servedDz;
  v.hotMapped += servedDz;
  v.counters.decompressions += servedDz;
  v.counters.stalledPages += decompress - servedDz;
  recharge(v, host, env.compressionRatio);
  if (host.free < 0) rebalanceNegativeFree(v, host, env);
}

/** How many of `k` compressed pages can be decompressed: each costs at most 1 − 1/ratio host pages, found within free memory and the limit. */
function decompressible(v: VmRecord, host: HostRecord, env: ModelEnvironment, k: number, swapRoom: SwapRoom): number {
  const r = env.compressionRatio;
  if (k <= 0) return 0;
  if (r <= 1) return k;
  const cost = (n: number): number => n - Math.floor(n / r);
  const room = roomFor(v, host, env, cost(k), swapRoom);
  let n = Math.min(k, Math.floor((room * r) / (r - 1)));
  while (n > 0 && cost(n) > room) n--;
  return n;
}

/** Guest pages in from its swap: needs a free guest page (free, then untouched), else it evicts a cold used page. */
function guestPageIn(v: VmRecord, host: HostRecord, env: ModelEnvironment, n: number, swapRoom: SwapRoom): void {
  let left = n;
  const fromFree = Math.min(left, freeOf(v));
  if (fromFree > 0) {
    moveFreeToUsed(v, fromFree);
    v.guestSwapped -= fromFree;
    left -= fromFree;
  }
  const fromUntouched = roomFor(v, host, env, Math.min(left, v.untouched), swapRoom);
  if (fromUntouched > 0) {
    v.untouched -= fromUntouched;
    v.usedMapped += fromUntouched;
    v.guestSwapped -= fromUntouched;
    recharge(v, host, env.compressionRatio);
    left -= fromUntouched;
  }
  // No room: the guest pages out a cold page to bring a hot one in (thrashing).
  const evicted = evictForReuse(v, host, env, left, swapRoom);
  v.counters.guestPageIns += n - (left - evicted);
  v.counters.guestPageOuts += evicted;
  v.counters.stalledPages += left - evicted;
}

/** Safety net: a decompression raced free below zero by a rounding page — swap one back out (blindly, hot or cold). */
function rebalanceNegativeFree(v: VmRecord, host: HostRecord, env: ModelEnvironment): void {
  const need = -host.free;
  const take = Math.min(need, v.usedMapped);
  const hot = hotAmong(take, v.usedMapped, v.hotMapped, env.rng);
  v.usedMapped -= take;
  v.usedSwapped += take;
  v.hotMapped -= hot;
  v.hotSwapped += hot;
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
