/**
 * The balloon driver (docs/memory-model.md, *Ballooning*): moves a VM's balloon toward the
 * target a controller set, at the driver's rate. The guest gives its free pages first (each
 * returns a host page), then untouched pages, and only then pages used memory out to its own
 * swap — its coldest pages first, at the guest's paging rate, not the driver's, and the paging is
 * charged to the VM's stall; one the host had already swapped or compressed is read back first
 * (double paging). Deflating hands pages back untouched.
 */
import type { ModelEnvironment } from "../environment.js";
import { FAULT_LATENCY, updateStall } from "../guest-workload.js";
import { type HostRecord, type VmRecord, freeOf, recharge, releaseGuestPages, usedOf } from "../ledger.js";
import { chooseColdFirst } from "../working-set.js";

/** Seconds a stuck balloon driver is given before it is reported Unresponsive. */
export const BALLOON_DRIVER_TIMEOUT_SECONDS = 30;

/**
 * The guest's paging rate, pages per second: one page per guest paging latency (1 ms, so about
 * 3.9 MiB/s). Inflating into used memory needs an allocation that must sleep while the guest
 * pages a used page out, so it goes no faster than this — inside the 512–2048 pages/s window of
 * the Linux vmw_balloon driver's sleeping allocations (VMW_BALLOON_RATE_ALLOC_MIN/MAX), against
 * 16384 pages/s (64 MiB/s, the default inflate rate) without memory pressure.
 */
export const GUEST_PAGING_PAGES_PER_SECOND = Math.round(1 / FAULT_LATENCY.guestPageIn);

/** What a balloon move did this tick. */
export interface BalloonMove {
  fromFree: number;
  fromUntouched: number;
  fromUsed: number;
  deflated: number;
  /** Pages the guest could not give (guest swap full). */
  stalled: number;
  /** Pages left for later ticks because the guest pages no faster than its paging rate. */
  paced: number;
}

/** Moves a running VM's balloon toward `balloonTarget` for `dt` seconds (nothing without its host). */
export function moveBalloon(v: VmRecord, host: HostRecord | undefined, env: ModelEnvironment, dt: number): BalloonMove {
  const move: BalloonMove = { fromFree: 0, fromUntouched: 0, fromUsed: 0, deflated: 0, stalled: 0, paced: 0 };
  if (!host || v.phase !== "Running") return move;
  const driver = v.spec.balloonDriver;
  const slow = driver === "slow" ? 10 : 1;
  const gap = v.balloonTarget - v.balloon;
  if (gap !== 0 && (driver === "stuck" || !v.spec.toolsInstalled)) {
    v.driverIdleSeconds += dt;
    return move;
  }
  v.driverIdleSeconds = 0;
  if (gap < 0) {
    const d = Math.min(-gap, Math.max(1, Math.floor((host.spec.ballooning.deflatePerSecond * dt) / slow)));
    v.balloon -= d;
    v.untouched += d; // handed back untouched: costs the host nothing until touched
    move.deflated = d;
    return move;
  }
  if (gap === 0) return move;
  let left = Math.min(gap, Math.max(1, Math.floor((host.spec.ballooning.inflatePerSecond * dt) / slow)));
  // 1. free pages: each returns its host backing (the seed's "chews up free RAM")
  const f = Math.min(left, freeOf(v));
  if (f > 0) {
    releaseGuestPages(v, f, "free");
    v.balloon += f;
    left -= f;
    move.fromFree = f;
  }
  // 2. untouched pages: reclaim nothing on the host but are taken all the same
  const u = Math.min(left, v.untouched);
  v.untouched -= u;
  v.balloon += u;
  left -= u;
  move.fromUntouched = u;
  // 3. used pages: the guest pages them out to its own swap first, at its paging rate (what its
  //    own paging already used this tick counts), and the vCPUs wait for it (stall)
  if (left > 0) {
    const room = Math.max(0, v.spec.guestSwap - v.guestSwapped);
    const possible = Math.min(left, room, usedOf(v));
    const pagedThisTick = v.counters.guestPageOuts + v.counters.guestPageIns;
    const pace = Math.max(0, Math.floor((GUEST_PAGING_PAGES_PER_SECOND * dt) / slow) - pagedThisTick);
    const g = Math.min(possible, pace);
    if (g > 0) {
      releaseColdUsed(v, host, env, g);
      v.guestSwapped += g;
      v.balloon += g;
      v.counters.guestPageOuts += g;
      move.fromUsed = g;
    }
    move.paced = possible - g;
    move.stalled = left - possible;
  }
  recharge(v, host, env.compressionRatio);
  if (move.fromUsed > 0) updateStall(v, host, dt);
  return move;
}

/**
 * The guest pages `n` of its coldest used pages out to its own swap and hands their frames to
 * the balloon. Victims the host had swapped or compressed must be read back first — double
 * paging (Waldspurger 2002 §3.3): counted as swap-ins or decompressions (charged to the stall)
 * and as `doublePagings`, and charged to the host's page-in throughput; their host backing is
 * released like the rest.
 */
function releaseColdUsed(v: VmRecord, host: HostRecord, env: ModelEnvironment, n: number): void {
  const victims = chooseColdFirst(v, n, env.rng);
  v.usedMapped -= victims.mapped;
  v.usedCompressed -= victims.compressed;
  v.usedSwapped -= victims.swapped;
  v.counters.swapIns += victims.swapped;
  v.counters.decompressions += victims.compressed;
  v.counters.doublePagings += victims.swapped + victims.compressed;
  host.pageInLeft = Math.max(0, host.pageInLeft - victims.swapped);
}
