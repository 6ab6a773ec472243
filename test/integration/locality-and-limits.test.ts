/**
 * Working-set locality, double paging and limits at allocation (docs/memory-model.md,
 * *Working-set locality* and *Limits*): what an admin sees — a no-tools VM held at its limit
 * stops churning, swapped memory settles at the cold remainder after contention, the guest
 * paging out a page the host swapped costs a swap-in, and no VM ever consumes more than its limit.
 */
import { TOKENS, createEngine } from "memplane";
import type { Engine } from "memplane";
import type { MemoryModel } from "../../src/hypervisor/memory-model.js";
import type { VmRecord } from "../../src/hypervisor/ledger.js";
import { GiB, MiB, condition, runExample } from "./scenario-harness.js";

const model = (engine: Engine): MemoryModel => engine.container.get<MemoryModel>(TOKENS.MemoryModel);
const swapped = (v: VmRecord): number => v.usedSwapped + v.freeSwapped;

/** Runs `seconds` ticks and returns the mean per-tick swap-ins and stall of one VM over them. */
function window(engine: Engine, name: string, seconds: number): { swapIns: number; stall: number } {
  let swapIns = 0;
  let stall = 0;
  for (let t = 0; t < seconds; t++) {
    engine.step(1);
    const v = model(engine).vm("default", name)!;
    swapIns += v.counters.swapIns;
    stall += v.stallPercent;
  }
  return { swapIns: swapIns / seconds, stall: stall / seconds };
}

const HOST = (capacity: string): string => `
apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: esx-01}
spec: {capacity: ${capacity}, vmkernelReserved: "0"}
`;

describe("a no-tools VM held at its limit (working-set locality)", () => {
  const text = `${HOST("64Gi")}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: limited}
spec:
  hostName: esx-01
  memory: 8Gi
  limit: 2Gi
  tools: {installed: false}
  workload: {allocated: 4Gi, active: 25%}
`;

  it("stops churning within 10 minutes while its cold pages stay swapped", () => {
    const engine = createEngine({ seed: 1 });
    engine.apply(text);
    const early = window(engine, "limited", 120);
    window(engine, "limited", 420);
    const late = window(engine, "limited", 60); // minute 10
    const v = model(engine).vm("default", "limited")!;
    // the working set (1 GiB) fits under the 2 GiB limit: hot pages fault back and stay
    expect(early.stall).toBeGreaterThan(50);
    expect(late.stall).toBeLessThan(5);
    expect(late.swapIns).toBeLessThan(early.swapIns / 20);
    expect(swapped(v)).toBeGreaterThan(1 * GiB); // SWCUR: the cold remainder, not drained
    expect(v.hotSwapped + v.hotCompressed).toBeLessThan(v.hotMapped / 20);
  });
});

describe("after contention (working-set locality)", () => {
  const text = (hogOn: boolean): string => `${HOST("8Gi")}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: app}
spec:
  hostName: esx-01
  memory: 3Gi
  tools: {installed: false}
  workload: {allocated: 2Gi, active: 20%}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: hog}
spec:
  hostName: esx-01
  memory: 6Gi
  shares: high
  tools: {installed: false}
  powerState: ${hogOn ? "On" : "Off"}
  workload:
    allocated: 256Mi
    active: 100%
    phases: [{after: 60s, allocated: 6Gi, rampSeconds: 60}]
`;

  it("swapped memory settles at the cold remainder instead of draining to 0", () => {
    const engine = createEngine({ seed: 1 });
    engine.apply(text(true));
    engine.step(600);
    engine.apply(text(false)); // the hog powers off: the host has memory to give
    window(engine, "app", 60);
    const settled = swapped(model(engine).vm("default", "app")!);
    const after = window(engine, "app", 600);
    const v = model(engine).vm("default", "app")!;
    expect(model(engine).host("esx-01")!.state).toBe("high");
    expect(settled).toBeGreaterThan(256 * MiB);
    expect(swapped(v)).toBeGreaterThan(settled * 0.9); // nobody touches cold pages: ESXi does not read them back
    expect(after.stall).toBeLessThan(1);
  });
});

describe("double paging", () => {
  it("a balloon that makes the guest page out pages the host already swapped costs a host swap-in each", () => {
    const engine = createEngine({ seed: 1 });
    engine.apply(`${HOST("8Gi")}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: db}
spec:
  hostName: esx-01
  memory: 3Gi
  guestSwap: 3Gi
  workload: {allocated: 2560Mi, active: 20%}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: app}
spec:
  hostName: esx-01
  memory: 3Gi
  tools: {installed: false}
  workload: {allocated: 2Gi, active: 20%}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: hog}
spec:
  hostName: esx-01
  memory: 6Gi
  shares: high
  tools: {installed: false}
  workload:
    allocated: 256Mi
    active: 100%
    phases: [{after: 60s, allocated: 6Gi, rampSeconds: 30}]
`);
    let doublePaged = 0;
    let ballooned = 0;
    for (let t = 0; t < 300; t++) {
      engine.step(1);
      const v = model(engine).vm("default", "db")!;
      expect(v.counters.doublePagings).toBeLessThanOrEqual(v.counters.swapIns + v.counters.decompressions);
      expect(v.counters.doublePagings).toBeLessThanOrEqual(v.counters.guestPageOuts);
      doublePaged += v.counters.doublePagings;
      ballooned = Math.max(ballooned, v.guestSwapped);
    }
    expect(ballooned).toBeGreaterThan(0); // the balloon reached used pages
    expect(doublePaged).toBeGreaterThan(0);
  });
});

describe("limits at allocation", () => {
  it("the over-limit VM never consumes more than its limit, from the first tick, and is still reported OverLimit", () => {
    const { engine, logs } = runExample("over-limit");
    const m = model(engine);
    for (let t = 0; t < 300; t++) {
      engine.step(1);
      const v = m.vm("default", "limited")!;
      if (m.consumed(v) > v.spec.limit) throw new Error(`tick ${t + 1}: consumed ${m.consumed(v)} > limit ${v.spec.limit}`);
    }
    const v = m.vm("default", "limited")!;
    expect(m.consumed(v)).toBeGreaterThan(1 * GiB); // its 1 GiB working set stays resident
    expect(v.balloon).toBeGreaterThan(0);
    expect(swapped(v) + v.usedCompressed + v.freeCompressed).toBeGreaterThan(0);
    expect(condition(engine, "VirtualMachine", "limited", "OverLimit")).toMatchObject({ status: "True", reason: "DemandOverLimit" });
    expect(logs.some((l) => l.action === "OverLimit" && l.name === "limited")).toBe(true);
  });

  it("a boot-zeroing guest backs no more than its limit either", () => {
    const engine = createEngine({ seed: 1 });
    engine.apply(`${HOST("16Gi")}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: win}
spec:
  hostName: esx-01
  memory: 6Gi
  limit: 2Gi
  workload: {allocated: 1Gi, touchAllOnBoot: true}
`);
    engine.step(1);
    const v = model(engine).vm("default", "win")!;
    expect(model(engine).consumed(v)).toBeLessThanOrEqual(2 * GiB);
    expect(model(engine).invariantViolations()).toEqual([]);
  });
});
