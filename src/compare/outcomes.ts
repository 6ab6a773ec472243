/**
 * Per-tick sampling of what a capacity planner compares between runs: for each VM the balloon
 * (MCTLSZ), hypervisor swap (SWCUR), compression cache (ZIP), guest swap and memory stall; for
 * each host the time spent in each memory state. Reads status only, so it works with any
 * policy and any memory model.
 */
import { quantityToPages } from "../api/quantity.js";
import type { HostMemoryState } from "../api/types.js";
import type { EngineStore } from "../engine/engine.js";

/** Peak and final value of one quantity over a run, in pages. */
export interface PeakFinal {
  peak: number;
  final: number;
}

/** What one VM went through in one run. Memory in pages; stall in percent. */
export interface VmOutcome {
  balloon: PeakFinal;
  swapped: PeakFinal;
  compressed: PeakFinal;
  guestSwapped: PeakFinal;
  /** Host pages saved by page sharing (SHRD: ESXi's TPS or KVM's KSM; 0 on hosts without sharing). */
  shared: PeakFinal;
  /** Mean of the per-tick memoryStallPercent over the ticks the VM ran. */
  meanStallPercent: number;
  /** 95th percentile (nearest rank) of the per-tick memoryStallPercent over the ticks the VM ran. */
  p95StallPercent: number;
  /** Ticks the VM was Running. */
  runningTicks: number;
}

/** The host states in order, most free memory first. */
export const HOST_STATES: readonly HostMemoryState[] = ["high", "clear", "soft", "hard", "low"];

/** What one host went through in one run. */
export interface HostOutcome {
  /** Simulated seconds spent in each memory state. */
  secondsInState: Record<HostMemoryState, number>;
  /** Lowest free memory seen, in pages. */
  minFree: number;
  /** Policy the host ran. */
  policy: string;
}

interface VmSamples {
  balloon: PeakFinal;
  swapped: PeakFinal;
  compressed: PeakFinal;
  guestSwapped: PeakFinal;
  shared: PeakFinal;
  stalls: number[];
}

const zeroPF = (): PeakFinal => ({ peak: 0, final: 0 });

function track(pf: PeakFinal, value: number): void {
  pf.final = value;
  if (value > pf.peak) pf.peak = value;
}

/** Nearest-rank percentile of `values` (0 when empty). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Collects outcomes by sampling the store after every tick. */
export class OutcomeRecorder {
  readonly #vms = new Map<string, VmSamples>();
  readonly #hosts = new Map<string, HostOutcome>();

  constructor(private readonly store: EngineStore) {}

  /** Samples the current status of every host and VM; call once per tick with the tick length. */
  sample(tickSeconds: number): void {
    for (const h of this.store.list("Host")) {
      const st = h.status;
      if (!st) continue;
      let out = this.#hosts.get(h.metadata.name);
      if (!out) {
        out = { secondsInState: { high: 0, clear: 0, soft: 0, hard: 0, low: 0 }, minFree: Number.POSITIVE_INFINITY, policy: h.spec.policy };
        this.#hosts.set(h.metadata.name, out);
      }
      out.policy = h.spec.policy;
      out.secondsInState[st.state] += tickSeconds;
      out.minFree = Math.min(out.minFree, quantityToPages(st.memory.free));
    }
    for (const v of this.store.list("VirtualMachine")) {
      const st = v.status;
      if (!st || st.phase !== "Running") continue;
      const key = `${v.metadata.namespace ?? "default"}/${v.metadata.name}`;
      let s = this.#vms.get(key);
      if (!s) {
        s = { balloon: zeroPF(), swapped: zeroPF(), compressed: zeroPF(), guestSwapped: zeroPF(), shared: zeroPF(), stalls: [] };
        this.#vms.set(key, s);
      }
      track(s.balloon, quantityToPages(st.memory.balloon));
      track(s.swapped, quantityToPages(st.memory.swapped));
      track(s.compressed, quantityToPages(st.memory.compressed));
      track(s.guestSwapped, quantityToPages(st.memory.guestSwapped));
      track(s.shared, quantityToPages(st.memory.shared));
      s.stalls.push(st.memoryStallPercent);
    }
  }

  /** Outcomes of every VM that ran, keyed `namespace/name`. */
  vmOutcomes(): Map<string, VmOutcome> {
    const out = new Map<string, VmOutcome>();
    for (const [key, s] of this.#vms) {
      const mean = s.stalls.reduce((a, b) => a + b, 0) / Math.max(1, s.stalls.length);
      out.set(key, {
        balloon: { ...s.balloon },
        swapped: { ...s.swapped },
        compressed: { ...s.compressed },
        guestSwapped: { ...s.guestSwapped },
        shared: { ...s.shared },
        meanStallPercent: round2(mean),
        p95StallPercent: round2(percentile(s.stalls, 95)),
        runningTicks: s.stalls.length,
      });
    }
    return out;
  }

  /** Outcomes of every host, keyed by name. */
  hostOutcomes(): Map<string, HostOutcome> {
    const out = new Map<string, HostOutcome>();
    for (const [name, h] of this.#hosts) {
      out.set(name, { secondsInState: { ...h.secondsInState }, minFree: Number.isFinite(h.minFree) ? h.minFree : 0, policy: h.policy });
    }
    return out;
  }
}

/** Rounds to two decimals. */
function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
