/**
 * What the Linux kernel of a KVM host does when its free memory runs low (`mom` hosts; MOM
 * itself only balloons and tunes KSM): kswapd swaps out guest memory — qemu's anonymous pages,
 * chosen from the kernel's LRU without knowing what the guest considers free — and, when memory
 * and swap are both exhausted, the OOM killer kills the process with the highest badness (the
 * largest resident + swapped memory: the biggest qemu).
 *
 * Sources: the kernel's `Documentation/admin-guide/sysctl/vm.rst` (`min_free_kbytes`,
 * `watermark_scale_factor`) and `mm/page_alloc.c` (`init_per_zone_wmark_min`:
 * `min_free_kbytes = int_sqrt(lowmem_kbytes × 16)`, kept within [128 KiB, 256 MiB];
 * `__setup_per_zone_wmarks`: low = min + max(min / 4, memory × watermark_scale_factor / 10000),
 * high = min + 2 × that, default factor 10), `mm/vmscan.c` (kswapd wakes below low and
 * reclaims to high), `mm/oom_kill.c` (`oom_badness`: rss + swap entries + page tables).
 * What memplane simplifies: one zone for the whole host; pages are picked blindly in proportion
 * to each VM's resident memory (the LRU's ageing is not modelled); no zswap (off by default),
 * so nothing is compressed; the swap device is the host's `spec.swap`.
 */
import { approx } from "../../hypervisor/format.js";
import { mappedOf, swappedOf } from "../../hypervisor/ledger.js";
import type { HostView, PageOutRule, PageOutVerdict, PolicyReader, VmView } from "../policy.js";

/** The kernel's free-memory watermarks of a host, in pages. */
export interface LinuxWatermarks {
  min: number;
  low: number;
  high: number;
}

/** KiB per 4 KiB page. */
const KIB_PER_PAGE = 4;

/** The watermarks of a host of `capacity` pages (one zone; watermark_scale_factor 10). */
export function linuxWatermarks(capacity: number): LinuxWatermarks {
  const kbytes = capacity * KIB_PER_PAGE;
  const minKib = Math.min(262_144, Math.max(128, Math.floor(Math.sqrt(kbytes * 16))));
  const min = Math.ceil(minKib / KIB_PER_PAGE);
  const step = Math.max(Math.floor(min / 4), Math.floor((capacity * 10) / 10_000));
  return { min, low: min + step, high: min + 2 * step };
}

/** Pages the host's swap device can still take (Infinity when unlimited). */
function swapLeft(host: HostView, vms: readonly VmView[]): number {
  if (!Number.isFinite(host.spec.swap.capacity)) return Number.POSITIVE_INFINITY;
  return Math.max(0, host.spec.swap.capacity - vms.reduce((s, v) => s + swappedOf(v), 0));
}

/** The VM the OOM killer picks: the largest resident + swapped memory (oom_badness), the first of equals. */
function oomVictim(vms: readonly VmView[], reader: PolicyReader): VmView | undefined {
  let victim: VmView | undefined;
  let worst = -1;
  for (const v of vms) {
    if (v.phase !== "Running") continue;
    const badness = reader.consumed(v) + swappedOf(v);
    if (badness > worst) [victim, worst] = [v, badness];
  }
  return victim;
}

/**
 * Linux host swapping and the OOM killer on a KVM host: below the low watermark kswapd swaps
 * guest memory out until free memory is back at the high watermark, shared among the VMs in
 * proportion to their resident memory; out of memory (below the min watermark, or a guest
 * allocation the host could not back while below low) with the swap device full, the OOM
 * killer kills the biggest VM.
 */
export function linuxHostSwapDecisions(host: HostView, vms: readonly VmView[], reader: PolicyReader): PageOutVerdict[] {
  const marks = linuxWatermarks(host.spec.capacity);
  const free = host.free;
  const left = swapLeft(host, vms);
  // out of memory: below min, or a guest allocation went unbacked this tick while below low (the page
  // fault's direct reclaim found nothing to free), and the swap device has less room than kswapd
  // needs to bring free memory back to the high watermark (reclaim cannot make progress)
  const starved = free < marks.min || (free < marks.low && vms.some((v) => v.phase === "Running" && v.counters.stalledGrowth > 0));
  const victim = starved && left < marks.high - free ? oomVictim(vms, reader) : undefined;
  const want = free < marks.low ? Math.min(marks.high - free, left) : 0;
  const resident = vms.reduce((s, v) => s + (v.phase === "Running" ? mappedOf(v) : 0), 0);
  return vms.map((vm): PageOutVerdict => {
    const swapped = swappedOf(vm);
    const base = { balloonDone: false, balloonDoneReason: null };
    if (vm === victim) {
      const message = `Linux OOM killer on ${host.name}: out of memory (free ${approx(free)}, min watermark ${approx(marks.min)}) and the swap device is full; killed qemu of the largest VM (resident + swapped ${approx(reader.consumed(vm) + swapped)})`;
      return { ...base, swapTarget: 0, need: 0, reason: "OomKilled", message: () => message, oomKill: message };
    }
    const need = want > 0 && resident > 0 ? Math.ceil((want * mappedOf(vm)) / resident) : 0;
    if (need > 0) {
      return {
        ...base,
        swapTarget: 0, // Linux has no per-VM swap target (SWTGT is ESXi's)
        need,
        reason: "LinuxKswapd",
        compress: false,
        message: () => `kswapd on ${host.name}: free ${approx(free)} < low watermark ${approx(marks.low)}; swapping out ${approx(need)} of its memory (blind to the guest) toward the high watermark ${approx(marks.high)}`,
      };
    }
    return {
      ...base,
      swapTarget: 0,
      need: 0,
      reason: "HostMemoryOk",
      compress: false,
      message: () => `host ${host.name} free ${approx(free)} ≥ low watermark ${approx(marks.low)}: no host swapping; swapped pages come back when touched`,
    };
  });
}

/** The Linux host-swap rule of KVM hosts. */
export const linuxHostSwapRule: PageOutRule = { decide: linuxHostSwapDecisions };
