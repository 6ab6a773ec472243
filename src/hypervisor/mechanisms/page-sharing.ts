/**
 * Transparent page sharing (docs/memory-model.md, *Page sharing*): the scan covers a VM's memory
 * once per `scanMinutes` (faster below high); zero pages — the pages a guest zeroed at boot and
 * has not written since, plus the workload's `zeroPages` share of the rest — are shared within a
 * VM whatever the salting and, with salting off, identical pages across VMs of the same guest OS
 * (one VM of each group keeps the copy). Savings never take consumption below the reservation,
 * and a copy-on-write break needs a free host page.
 *
 * The mode says which host's sharing runs: ESXi's (`tps`, the default: scan rate from
 * `scanMinutes`, salting, large pages), the Linux kernel's KSM (`ksm`: ksmd scans
 * `pagesPerSecond` pages spread over the VMs by size; no salting, so identical pages of VMs of
 * the same guest OS merge; large pages are not modelled; a stopped ksmd leaves merged pages
 * merged), or none (`none`: the host has no page sharing, and what was shared is undone).
 */
import type { ModelEnvironment } from "../environment.js";
import { type HostRecord, type VmRecord, compressedOf, mappedOf, recharge } from "../ledger.js";

/** In clear and lower states the sharing scan runs this many times faster ("full speed"). */
export const SHARING_FULL_SPEED_FACTOR = 60;

/** Which host's page sharing runs (see the module comment). */
export type SharingMode = { kind: "tps" } | { kind: "ksm"; pagesPerSecond: number } | { kind: "none" };

const TPS: SharingMode = { kind: "tps" };

/** Runs one tick (`dt` seconds) of the page-sharing scan over a host's admitted VMs. */
export function scanSharing(host: HostRecord, vms: readonly VmRecord[], env: ModelEnvironment, dt: number, mode: SharingMode = TPS): void {
  const ps = host.spec.pageSharing;
  if (!ps.enabled || mode.kind === "none") {
    for (const v of vms) {
      if (v.sharedSavings || v.sharedZero || v.sharedCommon) {
        v.sharedZero = v.sharedCommon = v.sharedSavings = 0;
        recharge(v, host, env.compressionRatio);
      }
    }
    return;
  }
  const ksm = mode.kind === "ksm";
  const salting = ksm ? false : ps.salting;
  const largePagesBlock = !ksm && ps.largePages && host.free * 100 >= host.spec.states.largePageBreak * host.spec.minFree;
  const fullSpeed = host.state !== "high";
  let total = 0;
  if (ksm) for (const v of vms) total += v.memory;
  const groups = new Map<string, VmRecord[]>();
  for (const v of vms) {
    if (ksm) {
      if (total > 0) v.scanned = Math.min(v.memory, v.scanned + (mode.pagesPerSecond * dt * v.memory) / total);
    } else if (!largePagesBlock) {
      const rate = (v.memory / (ps.scanMinutes * 60)) * (fullSpeed ? SHARING_FULL_SPEED_FACTOR : 1);
      v.scanned = Math.min(v.memory, v.scanned + rate * dt);
    }
    const coverage = v.memory > 0 ? v.scanned / v.memory : 0;
    const mapped = mappedOf(v);
    const bootZeroed = Math.min(v.zeroed, mapped);
    v.sharedZero = Math.floor(coverage * (bootZeroed + (mapped - bootZeroed) * (v.spec.workload.zeroPages / 100)));
    v.sharedCommon = salting ? 0 : Math.floor(coverage * mapped * (v.spec.workload.commonPages / 100));
    if (!salting && v.sharedCommon > 0) {
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
    const commonSavings = !salting && v.sharedCommon > 0 && !owners.has(v.key) ? v.sharedCommon : 0;
    // Sharing never takes consumption below the reservation (reserved touched pages stay put).
    const mapped = mappedOf(v);
    const room = Math.max(0, mapped + Math.ceil(compressedOf(v) / env.compressionRatio) - v.reservation);
    let savings = Math.min(zeroSavings + commonSavings, room, mapped);
    // Savings that disappear are copy-on-write breaks: each needs a free host page. With none
    // left, the pages stay shared until memory is reclaimed (free never goes negative).
    // Within the VM's limit too: the VMkernel never backs more than the limit.
    const drop = v.sharedSavings - savings;
    const headroom = Math.max(0, Math.min(host.free, v.spec.limit - v.charged));
    if (drop > headroom) savings = v.sharedSavings - headroom;
    v.sharedSavings = savings;
    recharge(v, host, env.compressionRatio);
  }
}
