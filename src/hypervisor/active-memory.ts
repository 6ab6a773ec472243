/**
 * The active-memory estimate, esxtop ACTV (docs/memory-model.md, *Active memory estimate*): a
 * fast and a slow moving average of the working set, reported as the larger of the two. With the
 * host's `activeMemory.sampling` on, the averages follow what ESXi can measure instead of the
 * working set itself: at the start of every sample period `samplePages` pages of the VM's memory
 * are picked at random, the share of them the guest touches is the estimate (Waldspurger §5.3),
 * so ACTV carries a sampling error. The draws come from the model's seeded random source.
 */
import type { ModelEnvironment, RandomSource } from "./environment.js";
import type { HostRecord, VmRecord } from "./ledger.js";

/** Active-memory sampling: Mem.SamplePeriod and the fast/slow time constants, seconds (docs/memory-model.md, *Active memory estimate*). */
export const ACTIVE_SAMPLING = { samplePeriod: 60, fastSeconds: 60, slowSeconds: 240 } as const;

/**
 * Updates a running VM's active estimate for one tick of `dt` seconds ending `elapsed` seconds
 * after its power-on, from its working set `ws` (pages).
 */
export function updateActiveEstimate(v: VmRecord, host: HostRecord, env: ModelEnvironment, elapsed: number, dt: number, ws: number): void {
  const firstTick = v.activeFast === 0 && v.activeSlow === 0 && elapsed <= dt;
  const sampling = host.spec.activeMemory.sampling;
  if (!sampling) v.activeSample = ws;
  else if (firstTick || periodStarted(elapsed, dt)) v.activeSample = sampledWorkingSet(v.memory, ws, host.spec.activeMemory.samplePages, env.rng);
  if (firstTick) {
    // The first sample seeds both averages, so ACTV does not start from zero.
    v.activeFast = v.activeSample;
    v.activeSlow = v.activeSample;
    return;
  }
  const af = 1 - Math.exp(-dt / ACTIVE_SAMPLING.fastSeconds);
  const as = 1 - Math.exp(-dt / ACTIVE_SAMPLING.slowSeconds);
  v.activeFast += af * (v.activeSample - v.activeFast);
  v.activeSlow += as * (v.activeSample - v.activeSlow);
}

/** Whether a sample period (counted from power-on) starts within the tick that ends at `elapsed`. */
function periodStarted(elapsed: number, dt: number): boolean {
  const P = ACTIVE_SAMPLING.samplePeriod;
  return Math.floor(elapsed / P) > Math.floor((elapsed - dt) / P);
}

/**
 * ESXi's statistical estimate of a working set: `n` pages of the VM's `memory` picked uniformly,
 * each touched with probability `ws / memory`; the estimate is the touched share of `memory`
 * (pages, rounded). One draw from `rng` per sampled page.
 */
export function sampledWorkingSet(memory: number, ws: number, n: number, rng: RandomSource): number {
  if (memory <= 0 || n <= 0) return 0;
  const p = Math.min(1, Math.max(0, ws) / memory);
  let touched = 0;
  for (let i = 0; i < n; i++) if (rng.next() < p) touched++;
  return Math.round((touched * memory) / n);
}
