/**
 * Zero pages (docs/memory-model.md §9): a Windows guest zeroes all of its memory at boot, and
 * once the host falls below the large-page line, ESXi's page sharing collapses those zero pages
 * inside the VM (salting only stops sharing between VMs). A zeroed page the guest writes stops
 * being zero.
 */
import { TOKENS, createEngine } from "memplane";
import type { MemoryModel } from "../../src/hypervisor/memory-model.js";
import { GiB, MiB, vmMemory } from "./scenario-harness.js";

/** A 16 GiB host (vmkernel reservation pinned), a 6 GiB Windows guest using 1.5 GiB, and a hog that ramps up from t = 60 s. */
const cluster = (opts: { hog?: string; sharing?: string; winPhases?: string } = {}) => `apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: h}
spec:
  capacity: 16Gi
  vmkernelReserved: "0"
  minFree: 656Mi
${opts.sharing ?? ""}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: win}
spec:
  hostName: h
  memory: 6Gi
  guestOS: windows-server-2022-desktop
  workload: {allocated: 1536Mi, active: 50%${opts.winPhases ?? ""}}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: hog}
spec:
  hostName: h
  memory: 12Gi
  guestOS: rhel9
  workload: {allocated: 1Gi, active: 90%, phases: [{after: 60s, allocated: ${opts.hog ?? "12Gi"}, rampSeconds: 300}]}
`;

function run(text: string, seconds: number) {
  const e = createEngine({ seed: 1 });
  e.apply(text);
  e.step(seconds);
  const record = e.container.get<MemoryModel>(TOKENS.MemoryModel).vm("default", "win")!;
  return { e, record, win: vmMemory(e, "win") };
}

describe("zero pages of a boot-zeroed Windows guest", () => {
  it("are not shared while the host is above the large-page line (large pages back them)", () => {
    const { record, win } = run(cluster({ hog: "1Gi" }), 600);
    expect(record.zeroed).toBe(6 * GiB - 1536 * MiB); // zeroed at boot, less what the guest then wrote
    expect(win.shared).toBe(0);
    expect(win.consumed).toBe(6 * GiB);
  });

  it("are mostly shared under pressure, with salting on, so the host needs no balloon or swap", () => {
    const { record, win } = run(cluster(), 15 * 60);
    const zeroed = 6 * GiB - 1536 * MiB;
    expect(record.zeroed).toBe(zeroed);
    expect(record.sharedZero).toBeGreaterThanOrEqual(0.9 * zeroed); // before: 67 MiB of 4.5 GiB
    expect(win.consumed).toBeLessThan(2 * GiB);
    expect(win.balloon).toBe(0);
    expect(win.swapped).toBe(0);
  });

  it("stop being zero when the guest writes them: sharing breaks as the guest grows into them", () => {
    const grown = run(cluster({ winPhases: ", phases: [{after: 15m, allocated: 3584Mi}]" }), 20 * 60);
    const zeroed = 6 * GiB - 3584 * MiB;
    expect(grown.record.zeroed).toBe(zeroed);
    expect(grown.record.sharedZero).toBeLessThanOrEqual(zeroed + Math.ceil(0.02 * 3584 * MiB)); // only what is still zero (and the workload's 2 %)
    expect(grown.win.guestUsed).toBe(3584 * MiB);
  });

  it("a snapshot from before zeroed pages were tracked restores with none", () => {
    const { e } = run(cluster(), 400);
    const snapshot = JSON.parse(JSON.stringify(e.snapshot())) as ReturnType<typeof e.snapshot>;
    for (const v of (snapshot.model as { vms: Record<string, unknown>[] }).vms) delete v.zeroed;
    const restored = createEngine({ seed: 1 });
    restored.restore(snapshot);
    restored.step(60);
    expect(restored.container.get<MemoryModel>(TOKENS.MemoryModel).vm("default", "win")!.zeroed).toBe(0);
  });

  it("are not shared with page sharing off", () => {
    const { win } = run(cluster({ sharing: "  pageSharing: {enabled: false}" }), 15 * 60);
    expect(win.shared).toBe(0);
    expect(win.balloon + win.swapped + win.compressed).toBeGreaterThan(512 * MiB);
  });
});
