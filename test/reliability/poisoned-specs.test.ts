/**
 * Defence in depth for stored specs the engine cannot use (issue 19, high 2). Validation keeps
 * them out, but one can still arrive unchecked: an old state file, or an embedder writing to the
 * store directly. Such an object must fail alone: its Scenario (or status controller) reports a
 * `ReconcileError` naming it and the field, retried with backoff (1, 2, 4 … ticks), while every
 * other object and Scenario runs exactly as if it were not there, and `step` never throws.
 * Before the fix one bad Scenario step failed the whole Scenario hook every tick (as object
 * `-`, no backoff, blocking the other Scenarios), and a bad Host or VM duration made every
 * `step` throw.
 */
import { createEngine, SnapshotError, TOKENS, type Engine, type LogEntry, type ManifestObject, type MemoryStore, type Scenario } from "../../src/index.js";

/** What an older memplane stored for `after: 1e300`. */
const POISON = "2.777777777777778e+296h36m0s";

const CLUSTER = `
apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: esx-01}
spec: {capacity: 6Gi}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: app-1}
spec: {hostName: esx-01, memory: 4Gi, workload: {allocated: 90%, active: 60, phases: [{after: 5s, allocated: 50%}]}}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: app-2}
spec: {hostName: esx-01, memory: 4Gi, workload: {allocated: 90%, active: 60}}
---
apiVersion: memplane.io/v1alpha1
kind: Scenario
metadata: {name: good}
spec:
  steps:
    - after: 3s
      patch: {kind: VirtualMachine, name: app-2, spec: {workload: {allocated: 50%}}}
    - after: 6s
      apply:
        apiVersion: memplane.io/v1alpha1
        kind: VirtualMachine
        metadata: {name: app-3}
        spec: {hostName: esx-01, memory: 1Gi}
`;

/** Objects that become poisoned: valid here, then given a bad duration behind validation's back. */
const TO_POISON = `
apiVersion: memplane.io/v1alpha1
kind: Scenario
metadata: {name: bad}
spec:
  steps:
    - after: 1s
      delete: {kind: VirtualMachine, name: app-1}
---
apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: esx-09}
spec: {capacity: 8Gi, swap: {swapInLatency: 7ms}}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: lost-1, namespace: lab}
spec: {hostName: esx-01, memory: 1Gi, workload: {phases: [{after: 7s, allocated: 50%}]}}
`;

const TICKS = 40;

function engineWithLog(): { engine: Engine; log: LogEntry[] } {
  const engine = createEngine({ seed: 7, reconcileBudgetMs: 0 });
  const log: LogEntry[] = [];
  engine.logs$.subscribe((e) => log.push(e));
  return { engine, log };
}

/** Writes objects straight into the engine's store: no validation, no defaulting. */
function storeDirectly(engine: Engine, objects: unknown[]): void {
  engine.container.get<MemoryStore>(TOKENS.Store).apply(objects as ManifestObject[]);
}

/** The validated, defaulted objects of TO_POISON with each duration replaced by POISON. */
function poisoned(): unknown[] {
  const scratch = createEngine();
  scratch.apply(TO_POISON);
  const text = JSON.stringify([scratch.store.get("Scenario", "bad"), scratch.store.get("Host", "esx-09"), scratch.store.get("VirtualMachine", "lost-1", "lab")]);
  const out = text.replace('"1s"', JSON.stringify(POISON)).replace('"7ms"', JSON.stringify(POISON)).replace('"7s"', JSON.stringify(POISON));
  expect(out.split(POISON)).toHaveLength(4);
  return (JSON.parse(out) as ManifestObject[]).map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, ...(o.metadata.namespace && { namespace: o.metadata.namespace }) }, spec: o.spec }));
}

const about = (e: LogEntry): string => `${e.kind}/${e.namespace ?? ""}/${e.name}`;
const POISONED = new Set(["Scenario//bad", "Host//esx-09", "VirtualMachine/lab/lost-1"]);

