/** Runs a cluster in memory for advise: a fresh engine, N ticks, an observation sampled every tick. */
import type { ManifestObject } from "../../api/types.js";
import { type Engine } from "../../engine/engine.js";
import { createEngine } from "../../composition/create-engine.js";
import { modelOf } from "../model-access.js";
import { MetricsRecorder } from "../../metrics/metrics-recorder.js";
import type { MetricsSeries } from "../../metrics/metrics-series.js";
import type { Observation } from "./observe.js";
import { observeSeries } from "./observe-series.js";

/** A finished in-memory run. */
export interface AdviceRun {
  engine: Engine;
  /** The per-tick metrics recorded while it ran (the series `run --state` saves). */
  series: MetricsSeries;
  /** What the series says happened. */
  observation: Observation;
}

/** Applies `objects` to a fresh engine and runs `ticks` ticks, recording the metrics series `run --state` would save. */
export function runCluster(objects: readonly ManifestObject[], ticks: number, seed: number, tickSeconds: number): AdviceRun {
  const engine = createEngine({ seed, tickSeconds });
  engine.apply(objects);
  const recorder = MetricsRecorder.attach(engine);
  engine.step(ticks);
  recorder.detach();
  const { observation } = observeSeries(recorder.series, modelOf(engine));
  return { engine, series: recorder.series, observation };
}

/** The manifests of a simulation's current objects (Hosts, GuestOSProfiles, VMs), without status. */
export function manifestsOf(engine: Engine): ManifestObject[] {
  const out: ManifestObject[] = [];
  for (const kind of ["Host", "GuestOSProfile", "VirtualMachine"] as const) {
    for (const o of engine.store.list(kind, {})) {
      const m = o.metadata;
      out.push({
        apiVersion: o.apiVersion,
        kind,
        metadata: { name: m.name, ...(m.namespace !== undefined ? { namespace: m.namespace } : {}), ...(m.labels ? { labels: { ...m.labels } } : {}) },
        spec: structuredClone(o.spec),
      } as ManifestObject);
    }
  }
  return out;
}
