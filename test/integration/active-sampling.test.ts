/**
 * `spec.activeMemory.sampling` (docs/memory-model.md §4): off by default, ACTV follows the
 * working set exactly; on, it is estimated from `samplePages` random pages per sample period, as
 * ESXi does, so it wanders around the working set — the same way for the same seed.
 */
import { createEngine } from "memplane";
import { GiB, MiB, vmMemory } from "./scenario-harness.js";

const cluster = (activeMemory = "") => `apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: h}
spec:
  capacity: 16Gi
  vmkernelReserved: "0"
${activeMemory}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: app}
spec:
  hostName: h
  memory: 4Gi
  guestOS: rhel9
  workload: {allocated: 2Gi, active: 50%}
`;

/** ACTV (pages) at the end of every minute for `minutes` minutes. */
function actv(text: string, minutes: number, seed = 1): number[] {
  const e = createEngine({ seed });
  e.apply(text);
  const out: number[] = [];
  for (let m = 0; m < minutes; m++) {
    e.step(60);
    out.push(vmMemory(e, "app").active!);
  }
  return out;
}

const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

describe("active memory sampling (ACTV)", () => {
  it("is off by default: ACTV is the working set exactly", () => {
    expect(actv(cluster(), 10)).toEqual(Array(10).fill(1 * GiB));
  });

  it("on, ACTV carries a sampling error around the working set", () => {
    const xs = actv(cluster("  activeMemory: {sampling: true}"), 30);
    expect(spread(xs)).toBeGreaterThan(64 * MiB); // 100 pages of 4 GiB: one sample's SD is ≈ 177 MiB
    for (const x of xs) expect(Math.abs(x - 1 * GiB)).toBeLessThan(0.55 * GiB); // ≈ 3 SD of one sample
    expect(Math.abs(mean(xs) - 1 * GiB)).toBeLessThan(0.15 * GiB);
  });

  it("is seeded: the same seed gives the same ACTV, another seed another", () => {
    const on = cluster("  activeMemory: {sampling: true}");
    expect(actv(on, 10, 5)).toEqual(actv(on, 10, 5));
    expect(actv(on, 10, 5)).not.toEqual(actv(on, 10, 6));
  });

  it("more sampled pages, smaller error", () => {
    const coarse = actv(cluster("  activeMemory: {sampling: true, samplePages: 100}"), 30);
    const fine = actv(cluster("  activeMemory: {sampling: true, samplePages: 10000}"), 30);
    expect(spread(fine)).toBeLessThan(spread(coarse) / 3);
  });

  it("a snapshot from before the option restores as exact and goes on as if never stopped", () => {
    const straight = createEngine({ seed: 1 });
    straight.apply(cluster());
    straight.step(300);
    const old = JSON.parse(JSON.stringify(straight.snapshot())) as ReturnType<typeof straight.snapshot>;
    const model = old.model as { hosts: { spec: Record<string, unknown> }[]; vms: Record<string, unknown>[] };
    for (const h of model.hosts) delete h.spec.activeMemory;
    for (const v of model.vms) delete v.activeSample;
    const resumed = createEngine({ seed: 1 });
    resumed.restore(old);
    resumed.step(120);
    straight.step(120);
    expect(vmMemory(resumed, "app")).toEqual(vmMemory(straight, "app"));
  });
});