describe("a stored spec the engine cannot use fails alone", () => {
  it("each poisoned object gets its own ReconcileError with backoff; everything else runs as if it were not there", () => {
    const clean = engineWithLog();
    clean.engine.apply(CLUSTER);
    clean.engine.step(TICKS);

    const { engine, log } = engineWithLog();
    engine.apply(CLUSTER);
    storeDirectly(engine, poisoned());
    expect(() => engine.step(TICKS)).not.toThrow();

    // every poisoned object: reported by name, the field named, backoff 1, 2, 4, 8, 16, 32 ticks
    for (const key of POISONED) {
      const errors = log.filter((e) => e.action === "ReconcileError" && about(e) === key);
      expect({ key, ticks: errors.map((e) => e.tick) }).toEqual({ key, ticks: [1, 2, 4, 8, 16, 32] });
      expect(errors[0]!.message).toContain(POISON);
      expect(errors[0]!.message).toMatch(/retrying in 1 tick \(failure 1\)/);
      expect(errors[5]!.message).toMatch(/retrying in 32 ticks \(failure 6\)/);
    }
    const fields = (key: string): string => log.find((e) => e.action === "ReconcileError" && about(e) === key)!.message;
    expect(fields("Scenario//bad")).toContain("spec.steps[0].after");
    expect(fields("Host//esx-09")).toContain("spec.swap.swapInLatency");
    expect(fields("VirtualMachine/lab/lost-1")).toContain("spec.workload.phases[0].after");
    // never the anonymous whole-hook failure of old
    expect(log.filter((e) => e.name === "-")).toEqual([]);

    // the rest: byte for byte the log of a cluster without the poisoned objects
    const rest = log.filter((e) => !POISONED.has(about(e)));
    expect(rest).toEqual(clean.log);
    expect(rest.filter((e) => e.action === "ScenarioStepApplied").map((e) => `${e.tick} ${e.name} ${e.reason}`)).toEqual(["3 good Step1", "6 good Step2"]);
    // the bad Scenario's step never ran: app-1 is still there
    expect(engine.store.get("VirtualMachine", "app-1", "default")).toBeDefined();
    const retry = (engine.store.get("Scenario", "bad") as Scenario).status?.retry;
    expect(retry).toEqual({ failures: 6, nextTick: 32 + 32, message: expect.stringContaining("spec.steps[0].after") });
  });

  it("a snapshot holding them is refused whole, naming each, and changes nothing", () => {
    const { engine } = engineWithLog();
    engine.apply(CLUSTER);
    storeDirectly(engine, poisoned());
    engine.step(5);
    const saved = JSON.parse(JSON.stringify(engine.snapshot()));

    const { engine: other } = engineWithLog();
    other.apply(CLUSTER);
    other.step(3);
    const before = JSON.stringify(other.snapshot());
    expect(() => other.restore(saved)).toThrow(SnapshotError);
    try {
      other.restore(saved);
    } catch (e) {
      const problems = (e as SnapshotError).problems.join("\n");
      expect(problems).toContain("(Scenario bad) spec.steps[0].after");
      expect(problems).toContain("(Host esx-09) spec.swap.swapInLatency");
      expect(problems).toContain("(VirtualMachine lab/lost-1) spec.workload.phases[0].after");
    }
    expect(JSON.stringify(other.snapshot())).toBe(before);
  });

  it("a fixed spec runs at once, its retry cleared", () => {
    const { engine, log } = engineWithLog();
    engine.apply(CLUSTER);
    storeDirectly(engine, poisoned());
    engine.step(20);
    expect((engine.store.get("Scenario", "bad") as Scenario).status?.retry).toBeDefined();
    // fixing the Scenario through validation: it runs from the next tick, its retry cleared
    engine.apply(TO_POISON.split("---")[0]!);
    engine.step(2);
    const bad = engine.store.get("Scenario", "bad") as Scenario;
    expect(bad.status?.retry).toBeUndefined();
    expect(bad.status?.stepsDone).toBe(1);
    expect(log.some((e) => e.action === "ScenarioStepApplied" && e.name === "bad")).toBe(true);
    expect(engine.store.get("VirtualMachine", "app-1", "default")).toBeUndefined();
  });

  it("a Scenario spec of the wrong shape fails alone too", () => {
    const { engine, log } = engineWithLog();
    engine.apply(CLUSTER);
    storeDirectly(engine, [
      { apiVersion: "memplane.io/v1alpha1", kind: "Scenario", metadata: { name: "not-a-list" }, spec: { steps: "nope" } },
      { apiVersion: "memplane.io/v1alpha1", kind: "Scenario", metadata: { name: "null-step" }, spec: { steps: [null] } },
      { apiVersion: "memplane.io/v1alpha1", kind: "Scenario", metadata: { name: "number-after" }, spec: { steps: [{ after: 1e300, delete: { kind: "Host", name: "esx-01" } }] } },
    ]);
    expect(() => engine.step(10)).not.toThrow();
    const errors = (name: string): LogEntry[] => log.filter((e) => e.action === "ReconcileError" && e.name === name);
    expect(errors("not-a-list").map((e) => e.tick)).toEqual([1, 2, 4, 8]);
    expect(errors("not-a-list")[0]!.message).toContain("spec.steps: must be a list");
    expect(errors("null-step")[0]!.message).toContain("spec.steps[0].after");
    expect(errors("number-after")[0]!.message).toContain("spec.steps[0].after: invalid duration 1e+300: must be at most 87600h");
    expect(log.filter((e) => e.action === "ScenarioStepApplied").map((e) => `${e.tick} ${e.name}`)).toEqual(["3 good", "6 good"]);
    expect(engine.store.get("Host", "esx-01")).toBeDefined();
  });
});
