/**
 * explain leads with the cause in time (issue 18 item 5): what is reclaimed since when and why,
 * then the numbers; a cap binds only when the balloon reaches it; a reservation of 0 is no cap;
 * the host line does not say "nothing is ballooned" while balloons are inflated. Asserted against
 * the run's own conditions and records, not fixed numbers (fidelity work moves them).
 */
import { explainVm, explainHost } from "../../src/explain/index.js";
import type { BalloonDecision } from "../../src/hypervisor/decisions.js";
import { formatSimTime } from "../../src/api/duration.js";
import { timestampSeconds } from "../../src/api/timestamps.js";
import { runExample } from "../integration/scenario-harness.js";

const transition = (engine: ReturnType<typeof runExample>["engine"], name: string, type: string): string | undefined => {
  // the condition's RFC 3339 time as the simulated time explain prints ("8m35s")
  const t = engine.store.get("VirtualMachine", name, "default")?.status?.conditions?.find((c) => c.type === type && c.status === "True")?.lastTransitionTime;
  return t === undefined ? undefined : formatSimTime(timestampSeconds(t, engine.options.epoch));
};

describe("explain vm: the cause in time first", () => {
  const { engine } = runExample("seed-story");
  engine.step(625);

  it("seed-story app: ballooned since the balloon began, because esx-01 went soft when the batch VMs grew; then the numbers", () => {
    const [first, second] = explainVm(engine, "app").text.split("\n");
    const since = transition(engine, "app", "Ballooning");
    expect(since).toBeDefined();
    expect(first).toMatch(new RegExp(`^vm default/app on host esx-01, tick 625 \\(10m25s\\): ballooned since ${since} because host esx-01 went soft( at \\S+)? when batch-1 and batch-2 grew\\.$`));
    expect(second).toMatch(/^Running; consumes \S+ of 4Gi, entitlement \S+, balloon \S+,/);
  });

  it("a balloon below its maximum names no binding cap, and a reservation of 0 is no cap", () => {
    const r = explainVm(engine, "app");
    const b = r.live.find((d): d is BalloonDecision => d.type === "balloon")!;
    expect(Math.max(b.balloon, b.target)).toBeLessThan(b.balloonMax); // the premise of this test
    expect(r.text).not.toContain("binding cap");
    expect(r.text).toMatch(/below every cap, so no cap binds; the lowest is maxPercent: Mem\.CtlMaxPercent \(65 %\) of 4Gi/);
    expect(r.text).not.toMatch(/other caps:[^)]*reservation/);
    expect(r.text).not.toMatch(/maxBalloon none/);
  });

  it("the host line says what is still ballooned in clear, never 'nothing is ballooned'", () => {
    const host = engine.model.host("esx-01")!;
    const ballooned = engine.model.vmsOf(host).filter((v) => v.balloon > 0).map((v) => v.name);
    expect(ballooned.length).toBeGreaterThan(0);
    for (const text of [explainVm(engine, "app").text, explainHost(engine, "esx-01").text]) {
      expect(text).not.toContain("nothing is ballooned");
      if (host.state === "clear" || host.state === "high") expect(text).toContain(`is still ballooned (${ballooned.join(", ")}) from earlier pressure`);
    }
  });

  it("a VM nothing is taken from keeps the numbers on its first line", () => {
    const { engine: e } = runExample("reservation-shield");
    e.step(280);
    expect(explainVm(e, "db-full").text.split("\n")[0]).toMatch(/^vm default\/db-full on host esx-01, tick 280 \(4m40s\): Running; consumes /);
  });

  it("over its limit: ballooned because it went over its limit", () => {
    const { engine: e } = runExample("over-limit");
    e.step(120);
    const first = explainVm(e, "limited").text.split("\n")[0]!;
    expect(first).toMatch(/: (ballooned|ballooned, [a-z, ]+) since \S+(, .+)? because it went over its limit \(2Gi\) at \S+\.$/);
  });

  it("VMs that powered on just before the pressure are named as its cause", () => {
    const { engine: e } = runExample("no-tools");
    e.step(190);
    const first = explainVm(e, "with-tools").text.split("\n")[0]!;
    expect(first).toMatch(/: ballooned since \S+ because host esx-01 went soft( at \S+)? when .*\bthis VM powered on\.$/);
    expect(first).toContain("without-tools");
  });
});
