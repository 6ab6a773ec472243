/**
 * The benchmark's two variants of a generated cluster:
 * - **busy**: every VM's workload starts ramping to its peak within the first 20 s and ramps for
 *   20–60 s, so during the measured ticks allocations grow, hosts leave `high` and balloon and
 *   swap targets move;
 * - **steady**: the same VMs with constant workloads (no phases): after a few warm-up ticks
 *   nothing in the model changes (converged, no spec changes).
 * Both are deterministic for a seed.
 */
import type { ManifestObject } from "../src/api/types.js";
import { generateCluster, generateHostGroups } from "../src/generate/cluster-generator.js";
import { serializeCluster } from "../src/cli/commands/generate.js";

/** VMs per host in every benchmark cluster (see docs/performance.md for the choice). */
export const BENCH_VMS_PER_HOST = 100;

/** Objects per YAML chunk: each chunk stays under the 16 MiB manifest limit (like one file of `apply -f DIR`). */
export const OBJECTS_PER_CHUNK = 10_000;

type Workload = { allocated: string; active: number; phases?: { after: string; allocated: string; rampSeconds: number }[] };

/** A cluster of `vms` VMs (rounded up to whole hosts) whose workloads ramp during the first minute. */
export function busyCluster(vms: number, seed: number, overcommit = 1.5): ManifestObject[] {
  const objects: ManifestObject[] = [];
  for (const group of busyHostGroups(vms, seed, overcommit)) for (const o of group) objects.push(o);
  return objects;
}

/** {@link busyCluster} one host (and its VMs) at a time, for sizes that should not be held as objects. */
export function* busyHostGroups(vms: number, seed: number, overcommit = 1.5): Generator<ManifestObject[]> {
  let i = 0;
  for (const group of generateHostGroups({ hosts: Math.ceil(vms / BENCH_VMS_PER_HOST), vmsPerHost: BENCH_VMS_PER_HOST, overcommit, seed })) {
    for (const o of group) {
      const w = (o as unknown as { spec: { workload?: Workload } }).spec.workload;
      if (o.kind !== "VirtualMachine" || w?.phases === undefined) continue;
      const up = w.phases[0]!;
      up.after = `${1 + (i % 20)}s`;
      up.rampSeconds = 20 + (i % 41);
      i++;
    }
    yield group;
  }
}

/** The same cluster with constant workloads (no phases). */
export function steadyCluster(vms: number, seed: number, overcommit = 1.5): ManifestObject[] {
  const objects = generateCluster({ hosts: Math.ceil(vms / BENCH_VMS_PER_HOST), vmsPerHost: BENCH_VMS_PER_HOST, overcommit, seed });
  for (const o of objects) {
    const w = (o as unknown as { spec: { workload?: Workload } }).spec.workload;
    if (w !== undefined) delete w.phases;
  }
  return objects;
}

/**
 * Objects per JSON chunk. A JSON text is ONE document, and a document may hold at most 100 000
 * nodes (the reader's alias-bomb limit, see docs/manifests.md); a benchmark VM is about 50 nodes,
 * so a `kind: List` of 1 000 objects stays well under it (100 files for 100k VMs).
 */
export const JSON_OBJECTS_PER_CHUNK = 1_000;

/**
 * The cluster as JSON `kind: List` texts (`generate -o json`) of at most
 * {@link JSON_OBJECTS_PER_CHUNK} objects each — the files `generate --output DIR/` writes.
 * Takes objects or host groups (from {@link busyHostGroups}), so a large cluster streams.
 */
export function jsonChunks(objects: Iterable<ManifestObject | ManifestObject[]>): string[] {
  const chunks: string[] = [];
  const part: ManifestObject[] = [];
  const push = (o: ManifestObject): void => {
    part.push(o);
    if (part.length === JSON_OBJECTS_PER_CHUNK) chunks.push(serializeCluster(part.splice(0), "json"));
  };
  for (const item of objects) {
    if (Array.isArray(item)) for (const o of item) push(o);
    else push(item);
  }
  if (part.length > 0) chunks.push(serializeCluster(part, "json"));
  return chunks;
}

/** The cluster as YAML texts of at most {@link OBJECTS_PER_CHUNK} objects each. */
export function yamlChunks(objects: readonly ManifestObject[]): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < objects.length; i += OBJECTS_PER_CHUNK) chunks.push(serializeCluster(objects.slice(i, i + OBJECTS_PER_CHUNK), "yaml"));
  return chunks;
}
