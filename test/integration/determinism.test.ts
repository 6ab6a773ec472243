/** Same manifests + seed → byte-identical logs and state (memory-model §1). */
import { createEngine, formatLogJson } from "memplane";
import { exampleText } from "./scenario-harness.js";

function run(seed: number): { log: string; state: string } {
  const engine = createEngine({ seed });
  const lines: string[] = [];
  engine.logs$.subscribe((l) => lines.push(formatLogJson(l)));
  engine.apply(exampleText("seed-story"));
  engine.apply(exampleText("no-tools").replaceAll("esx-01", "esx-02"));
  engine.step(700);
  const state = JSON.stringify({ hosts: engine.store.list("Host"), vms: engine.store.list("VirtualMachine"), events: engine.store.list("Event") });
  return { log: lines.join("\n"), state };
}

describe("determinism", () => {
  it("two runs with the same seed are byte-identical", () => {
    const a = run(7);
    const b = run(7);
    expect(a.log.length).toBeGreaterThan(1000);
    expect(b.log).toBe(a.log);
    expect(b.state).toBe(a.state);
  });

  it("a restored snapshot continues exactly as the original", () => {
    const original = createEngine({ seed: 3 });
    original.apply(exampleText("seed-story"));
    original.step(420);
    const snap = JSON.parse(JSON.stringify(original.snapshot()));
    const restored = createEngine({ seed: 99 });
    restored.restore(snap);
    const a: string[] = [];
    const b: string[] = [];
    original.logs$.subscribe((l) => a.push(formatLogJson(l)));
    restored.logs$.subscribe((l) => b.push(formatLogJson(l)));
    original.step(200);
    restored.step(200);
    expect(b).toEqual(a);
    expect(JSON.stringify(restored.store.list("VirtualMachine"))).toBe(JSON.stringify(original.store.list("VirtualMachine")));
  });
});
