/**
 * Page-out: memory compression and hypervisor swapping (docs/memory-model.md, *Compression and
 * hypervisor swapping*). The hypervisor does not know which pages the guest considers free, so
 * it takes used and free mapped pages blindly, in proportion (seeded random rounding); each
 * chosen page is compressed while the cache has room and it compresses, otherwise it goes to
 * the VM's swap file.
 */
import { type ModelEnvironment, roundRandom } from "../environment.js";
import { type HostRecord, type VmRecord, compressedOf, mappedOf, recharge, swappedOf, takeFreeMapped } from "../ledger.js";
import { hotAmong, splitRandom } from "../working-set.js";

/** What a swap-controller page-out did this tick. */
export interface PageOutResult {
  compressed: number;
  swapped: number;
  /** Host pages freed. */
  freed: number;
  /** Why it stopped short, if it did. */
  limitedBy?: "throughput" | "compressionCache" | "swapFile" | "swapDatastore" | "nothingToTake";
}

/** The admitted VMs of a host (the model's index answers it). */
export interface HostVms {
  /** Admitted VMs of a host, in admission order. */
  vmsOf(host: HostRecord): readonly VmRecord[];
  /** Σ hypervisor-swapped pages of a host's admitted VMs, when the index can sum them faster than its records. */
  swappedOn?(host: HostRecord): number;
}

/** Pages left in the host's swap datastore (Infinity when unlimited). */
export function swapDatastoreLeft(host: HostRecord, index: HostVms): number {
  if (!Number.isFinite(host.spec.swap.capacity)) return Number.POSITIVE_INFINITY;
  let used = 0;
  if (index.swappedOn !== undefined) used = index.swappedOn(host);
  else for (const v of index.vmsOf(host)) used += swappedOf(v);
  return Math.max(0, host.spec.swap.capacity - used);
}

/**
 * Compresses or swaps out a running VM's pages until `hostPages` host pages are freed or a limit
 * is reached, within the host's page-out throughput left this tick and `budget` (the VM's share).
 */
export function pageOut(v: VmRecord, host: HostRecord, env: ModelEnvironment, hostPages: number, budget: number | undefined, datastoreLeft: number, compress = true): PageOutResult {
  const allowed = Math.min(host.pageOutLeft, budget ?? host.pageOutLeft);
  return swapOutPages(v, host, env, hostPages, allowed, datastoreLeft, true, compress);
}

/**
 * Blind page-out: pages are taken from used and free mapped pages in proportion (seeded
 * random rounding), working-set (hot) and cold pages alike; each compresses with probability `compressibility` while the cache has
 * room, otherwise it goes to the swap file. Stops when `want` host pages are freed. With
 * `useBudget` false (an emergency reclaim) the host's page-out throughput is not charged; with
 * `compress` false (Linux host swap) nothing goes to the compression cache.
 */
export function swapOutPages(
  v: VmRecord,
  host: HostRecord,
  env: ModelEnvironment,
  want: number,
  budget: number,
  datastoreLeft: number,
  useBudget: boolean,
  compress = true,
): PageOutResult {
  const res: PageOutResult = { compressed: 0, swapped: 0, freed: 0 };
  const before = host.free;
  const comp = compress ? host.spec.compression : { enabled: false, maxPercent: 0 };
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
    let fromUsed = Math.min(v.usedMapped, roundRandom((n * v.usedMapped) / mapped, env.rng));
    let fromFree = Math.min(v.freeMapped, n - fromUsed);
    if (fromUsed + fromFree < n) fromUsed = Math.min(v.usedMapped, n - fromFree);
    const chosen = fromUsed + fromFree;
    const compressible = Math.min(chosen, roundRandom(chosen * cFrac, env.rng), Math.max(0, cacheCap - compressedOf(v)));
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
    // blind: the used pages taken are hot and cold in proportion; hot ones stay hot where they go
    const hot = hotAmong(cUsed + sUsed, v.usedMapped, v.hotMapped, env.rng);
    const [hotC, hotS] = splitRandom(hot, [cUsed, sUsed], env.rng);
    v.hotMapped -= hot;
    v.hotCompressed += hotC!;
    v.hotSwapped += hotS!;
    v.usedMapped -= cUsed + sUsed;
    takeFreeMapped(v, cFree + sFree);
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
    recharge(v, host, env.compressionRatio);
    if (toSwap < chosen - compressible) {
      res.limitedBy = swapFileLeft() <= 0 ? "swapFile" : "swapDatastore";
      break;
    }
  }
  res.freed = host.free - before;
  return res;
}
