/**
 * Controllers written for one VM or one host (src/controllers/shared/record-controller.ts) get a
 * batch path (\`reconcileAll\`) for speed. That path must be indistinguishable from the
 * per-object contract: with \`batchReconcile: false\` the same cluster, with churn, gives
 * byte-identical logs and state.
 */
import { createEngine, formatLogJson } from "memplane";
import { generateCluster } from "../../src/generate/cluster-generator.js";
import { exampleText } from "./scenario-harness.js";

function run(batchReconcile: boolean): { log: string; state: string } {
  const engine = createEngine({ seed: 5, batchReconcile });
  const lines: string[] = [];
  engine.logs$.subscribe((l) => lines.push(formatLogJson(l)));
  engine.apply(generateCluster({ hosts: 3, vmsPerHost: 12, overcommit: 2.2, seed: 4 }));
  engine.apply(exampleText("seed-story"));
  engine.apply(exampleText("states-ladder"));
  engine.step(90);
  // churn: a deletion, a power-off, a host move and a policy switch mid-run
  const vms = engine.store.list("VirtualMachine");
  engine.delete("VirtualMachine", vms[0]!.metadata.name, vms[0]!.metadata.namespace);
  const off = vms[1]!;
  engine.apply({ ...off, spec: { ...off.spec, powerState: "Off" } } as never);
  const mover = vms[2]!;
  engine.apply({ ...mover, spec: { ...mover.spec, hostName: vms[30]!.spec.hostName } } as never);
  const host = engine.store.list("Host")[1]!;
  engine.apply({ ...host, spec: { ...host.spec, policy: "mom" } } as never);
  engine.step(90);
  const state = JSON.stringify({ vms: engine.store.list("VirtualMachine"), hosts: engine.store.list("Host"), events: engine.store.list("Event"), model: engine.snapshot().model });
  return { log: lines.join("\n"), state };
}

describe("the batch path of record controllers", () => {
  it("gives the same logs and state as one reconcile per object (batchReconcile: false)", () => {
    const batched = run(true);
    const perObject = run(false);
    expect(perObject.log.split("\n").length).toBeGreaterThan(200);
    expect(perObject.log).toContain('"reason":"PowerStateOff"');
    expect(perObject.log).toContain('"reason":"HostChanged"');
    expect(perObject.log).toContain('"controller":"mom"');
    expect(batched.log).toBe(perObject.log);
    expect(batched.state).toBe(perObject.state);
  });

  it("batchReconcile must be a boolean", () => {
    expect(() => createEngine({ batchReconcile: "no" as never })).toThrow(/engine option batchReconcile must be true or false/);
  });
});
