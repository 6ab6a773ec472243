/**
 * The VM whose balloon driver is stuck while its balloon is at its maximum: the swap decision
 * gives one reason for why its balloon can do no more (unresponsive, checked before stalled and
 * at its maximum), and `explain` gives the same one, in the record and in the words.
 */
import { TOKENS, createEngine, type VirtualMachine } from "memplane";
import { explainVm } from "../../src/explain/index.js";
import type { SwapDecision } from "../../src/hypervisor/decisions.js";
import { BALLOON_DRIVER_TIMEOUT_SECONDS, type MemoryModel } from "../../src/hypervisor/memory-model.js";
import { decisionsFrom } from "./controller-decisions.js";

// An idle host; the VM is over its limit (held there by paging out at allocation), then its
// limit drops while the host pages out so slowly (4Ki/s, no compression) that the need stays:
// the swap decision keeps asking why the balloon is done.
const HOST = (writeRate: string): string => `apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: h1}
spec: {capacity: 8Gi, swap: {writeRate: ${writeRate}}, compression: {enabled: false}}
`;
const CLUSTER = `${HOST("256Mi")}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: jammed}
spec: {hostName: h1, memory: 4Gi, limit: 2Gi, tools: {installed: true}, guestSwap: 4Gi, workload: {allocated: 3Gi, active: 50}}
`;

describe("a VM both stuck and at its balloon maximum", () => {
  it("gets one answer from the swap controller and from explain: its driver is unresponsive", () => {
    const engine = createEngine({ seed: 1 });
    engine.apply(CLUSTER);
    const model = engine.container.get<MemoryModel>(TOKENS.MemoryModel);
    engine.step(20); // over its limit: the balloon inflates
    const o = engine.store.get("VirtualMachine", "jammed", "default")!;
    // the driver sticks, and the maximum drops below the balloon it already has
    const spec = { ...o.spec, limit: "1Gi", tools: { installed: true, balloonDriver: "stuck" }, maxBalloon: "256Mi" };
    engine.apply({ apiVersion: o.apiVersion, kind: "VirtualMachine", metadata: { name: "jammed" }, spec } as VirtualMachine);
    engine.apply(HOST("4Ki"));
    engine.step(BALLOON_DRIVER_TIMEOUT_SECONDS + 10);

    const vm = model.vm("default", "jammed")!;
    expect(vm.balloon).toBeGreaterThanOrEqual(vm.balloonMax); // at its maximum
    expect(vm.driverIdleSeconds).toBeGreaterThanOrEqual(BALLOON_DRIVER_TIMEOUT_SECONDS); // and stuck

    const controller = decisionsFrom(engine.snapshot(), ["swap"]).pageOut.get(vm.key)!;
    expect(controller).toMatchObject({ reason: "OverLimit", balloonDone: true, balloonDoneReason: "unresponsive" });

    const r = explainVm(engine, "jammed");
    const live = r.live.find((d): d is SwapDecision => d.type === "swap")!;
    expect(live).toMatchObject({ reason: "OverLimit", balloonDone: true, balloonDoneReason: "unresponsive" });
    expect(r.text).toContain("it is over its limit and its balloon driver is stuck (unresponsive), so the rest is compressed and swapped");
    expect(r.text).not.toContain("and its balloon is at its maximum, so");
  });
});
