/**
 * The classroom-lesson example tells its story in order: the Scenario's three steps, the host
 * going under pressure after the batch job arrives, lower still after the web spike, and back
 * to high once the batch job is deleted.
 */
import { runExample } from "./scenario-harness.js";

test("classroom-lesson: batch arrives → pressure → spike → hard or low → batch ends → high", () => {
  const { engine, logs } = runExample("classroom-lesson");
  engine.step(12 * 60);
  const steps = logs.filter((l) => l.action === "ScenarioStepApplied").map((l) => [l.time, l.message.replace(/^step \d+ \(after [^)]+\): /, "")]);
  expect(steps).toEqual([
    ["2m0s", "virtualmachine/default/batch created"],
    ["6m0s", "virtualmachine/default/web patched (configured)"],
    ["10m0s", "virtualmachine/default/batch deleted"],
  ]);
  const states = logs.filter((l) => l.action === "StateChanged").map((l) => ({ t: l.tick, to: l.to }));
  const during = (from: number, to: number) => states.filter((s) => s.t > from && s.t <= to).map((s) => s.to);
  expect(states.filter((s) => s.t <= 120)).toEqual([]); // no contention before the batch job
  expect(during(120, 360)).toEqual(expect.arrayContaining(["soft"])); // lesson 1: overcommit
  expect(during(359, 600).some((s) => s === "hard" || s === "low")).toBe(true); // lesson 2: the spike
  expect(during(600, 720).at(-1)).toBe("high"); // lesson 3: relief
  expect(logs.some((l) => l.action === "BalloonTargetChanged" && l.tick > 120 && l.tick <= 360)).toBe(true);
  expect(engine.store.get("Host", "esx-01")!.status!.state).toBe("high");
});
