/**
 * compareVariants — runs the same cluster under several variants (another manifest set, another
 * reclamation policy) for the same number of ticks and seed, and lines up the outcomes per host
 * and VM. This is the library side of `memplane compare`; it prints nothing.
 */
import { pagesToQuantity } from "../api/quantity.js";
import type { HostMemoryState } from "../api/types.js";
import { type Engine } from "../engine/engine.js";
import { createEngine } from "../composition/create-engine.js";
import type { EngineOptions } from "../engine/options.js";
import { HOST_STATES, OutcomeRecorder, type HostOutcome, type PeakFinal, type VmOutcome } from "./outcomes.js";
import type { CompareVariant } from "./variants.js";

/** How to run each variant. */
export interface CompareOptions {
  /** Ticks each variant runs. */
  ticks: number;
  /** Engine options for every variant (seed, tickSeconds, controllers); default seed 1, 1 s ticks. */
  engine?: EngineOptions;
  /** Builds each variant's engine (default createEngine(options.engine)); e.g. to rebind the memory model for one variant. */
  engineFactory?: (options: EngineOptions, variant: CompareVariant) => Engine;
}

/** One host's outcomes, by variant name (absent when the host is not in that variant). */
export interface HostComparison {
  name: string;
  outcomes: Record<string, HostOutcome | undefined>;
}

/** One VM's outcomes, by variant name (absent when the VM never ran in that variant). */
export interface VmComparison {
  namespace: string;
  name: string;
  outcomes: Record<string, VmOutcome | undefined>;
}

/** The comparison: variants in the order given, hosts and VMs sorted by name. */
export interface CompareReport {
  variants: string[];
  ticks: number;
  tickSeconds: number;
  seed: number;
  hosts: HostComparison[];
  vms: VmComparison[];
}

/** Runs every variant and returns the side-by-side outcomes. Throws a RangeError for duplicate or no variants. */
export function compareVariants(variants: readonly CompareVariant[], options: CompareOptions): CompareReport {
  if (variants.length === 0) throw new RangeError("compareVariants needs at least one variant");
  const names = variants.map((v) => v.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new RangeError(`variant name "${dup}" is used twice; names must be unique`);
  if (!Number.isSafeInteger(options.ticks) || options.ticks < 0) throw new RangeError(`ticks must be a whole number ≥ 0, got ${String(options.ticks)}`);
  const factory = options.engineFactory ?? ((o: EngineOptions): Engine => createEngine(o));
  const engineOptions = options.engine ?? {};
  const hostRows = new Map<string, HostComparison>();
  const vmRows = new Map<string, VmComparison>();
  let tickSeconds = 1;
  let seed = 1;
  for (const variant of variants) {
    const engine = factory(engineOptions, variant);
    tickSeconds = engine.options.tickSeconds;
    seed = engine.options.seed;
    const recorder = new OutcomeRecorder(engine.store);
    const sub = engine.ticks$.subscribe(() => recorder.sample(engine.options.tickSeconds));
    try {
      engine.apply(variant.objects as object[]);
      engine.step(options.ticks);
    } finally {
      sub.unsubscribe();
    }
    for (const [name, outcome] of recorder.hostOutcomes()) {
      const row = hostRows.get(name) ?? { name, outcomes: {} };
      row.outcomes[variant.name] = outcome;
      hostRows.set(name, row);
    }
    for (const [key, outcome] of recorder.vmOutcomes()) {
      const slash = key.indexOf("/");
      const row = vmRows.get(key) ?? { namespace: key.slice(0, slash), name: key.slice(slash + 1), outcomes: {} };
      row.outcomes[variant.name] = outcome;
      vmRows.set(key, row);
    }
  }
  const byKey = <T>(m: Map<string, T>): T[] => [...m.keys()].sort().map((k) => m.get(k)!);
  return { variants: names, ticks: options.ticks, tickSeconds, seed, hosts: byKey(hostRows), vms: byKey(vmRows) };
}

/** A peak/final pair as quantity strings. */
function pfJson(pf: PeakFinal): { peak: string; final: string } {
  return { peak: pagesToQuantity(pf.peak), final: pagesToQuantity(pf.final) };
}

/** The report with memory as exact quantity strings (docs/manifests.md, the quantity type), for `-o json`. */
export function compareReportJson(report: CompareReport): unknown {
  return {
    variants: report.variants,
    ticks: report.ticks,
    tickSeconds: report.tickSeconds,
    seed: report.seed,
    hosts: report.hosts.map((h) => ({
      name: h.name,
      outcomes: Object.fromEntries(
        Object.entries(h.outcomes).map(([v, o]) => [
          v,
          o && { policy: o.policy, minFree: pagesToQuantity(o.minFree), secondsInState: Object.fromEntries(HOST_STATES.map((s: HostMemoryState) => [s, o.secondsInState[s]])) },
        ]),
      ),
    })),
    vms: report.vms.map((vm) => ({
      namespace: vm.namespace,
      name: vm.name,
      outcomes: Object.fromEntries(
        Object.entries(vm.outcomes).map(([v, o]) => [
          v,
          o && {
            balloon: pfJson(o.balloon),
            swapped: pfJson(o.swapped),
            compressed: pfJson(o.compressed),
            guestSwapped: pfJson(o.guestSwapped),
            shared: pfJson(o.shared),
            meanStallPercent: o.meanStallPercent,
            p95StallPercent: o.p95StallPercent,
            runningTicks: o.runningTicks,
          },
        ]),
      ),
    })),
  };
}
