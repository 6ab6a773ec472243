/**
 * Ballooning at its real speed and cost (docs/memory-model.md §7, §11): the balloon takes free
 * and untouched pages at the driver's rate, but used pages only as fast as the guest pages them
 * out (GUEST_PAGING_PAGES_PER_SECOND), and that paging is charged to the VM's stall.
 */
import "reflect-metadata";
import { createEngine, quantityToPages } from "memplane";
import type { Engine } from "memplane";
import { GUEST_PAGING_PAGES_PER_SECOND } from "../../src/hypervisor/mechanisms/balloon.js";

/** A guest with all of its 4Gi in use (no free, no untouched page) squeezed by a no-tools hog. */
const CLUSTER = (vcpus: number) => `apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: esx-01}
spec: {capacity: 8Gi, vmkernelReserved: "0"}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: full}
spec:
  hostName: esx-01
  memory: 4Gi
  vcpus: ${vcpus}
  guestOS: rhel7
  workload: {allocated: 100%, active: 5%}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: hog}
spec:
  hostName: esx-01
  memory: 6Gi
  tools: {installed: false}
  workload:
    allocated: 256Mi
    active: 100%
    phases:
      - {after: 10s, allocated: 6Gi, rampSeconds: 30}
`;

const memory = (engine: Engine, name: string, field: string): number =>
  quantityToPages((engine.store.get("VirtualMachine", name, "default")!.status!.memory as unknown as Record<string, string>)[field]!);

/** Per tick of a 3-minute run: how much the balloon grew into used memory, and the VM's stall. */
function run(vcpus: number): { pagedByBalloon: number[]; stall: number[]; peakBalloon: number } {
  const engine = createEngine({ seed: 1 });
  engine.apply(CLUSTER(vcpus));
  const pagedByBalloon: number[] = [];
  const stall: number[] = [];
  let peakBalloon = 0;
  let lastSwapped = 0;
  for (let t = 0; t < 180; t++) {
    engine.step(1);
    const swapped = memory(engine, "full", "guestSwapped");
    pagedByBalloon.push(swapped - lastSwapped);
    lastSwapped = swapped;
    stall.push(engine.store.get("VirtualMachine", "full", "default")!.status!.memoryStallPercent);
    peakBalloon = Math.max(peakBalloon, memory(engine, "full", "balloon"));
  }
  return { pagedByBalloon, stall, peakBalloon };
}

describe("ballooning into used memory", () => {
  const one = run(1);

  it("goes no faster than the guest pages (about 3.9Mi/s), far below the driver's 64Mi/s", () => {
    expect(GUEST_PAGING_PAGES_PER_SECOND).toBe(1000);
    const busy = one.pagedByBalloon.filter((p) => p > 0);
    expect(busy.length).toBeGreaterThan(10); // the balloon really reached used memory
    expect(Math.max(...busy)).toBeLessThanOrEqual(GUEST_PAGING_PAGES_PER_SECOND);
    expect(one.peakBalloon).toBeGreaterThan(0);
  });

  it("charges the guest paging it causes to the VM's stall, shared by its vCPUs", () => {
    const paging = one.pagedByBalloon.map((p, i) => [p, one.stall[i]!] as const).filter(([p]) => p >= 500);
    expect(paging.length).toBeGreaterThan(0);
    // 1 ms per page (guest paging latency): 1000 pages in a 1 s tick keep one vCPU waiting all of it
    for (const [pages, stall] of paging) expect(stall).toBeGreaterThanOrEqual(Math.min(100, pages / 10) - 1);
    const two = run(2);
    const twoPaging = two.pagedByBalloon.map((p, i) => [p, two.stall[i]!] as const).filter(([p]) => p >= 500);
    for (const [pages, stall] of twoPaging) expect(stall).toBeGreaterThanOrEqual(pages / 20 - 1);
    expect(Math.max(...twoPaging.map(([, s]) => s))).toBeLessThan(Math.max(...paging.map(([, s]) => s)) + 1);
  });
});
