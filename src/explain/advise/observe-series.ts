/**
 * An {@link Observation} read from a per-tick metrics series — the series `memplane run`/`step`
 * save in `<state>/metrics.json`, and the one `advise -f` records while it simulates — so that
 * advising on manifests and on the saved state of the same run gives the same findings, word for
 * word. What the series does not hold (admission reasons) is read from the model as it stands.
 */
import type { HostMemoryState } from "../../api/types.js";
import type { MemoryModelReader } from "../../hypervisor/model-api.js";
import { HOST_STATE_NAMES, type MetricsSeries } from "../../metrics/metrics-series.js";
import { Observation } from "./observe.js";

/** Which ticks an observation read from a series covers. */
export interface SeriesCoverage {
  /** Samples read. */
  samples: number;
  /** First and last sampled tick (0 when there are none). */
  firstTick: number;
  lastTick: number;
  /** Ticks between samples. */
  stride: number;
}

/** What a series says about the run, and which part of it it covers. */
export interface SeriesObservation {
  observation: Observation;
  coverage: SeriesCoverage;
}

/**
 * Reads `series` into an observation: each sample stands for `stride` ticks, and the observation
 * spans the ticks the samples stand for (the whole run when nothing was lost); peaks, stall
 * averages and time in each host state come from the samples, a VM counts as running in a
 * sample when it consumed memory, and as pending when it is Pending now and consumed nothing.
 */
export function observeSeries(series: MetricsSeries, model: MemoryModelReader): SeriesObservation {
  const obs = new Observation();
  const weight = series.stride;
  obs.ticks = series.length * weight;
  const states = new Map<string, (HostMemoryState | undefined)[]>();
  for (const h of model.hosts()) obs.host(h.name);
  for (const [name, cols] of series.hosts) {
    const o = obs.host(name);
    const col = cols.state.map((s) => (Number.isNaN(s) ? undefined : HOST_STATE_NAMES[s]));
    states.set(name, col);
    for (const s of col) if (s !== undefined) o.ticksIn[s] += weight;
  }
  for (const v of model.allVms()) {
    const cols = series.vms.get(`${v.namespace}/${v.name}`);
    if (!cols) continue;
    const o = obs.vm(v.key, v.name, v.namespace, v.hostName);
    const hostStates = states.get(v.hostName) ?? [];
    const limited = Number.isFinite(v.spec.limit) && v.spec.limit < v.spec.memory;
    for (let i = 0; i < series.ticks.length; i++) {
      const consumed = cols.consumed[i]!;
      if (Number.isNaN(consumed)) continue;
      if (consumed <= 0) {
        if (v.phase === "Pending") o.pendingTicks += weight;
        continue;
      }
      const balloon = cols.balloon[i]!;
      const hyper = cols.compressed[i]! + cols.swapped[i]!;
      const stall = cols.memoryStallPercent[i]!;
      o.peakBalloon = Math.max(o.peakBalloon, balloon);
      o.peakHypervisorReclaimed = Math.max(o.peakHypervisorReclaimed, hyper);
      o.peakConsumed = Math.max(o.peakConsumed, consumed);
      o.peakGuestSwapped = Math.max(o.peakGuestSwapped, cols.guestSwapped[i]!);
      o.runningTicks += weight;
      o.stallSum += stall * weight;
      o.maxStall = Math.max(o.maxStall, stall);
      const state = hostStates[i];
      if (state === "hard" || state === "low") {
        o.pressureTicks += weight;
        o.pressureStallSum += stall * weight;
      }
      if ((state === "high" || state === "clear") && balloon + hyper > 0 && limited) o.reclaimedOnIdleHostTicks += weight;
    }
    // the guest's swap filled up: the balloon could take no more (BalloonStalled)
    // (now, at its peak guest swap, or in a kept balloon decision whose guest could not give pages)
    o.balloonStalled =
      v.balloonStalled ||
      (v.spec.guestSwap > 0 && o.peakGuestSwapped >= v.spec.guestSwap) ||
      v.decisions.list().some((d) => d.type === "balloon" && d.gave.stalled > 0);
    if (v.phase === "Pending") {
      o.pendingReason = v.admission.reason;
      o.pendingMessage = v.admission.message;
    }
  }
  const n = series.ticks.length;
  return { observation: obs, coverage: { samples: n, firstTick: n ? series.ticks[0]! : 0, lastTick: n ? series.ticks[n - 1]! : 0, stride: series.stride } };
}
