/** The custom-controller example of docs/library.md, run as written against the real engine. */
import { createEngine, parseQuantity, type Controller } from "../../../src/index.js";

/** Warns once per VM whose balloon exceeds a quarter of its memory. */
const balloonWatch: Controller = {
  name: "balloon-watch",
  forKind: "VirtualMachine",
  reconcile(req, ctx) {
    const vm = ctx.store.get("VirtualMachine", req.name, req.namespace);
    const balloon = vm?.status?.memory.balloon;
    if (!vm || !balloon) return;
    if (parseQuantity(balloon) * 4n > parseQuantity(vm.spec.memory)) {
      ctx.store.setCondition(req, { type: "BigBalloon", status: "True", reason: "Over25Percent", message: `balloon ${balloon}` });
      ctx.store.recordEvent(req, "Warning", "BigBalloon", `balloon ${balloon} is over 25 % of ${vm.spec.memory}`);
    }
    return { requeueAfterTicks: 10 };
  },
};

describe("docs/library.md custom controller", () => {
  it("runs at the custom slot, sets its condition and records an event when a balloon grows", () => {
    const engine = createEngine({ controllers: { add: [balloonWatch], disable: ["page-sharing"] } });
    const errors: string[] = [];
    engine.logs$.subscribe((e) => e.action === "ReconcileError" && errors.push(e.message));
    engine.apply(`
apiVersion: memplane.io/v1alpha1
kind: Host
metadata: { name: esx-01 }
spec: { capacity: 4Gi, ballooning: { maxPercent: 100 } }
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: { name: a }
spec: { hostName: esx-01, memory: 4Gi, workload: { allocated: 100%, active: 10 } }
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: { name: b }
spec: { hostName: esx-01, memory: 4Gi, workload: { allocated: 100%, active: 100 } }
`);
    engine.step(300);
    expect(errors).toEqual([]);
    const vms = engine.store.list("VirtualMachine");
    const big = vms.filter((v) => v.status?.conditions.some((c) => c.type === "BigBalloon"));
    const events = engine.store.list("Event").filter((e) => e.reason === "BigBalloon");
    expect(events.length).toBe(big.length);
    expect(big.length).toBeGreaterThan(0);
  });
});
