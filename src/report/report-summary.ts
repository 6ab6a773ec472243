/**
 * The numbers behind the report's summary tables, computed from the full metrics series (not
 * the thinned chart data): per host the simulated time spent in each memory state, per VM
 * the peaks of balloon, compression, hypervisor swap, guest swap and stall.
 */
import type { HostMemoryState } from "../api/types.js";
import { HOST_STATE_NAMES, type MetricsSeries } from "../metrics/metrics-series.js";

/** One host's row. */
export interface HostSummary {
  name: string;
  capacityPages: number;
  /** Simulated seconds in each state (each sample counts for `stride` ticks). */
  secondsInState: Record<HostMemoryState, number>;
  /** The lowest free memory seen (pages). */
  minFreePagesSeen: number;
  /** The state at the last sample. */
  finalState: HostMemoryState | undefined;
}

/** One VM's row (pages, except stall). */
export interface VmSummary {
  /** `namespace/name`. */
  key: string;
  memoryPages: number;
  peakConsumed: number;
  peakBalloon: number;
  peakCompressed: number;
  peakSwapped: number;
  peakGuestSwapped: number;
  peakStallPercent: number;
}

/** The report's summary. */
export interface ReportSummary {
  hosts: HostSummary[];
  vms: VmSummary[];
  /** First and last sampled tick (-1 when empty). */
  firstTick: number;
  lastTick: number;
}

/** The largest finite value of a column (0 when none). */
export function peak(col: readonly number[]): number {
  let max = 0;
  for (const v of col) if (v > max) max = v; // NaN compares false
  return max;
}

/** The smallest finite value of a column (NaN when none). */
function lowest(col: readonly number[]): number {
  let min = Number.NaN;
  for (const v of col) if (!Number.isNaN(v) && !(v >= min)) min = v;
  return min;
}

/** Summarises a series; hosts and VMs sorted by name. */
export function summarize(series: MetricsSeries): ReportSummary {
  const sampleSeconds = series.stride * series.tickSeconds;
  const hosts: HostSummary[] = [];
  for (const name of [...series.hosts.keys()].sort()) {
    const c = series.hosts.get(name)!;
    const secondsInState = { high: 0, clear: 0, soft: 0, hard: 0, low: 0 } as Record<HostMemoryState, number>;
    let finalState: HostMemoryState | undefined;
    for (const rank of c.state) {
      const state = HOST_STATE_NAMES[rank];
      if (state === undefined) continue;
      secondsInState[state] += sampleSeconds;
      finalState = state;
    }
    hosts.push({ name, capacityPages: peak(c.capacity), secondsInState, minFreePagesSeen: lowest(c.free), finalState });
  }
  const vms: VmSummary[] = [];
  for (const key of [...series.vms.keys()].sort()) {
    const c = series.vms.get(key)!;
    vms.push({
      key,
      memoryPages: peak(c.memory),
      peakConsumed: peak(c.consumed),
      peakBalloon: peak(c.balloon),
      peakCompressed: peak(c.compressed),
      peakSwapped: peak(c.swapped),
      peakGuestSwapped: peak(c.guestSwapped),
      peakStallPercent: peak(c.memoryStallPercent),
    });
  }
  return { hosts, vms, firstTick: series.ticks[0] ?? -1, lastTick: series.lastTick };
}
