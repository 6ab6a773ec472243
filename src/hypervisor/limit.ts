/**
 * Limits at allocation (docs/memory-model.md, *Limits*): the VMkernel never backs more than a
 * VM's limit. A VM that needs a new host page while at its limit gets it only by giving one of
 * its own up first (blind compression or swap, within the host's page-out throughput), so its
 * consumption never exceeds the limit; the balloon then lets the guest choose what to give.
 * ESXi hosts only (docs/policies.md): the other policies' hosts have no per-VM limit enforced by
 * compressing or swapping the VM's own pages.
 */
import type { ModelEnvironment } from "./environment.js";
import { type HostRecord, type VmRecord, consumedOf, touchedOf, usedOf } from "./ledger.js";
import { swapOutPages } from "./mechanisms/page-out.js";
import { runsVmkernel } from "./resolved.js";

/** Pages left in the VM's host's swap datastore (re-read after each page-out). */
export type SwapRoom = () => number;

/**
 * How many of `n` new host pages a running VM may take now: within its host's free memory and,
 * under a limit, after paging out its own pages to make room (charged to the host's page-out
 * throughput; what the throughput cannot free waits).
 */
export function roomFor(v: VmRecord, host: HostRecord, env: ModelEnvironment, n: number, swapRoom: SwapRoom): number {
  if (n <= 0) return 0;
  const limit = v.spec.limit;
  if (!Number.isFinite(limit) || !enforcesLimits(host)) return Math.max(0, Math.min(n, host.free));
  const short = n - (limit - consumedOf(v, env.compressionRatio));
  if (short > 0 && host.pageOutLeft > 0) swapOutPages(v, host, env, short, host.pageOutLeft, swapRoom(), true);
  return Math.max(0, Math.min(n, limit - consumedOf(v, env.compressionRatio), host.free));
}

/** A limit lowered at run time: pages out what the VM holds above it, within the host's page-out throughput. */
export function enforceLimit(v: VmRecord, host: HostRecord, env: ModelEnvironment, swapRoom: SwapRoom): void {
  if (!enforcesLimits(host)) return;
  const over = consumedOf(v, env.compressionRatio) - v.spec.limit;
  if (over > 0 && host.pageOutLeft > 0) swapOutPages(v, host, env, over, host.pageOutLeft, swapRoom(), true);
}

/** Whether the host enforces VM limits at allocation (ESXi's VMkernel does; docs/policies.md). */
export const enforcesLimits = runsVmkernel;

/** What the guest's applications hold or ask for (resident or in guest swap), pages. */
export const limitDemandOf = (v: VmRecord): number => usedOf(v) + v.guestSwapped;

/** Whether a VM's demand (or, after a limit was lowered, its consumption) exceeds its limit: the `OverLimit` condition. */
export function isOverLimit(v: VmRecord, consumed: number): boolean {
  return limitDemandOf(v) > v.spec.limit || consumed > v.spec.limit;
}

/**
 * What the balloon should take from a VM over its limit: the pages the host holds for it
 * (resident, compressed or swapped, less sharing) beyond the limit — taking them lets it fault
 * its working set back without swapping others out.
 */
export function limitReclaimOf(v: VmRecord): number {
  return Math.max(0, touchedOf(v) - Math.min(v.sharedSavings, v.usedMapped + v.freeMapped) - v.spec.limit);
}
