/**
 * The Scenario kind: timed apply / patch / delete steps applied by the engine at the start of
 * the tick they come due, logged as ScenarioStepApplied, tracked in status (so snapshots carry
 * them), validated at load time like any manifest.
 */
import "reflect-metadata";
import { createEngine, ManifestValidationError, parseManifestText } from "memplane";
import type { LogEntry } from "memplane";
import { mergePatch, runOrder } from "../../src/scenario/index.js";

const CLUSTER = `
apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: h1}
spec: {capacity: 8Gi}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: web}
spec: {hostName: h1, memory: 2Gi}
`;

const SCENARIO = `
apiVersion: memplane.io/v1alpha1
kind: Scenario
metadata: {name: growth}
spec:
  steps:
    - after: 1m
      delete: {kind: VirtualMachine, name: web}
    - after: 10s
      apply:
        apiVersion: memplane.io/v1alpha1
        kind: VirtualMachine
        metadata: {name: batch}
        spec: {hostName: h1, memory: 4Gi, workload: {allocated: 1Gi}}
    - after: 30s
      patch: {kind: VirtualMachine, name: batch, spec: {workload: {allocated: 3Gi}}}
`;

function run(): { engine: ReturnType<typeof createEngine>; logs: LogEntry[] } {
  const engine = createEngine();
  const logs: LogEntry[] = [];
  engine.logs$.subscribe((l) => logs.push(l));
  engine.apply(CLUSTER + "---" + SCENARIO);
  return { engine, logs };
}

describe("Scenario", () => {
  test("steps run in order of after, at the tick they come due, logged as ScenarioStepApplied", () => {
    const { engine, logs } = run();
    engine.step(9);
    expect(engine.store.get("VirtualMachine", "batch", "default")).toBeUndefined();
    engine.step(1);
    expect(engine.store.get("VirtualMachine", "batch", "default")?.spec.memory).toBe("4Gi");
    engine.step(20);
    expect(engine.store.get("VirtualMachine", "batch", "default")?.spec.workload.allocated).toBe("3Gi");
    expect(engine.store.get("VirtualMachine", "batch", "default")?.spec.memory).toBe("4Gi"); // merge, not replace
    engine.step(30);
    expect(engine.store.get("VirtualMachine", "web", "default")).toBeUndefined();
    const steps = logs.filter((l) => l.controller === "scenario");
    expect(steps.map((l) => [l.tick, l.action, l.reason])).toEqual([
      [10, "ScenarioStepApplied", "Step2"],
      [30, "ScenarioStepApplied", "Step3"],
      [60, "ScenarioStepApplied", "Step1"],
    ]);
    expect(steps[0]!.message).toBe("step 2 (after 10s): virtualmachine/default/batch created");
    const status = engine.store.get("Scenario", "growth")!.status!;
    expect(status.stepsDone).toBe(3);
    expect(status.startedAt).toBe("0s");
    expect(status.history.map((h) => h.result)).toEqual(["Applied", "Applied", "Applied"]);
    // the applied VM is reconciled in the very tick its step ran
    expect(logs.some((l) => l.tick === 10 && l.name === "batch" && l.action === "Admitted")).toBe(true);
  });

  test("a step whose target is gone fails without stopping the rest; timeline counts from when the Scenario was applied", () => {
    const engine = createEngine();
    const logs: LogEntry[] = [];
    engine.logs$.subscribe((l) => logs.push(l));
    engine.apply(CLUSTER);
    engine.step(100);
    engine.apply(`
apiVersion: memplane.io/v1alpha1
kind: Scenario
metadata: {name: late}
spec:
  steps:
    - {after: 5s, delete: {kind: Host, name: nope}}
    - {after: 5s, patch: {kind: VirtualMachine, name: web, spec: {memory: 3Gi}}}
`);
    engine.step(5);
    const entries = logs.filter((l) => l.controller === "scenario");
    expect(entries.map((l) => [l.tick, l.action])).toEqual([
      [105, "ScenarioStepFailed"],
      [105, "ScenarioStepApplied"],
    ]);
    expect(entries[0]!.message).toMatch(/host\/nope not found/);
    expect(engine.store.get("VirtualMachine", "web", "default")?.spec.memory).toBe("3Gi");
  });

  test("a patch that makes the object invalid fails with the validation message", () => {
    const engine = createEngine();
    const logs: LogEntry[] = [];
    engine.logs$.subscribe((l) => logs.push(l));
    engine.apply(CLUSTER + `---
apiVersion: memplane.io/v1alpha1
kind: Scenario
metadata: {name: bad}
spec:
  steps: [{after: 1s, patch: {kind: VirtualMachine, name: web, spec: {reservation: 8Gi}}}]
`);
    engine.step(1);
    const entry = logs.find((l) => l.controller === "scenario")!;
    expect(entry.action).toBe("ScenarioStepFailed");
    expect(entry.message).toMatch(/reservation/);
    expect(engine.store.get("VirtualMachine", "web", "default")?.spec.reservation).toBe("0");
  });

  test("restore + step continues a Scenario exactly as never stopping would", () => {
    const a = run();
    a.engine.step(20);
    const snap = JSON.parse(JSON.stringify(a.engine.snapshot()));
    const b = createEngine();
    b.restore(snap);
    a.engine.step(50);
    b.step(50);
    expect(b.store.get("Scenario", "growth")).toEqual(a.engine.store.get("Scenario", "growth"));
    expect(b.store.get("VirtualMachine", "web", "default")).toBeUndefined();
    expect(b.store.get("VirtualMachine", "batch", "default")).toEqual(a.engine.store.get("VirtualMachine", "batch", "default"));
  });

  test("is validated at load time: one action per step, valid nested objects, known kinds", () => {
    const bad = `
apiVersion: memplane.io/v1alpha1
kind: Scenario
metadata: {name: bad}
spec:
  steps:
    - after: 10s
    - after: soon
      delete: {kind: Host, name: h1}
    - after: 1m
      apply:
        apiVersion: memplane.io/v1alpha1
        kind: VirtualMachine
        metadata: {name: x}
        spec: {hostName: h1, memory: 1Gi, reservation: 2Gi}
    - after: 2m
      delete: {kind: Pod, name: p}
`;
    const result = parseManifestText(bad, "bad.yaml");
    const messages = result.errors.map((e) => `${e.line}:${e.path} ${e.message}`);
    expect(messages.some((m) => /^7:spec\.steps\[0\] a step must have exactly one of apply, delete, patch or restart/.test(m))).toBe(true);
    expect(messages.some((m) => /^8:spec\.steps\[1\]\.after must be a duration/.test(m))).toBe(true);
    expect(messages.some((m) => /^15:spec\.steps\[2\]\.apply\.spec\.reservation must not exceed spec\.memory/.test(m))).toBe(true);
    expect(messages.some((m) => /spec\.steps\[3\]\.delete\.kind must be one of Host, VirtualMachine, GuestOSProfile/.test(m))).toBe(true);
    expect(() => createEngine().apply(bad)).toThrow(ManifestValidationError);
  });

  test("merge patch and run order", () => {
    expect(mergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1] }, { b: { c: null, e: 4 }, l: [2] })).toEqual({ a: 1, b: { d: 3, e: 4 }, l: [2] });
    expect(runOrder([{ after: "1m" }, { after: "10s" }, { after: "60s" }])).toEqual([1, 0, 2]);
  });
});
