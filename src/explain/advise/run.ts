/** Runs a cluster in memory for advise: a fresh engine, N ticks, an observation sampled every tick. */
import type { ManifestObject } from "../../api/types.js";
import { type Engine } from "../../engine/engine.js";
import { createEngine } from "../../composition/create-engine.js";
import { modelOf } from "../model-access.js";
import { Observation } from "./observe.js";

/** A finished in-memory run. */
export interface AdviceRun {
  engine: Engine;
  observation: Observation;
}

/** Applies `objects` to a fresh engine and runs `ticks` ticks, sampling the model after each. */
export function runCluster(objects: readonly ManifestObject[], ticks: number, seed: number, tickSeconds: number): AdviceRun {
  const engine = createEngine({ seed, tickSeconds });
  engine.apply(objects);
  const model = modelOf(engine);
  const observation = new Observation();
  for (let i = 0; i < ticks; i++) {
    engine.step(1);
    observation.sample(model);
  }
  return { engine, observation };
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
