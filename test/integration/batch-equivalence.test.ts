/**
 * The built-in VM controllers reconcile all VMs in one call (`reconcileAll`) for speed. That
 * fast path must be indistinguishable from the per-object contract: with `reconcileAll`
 * removed, the same cluster gives byte-identical logs and state.
 */
import { createEngine, formatLogJson } from "memplane";
import { BalloonController } from "../../src/controllers/balloon/balloon-controller.js";
import { ReservationController } from "../../src/controllers/reservation/reservation-controller.js";
import { VmStatusController } from "../../src/controllers/status/vm-status-controller.js";
import { WorkloadController } from "../../src/controllers/workload/workload-controller.js";
import { generateCluster } from "../../src/generate/cluster-generator.js";
import { exampleText } from "./scenario-harness.js";

const BATCHED = [BalloonController, ReservationController, VmStatusController, WorkloadController];

function run(): { log: string; state: string } {
  const engine = createEngine({ seed: 5 });
  const lines: string[] = [];
  engine.logs$.subscribe((l) => lines.push(formatLogJson(l)));
  engine.apply(generateCluster({ hosts: 3, vmsPerHost: 12, overcommit: 2.2, seed: 4 }));
  engine.apply(exampleText("seed-story"));
  engine.step(90);
  // churn: a deletion, a power-off and a host move mid-run
  const vms = engine.store.list("VirtualMachine");
  engine.delete("VirtualMachine", vms[0]!.metadata.name, vms[0]!.metadata.namespace);
  const off = vms[1]!;
  engine.apply({ ...off, spec: { ...off.spec, powerState: "Off" } } as never);
  const mover = vms[2]!;
  engine.apply({ ...mover, spec: { ...mover.spec, hostName: vms[30]!.spec.hostName } } as never);
  engine.step(90);
  const state = JSON.stringify({ vms: engine.store.list("VirtualMachine"), hosts: engine.store.list("Host"), events: engine.store.list("Event") });
  return { log: lines.join("\n"), state };
}

describe("reconcileAll fast path", () => {
  it("gives the same logs and state as one reconcile per object", () => {
    const batched = run();
    const saved = BATCHED.map((c) => Object.getOwnPropertyDescriptor(c.prototype, "reconcileAll")!);
    try {
      for (const c of BATCHED) delete (c.prototype as { reconcileAll?: unknown }).reconcileAll;
      const perObject = run();
      expect(perObject.log.split("\n").length).toBeGreaterThan(200);
      expect(perObject.log).toContain('"reason":"PowerStateOff"');
      expect(perObject.log).toContain('"reason":"HostChanged"');
      expect(batched.log).toBe(perObject.log);
      expect(batched.state).toBe(perObject.state);
    } finally {
      BATCHED.forEach((c, i) => Object.defineProperty(c.prototype, "reconcileAll", saved[i]!));
    }
  });
});
