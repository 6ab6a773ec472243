/**
 * The policy controllers keep no state of their own: a restored engine continues a MOM,
 * squeezed or hyperv host exactly as the original does (balloon targets and driver state live in the
 * memory model's snapshot; MOM's 10 s cadence comes from simulated time).
 */
import { createEngine } from "memplane";
import { clusterYaml } from "./policy-cluster.js";

describe.each(["mom", "squeezed", "hyperv"])("%s", (policy) => {
  test("restore + step == never stopped", () => {
    // hyperv balances only VMs with Dynamic Memory (the other policies ignore the setting)
    const dynamicMemory = policy === "hyperv" ? "{startup: 2Gi, minimum: 512Mi}" : undefined;
    const yaml = clusterYaml(policy, [
      { name: "a", allocated: "3Gi", workloadExtra: "    phases: [{after: 30s, allocated: 1Gi}]\n", dynamicMemory },
      { name: "b", allocated: "3Gi", dynamicMemory },
      { name: "c", allocated: "1Gi", reservation: "2Gi" },
    ]);
    const original = createEngine({ seed: 5 });
    original.apply(yaml);
    original.step(5); // MOM has not evaluated yet; squeezed balloons are still inflating
    const snapshotBalloons = original.store.list("VirtualMachine").map((v) => v.status?.memory.balloon);
    const restored = createEngine();
    restored.restore(JSON.parse(JSON.stringify(original.snapshot())));
    const logsA: unknown[] = [];
    const logsB: unknown[] = [];
    original.logs$.subscribe((l) => logsA.push(l));
    restored.logs$.subscribe((l) => logsB.push(l));
    original.step(60);
    restored.step(60);
    expect(logsB).toEqual(logsA);
    const after = JSON.stringify(original.store.list("VirtualMachine").map((v) => v.status?.memory.balloon));
    expect(original.store.list("VirtualMachine").some((v) => v.status?.memory.balloon !== "0")).toBe(true);
    expect(after).not.toBe(JSON.stringify(snapshotBalloons)); // balloons moved after the snapshot
    expect(restored.store.list("VirtualMachine")).toEqual(original.store.list("VirtualMachine"));
  });
});
