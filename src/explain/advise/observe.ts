/**
 * What happened during a simulation, per VM and per host, sampled from the memory model after
 * every tick (peaks, time in each host state, stall %). For a saved state, where the ticks are
 * gone, the same shape is filled from the model as it stands and the host state-change records.
 */
import type { HostMemoryState } from "../../api/types.js";
import type { HostStateDecision } from "../../hypervisor/decisions.js";
import { HOST_STATES } from "../../hypervisor/formulas.js";
import { compressedOf, swappedOf } from "../../hypervisor/ledger.js";
import type { MemoryModelReader } from "../../hypervisor/model-api.js";

/** One VM over the run. */
export interface VmObservation {
  key: string;
  name: string;
  namespace: string;
  host: string;
  peakBalloon: number;
  /** Peak compressed + hypervisor-swapped pages. */
  peakHypervisorReclaimed: number;
  peakConsumed: number;
  peakGuestSwapped: number;
  balloonStalled: boolean;
  /** Ticks in which some growth or fault could not be served, and the most pages in one such tick. */
  stalledTicks: number;
  peakStalledPages: number;
  runningTicks: number;
  stallSum: number;
  maxStall: number;
  /** Stall while its host was in hard or low. */
  pressureTicks: number;
  pressureStallSum: number;
  /** Ticks it was reclaimed while its host was high or clear (its limit at work). */
  reclaimedOnIdleHostTicks: number;
  pendingTicks: number;
  pendingReason: string;
  pendingMessage: string;
}

/** One host over the run. */
export interface HostObservation {
  name: string;
  ticksIn: Record<HostMemoryState, number>;
}

/** Per-tick samples of a running simulation. */
export class Observation {
  readonly vms = new Map<string, VmObservation>();
  readonly hosts = new Map<string, HostObservation>();
  ticks = 0;
  /** True when only the current tick is known (a saved state without metrics): no averages. */
  snapshot = false;

  /** Records one tick from the model. */
  sample(model: MemoryModelReader): void {
    this.ticks++;
    for (const h of model.hosts()) this.host(h.name).ticksIn[h.state]++;
    for (const v of model.allVms()) {
      const o = this.vm(v.key, v.name, v.namespace, v.hostName);
      if (v.phase === "Pending") {
        o.pendingTicks++;
        o.pendingReason = v.admission.reason;
        o.pendingMessage = v.admission.message;
        continue;
      }
      if (v.phase !== "Running") continue;
      const host = model.host(v.hostName);
      const hyper = compressedOf(v) + swappedOf(v);
      o.peakBalloon = Math.max(o.peakBalloon, v.balloon);
      o.peakHypervisorReclaimed = Math.max(o.peakHypervisorReclaimed, hyper);
      o.peakConsumed = Math.max(o.peakConsumed, model.consumed(v));
      o.peakGuestSwapped = Math.max(o.peakGuestSwapped, v.guestSwapped);
      o.balloonStalled ||= v.balloonStalled;
      const unserved = v.counters.stalledGrowth + v.counters.stalledPages;
      if (unserved > 0) o.stalledTicks++;
      o.peakStalledPages = Math.max(o.peakStalledPages, unserved);
      o.runningTicks++;
      o.stallSum += v.stallPercent;
      o.maxStall = Math.max(o.maxStall, v.stallPercent);
      if (host && (host.state === "hard" || host.state === "low")) {
        o.pressureTicks++;
        o.pressureStallSum += v.stallPercent;
      }
      if (host && (host.state === "high" || host.state === "clear") && v.balloon + hyper > 0 && v.overLimit) o.reclaimedOnIdleHostTicks++;
    }
  }

  /** The observation of a host, created on first use. */
  host(name: string): HostObservation {
    let h = this.hosts.get(name);
    if (!h) {
      h = { name, ticksIn: Object.fromEntries(HOST_STATES.map((s) => [s, 0])) as Record<HostMemoryState, number> };
      this.hosts.set(name, h);
    }
    return h;
  }

  /** The observation of a VM, created on first use. */
  vm(key: string, name: string, namespace: string, host: string): VmObservation {
    let o = this.vms.get(key);
    if (!o) {
      o = {
        key, name, namespace, host,
        peakBalloon: 0, peakHypervisorReclaimed: 0, peakConsumed: 0, peakGuestSwapped: 0, balloonStalled: false, stalledTicks: 0, peakStalledPages: 0,
        runningTicks: 0, stallSum: 0, maxStall: 0, pressureTicks: 0, pressureStallSum: 0, reclaimedOnIdleHostTicks: 0,
        pendingTicks: 0, pendingReason: "", pendingMessage: "",
      };
      this.vms.set(key, o);
    }
    return o;
  }
}

/**
 * An observation of a saved simulation at tick `now`: VM values as they stand (peaks are the
 * current values) and each host's time in each state from its state-change records (bounded:
 * before the oldest kept record the host is assumed to have been in that record's `from` state).
 */
export function observeSaved(model: MemoryModelReader, now: number): Observation {
  const obs = new Observation();
  obs.sample(model);
  obs.ticks = now;
  for (const h of model.hosts()) {
    const o = obs.host(h.name);
    for (const s of HOST_STATES) o.ticksIn[s] = 0;
    const changes = h.decisions.list().filter((d): d is HostStateDecision => d.type === "hostState");
    let state: HostMemoryState = changes[0]?.from ?? h.state;
    let since = 0;
    for (const c of changes) {
      o.ticksIn[state] += Math.max(0, c.tick - since);
      state = c.to;
      since = c.tick;
    }
    o.ticksIn[state] += Math.max(0, now - since);
  }
  return obs;
}
