/**
 * `apply --server` of a big fleet (cli/remote/client.ts, `applyBatches`): the objects go in
 * order, in requests of at most 512 KiB of JSON (the server takes 1 MiB bodies), and none is
 * lost or repeated; an object bigger than a batch goes alone.
 */
import { APPLY_BATCH_BYTES, applyBatches } from "../../../src/cli/remote/client.js";
import { generateCluster } from "../../../src/generate/cluster-generator.js";
import type { ManifestObject } from "../../../src/api/types.js";

describe("apply --server batches", () => {
  it("cuts a generated fleet into requests under the limit, in order", () => {
    const objects = generateCluster({ hosts: 20, vmsPerHost: 100, seed: 3 });
    const batches = applyBatches(objects);
    expect(batches.length).toBeGreaterThan(1);
    for (const b of batches) expect(Buffer.byteLength(JSON.stringify(b))).toBeLessThanOrEqual(APPLY_BATCH_BYTES);
    expect(batches.flat()).toEqual(objects);
  });

  it("sends an object bigger than a batch alone, and a small apply in one request", () => {
    const huge = { apiVersion: "memplane.io/v1alpha1", kind: "Host", metadata: { name: "big", annotations: { note: "x".repeat(APPLY_BATCH_BYTES) } }, spec: {} } as unknown as ManifestObject;
    const small = { apiVersion: "memplane.io/v1alpha1", kind: "Host", metadata: { name: "small" }, spec: {} } as unknown as ManifestObject;
    expect(applyBatches([small, huge, small]).map((b) => b.length)).toEqual([1, 1, 1]);
    expect(applyBatches([small, small])).toHaveLength(1);
  });
});
