/**
 * Hyper-V Smart Paging after the boot (docs/policies.md, *Hyper-V*): once a restarted guest has
 * booted, Hyper-V empties the Smart Paging file — its pages come back into host RAM as the host
 * has free memory above minFree and page-in throughput for them (never past the VM's limit).
 */
import type { ModelEnvironment } from "../environment.js";
import { type HostRecord, type VmRecord, consumedOf, recharge, splitProportional } from "../ledger.js";

/** Brings Smart Paging pages back into RAM for one tick; returns how many came back. */
export function drainSmartPaging(v: VmRecord, host: HostRecord, env: ModelEnvironment): number {
  const room = Math.min(host.free - host.spec.minFree, host.pageInLeft, v.spec.limit - consumedOf(v, env.compressionRatio));
  const n = Math.min(v.smartPaged, v.usedSwapped + v.freeSwapped, Math.max(0, Math.floor(room)));
  if (n <= 0) return 0;
  const [used, free] = splitProportional(n, [v.usedSwapped, v.freeSwapped]) as [number, number];
  // the working-set share moves with the used pages (hot ≤ used holds on both sides)
  const hot = Math.min(v.hotSwapped, Math.max(used - (v.usedSwapped - v.hotSwapped), v.usedSwapped > 0 ? Math.round((used * v.hotSwapped) / v.usedSwapped) : 0));
  v.usedSwapped -= used;
  v.usedMapped += used;
  v.hotSwapped -= hot;
  v.hotMapped += hot;
  v.freeSwapped -= free;
  v.freeMapped += free;
  host.pageInLeft -= n;
  v.counters.swapIns += n;
  v.smartPaged -= n;
  recharge(v, host, env.compressionRatio);
  return n;
}
