/**
 * Log messages say what happened (issue 18 item 5): a climb names the threshold free rose above,
 * not the one it is still below; a denial that changes no phase shows no `Pending → Pending`;
 * a VM that is not running has no ready balloon driver.
 */
import { condition, runExample } from "./scenario-harness.js";

/** MiB of a log message quantity (`408.0Mi`, `2Gi`, `0`). */
function parseQuantity(q: string): number {
  const scale: Record<string, number> = { "": 1 / (1024 * 1024), Ki: 1 / 1024, Mi: 1, Gi: 1024 };
  return parseFloat(q) * scale[q.replace(/^[\d.]+/, "")]!;
}

describe("log messages that say what happened", () => {
  it("a host climbing back names the threshold free is above, never a comparison saying free is below", () => {
    const { engine, logs } = runExample("seed-story");
    engine.step(700);
    const climbs = logs.filter((e) => e.action === "StateChanged" && e.reason === "FreeMemoryRecovered");
    expect(climbs.length).toBeGreaterThan(0);
    for (const e of climbs) {
      expect(e.message).not.toMatch(/ < |must stay/);
      const m = /climbed from (\w+) to (\w+): free (\S+) ≥ (\S+) \((\w+)'s \d+% \+ \d+% hysteresis of minFree \S+\), high enough to climb for \d+s$/.exec(e.message);
      expect(m).not.toBeNull();
      expect([m![1], m![2]]).toEqual([e.from, e.to]);
      expect(parseQuantity(m![3]!)).toBeGreaterThanOrEqual(parseQuantity(m![4]!));
    }
    // hard → clear climbs over soft's threshold (the state just below clear), not hard's
    const hardToClear = climbs.find((e) => e.from === "hard" && e.to === "clear");
    if (hardToClear) expect(hardToClear.message).toContain("(soft's 64%");
    // falls still name the threshold free fell below
    for (const e of logs.filter((x) => x.action === "StateChanged" && x.reason === "FreeMemoryFell")) expect(e.message).toMatch(/free \S+ < \S+/);
  });

  it("a denied VM that stays Pending logs no phase change, and reports no ready balloon driver", () => {
    const { engine, logs } = runExample("admission");
    engine.step(3);
    const denied = logs.find((e) => e.action === "AdmissionDenied" && e.name === "vm-b");
    expect(denied).toBeDefined();
    expect(denied!.from).toBeUndefined();
    expect(denied!.to).toBeUndefined();
    const admitted = logs.find((e) => e.action === "Admitted" && e.name === "vm-a");
    expect([admitted!.from, admitted!.to]).toEqual(["Pending", "Running"]);
    expect(condition(engine, "VirtualMachine", "vm-b", "BalloonDriverReady")).toMatchObject({ status: "False", reason: "NotRunning" });
    expect(condition(engine, "VirtualMachine", "vm-a", "BalloonDriverReady")).toMatchObject({ status: "True", reason: "Ready" });
  });
});
