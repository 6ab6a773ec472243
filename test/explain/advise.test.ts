/**
 * advise through the library: every planted problem of the fixture cluster is found (with a fix
 * and a source), a clean cluster gets no finding, the seed's advice is quantified by a what-if
 * run, and a saved simulation is advised as it stands.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createEngine } from "memplane";
import { adviseEngine, adviseManifests, reachesSeverity, type Finding } from "../../src/explain/index.js";

const fixture = (name: string): string => readFileSync(join(process.cwd(), "test/fixtures/advise", `${name}.yaml`), "utf8");
const find = (findings: Finding[], check: string, object: string): Finding | undefined => findings.find((f) => f.check === check && f.object === object);

describe("advise on manifests", () => {
  const planted = adviseManifests(fixture("planted"), { ticks: 400, whatIf: 2 }); // long enough for thin-swap's balloon, paced by guest paging, to fill its swap

  it.each([
    ["NoBalloonDriver", "vm/default/legacy"],
    ["LimitBelowMemory", "vm/default/capped"],
    ["GuestSwapBelowBalloonMax", "vm/default/thin-swap"],
    ["IdleReservation", "vm/default/hoarder"],
    ["AdmissionBlocked", "vm/default/late"],
    ["Overcommit", "host/packed"],
    ["HostHardPressure", "host/packed"],
  ])("finds %s on %s, with a fix and a source", (check, object) => {
    const f = find(planted.findings, check, object);
    expect(f).toBeDefined();
    expect(f!.fix.length).toBeGreaterThan(10);
    expect(f!.source).toMatch(/memory-model\.md §|seed/);
  });

  it("grades by what happened: a stalled balloon and a blocked admission are critical", () => {
    expect(find(planted.findings, "GuestSwapBelowBalloonMax", "vm/default/thin-swap")!.severity).toBe("critical");
    expect(find(planted.findings, "AdmissionBlocked", "vm/default/late")!.severity).toBe("critical");
    expect(find(planted.findings, "NoBalloonDriver", "vm/default/legacy")!.severity).toBe("warning");
    expect(find(planted.findings, "HostHardPressure", "host/packed")!.message).toMatch(/Who paid .*cruncher \(stall \d/);
    expect(find(planted.findings, "Overcommit", "host/packed")!.message).toMatch(/overcommit 2\.38×/);
  });

  it("quantifies the seed's advice with a re-run that adds a reservation", () => {
    const whatIfs = planted.findings.filter((f) => f.check === "ReservationWhatIf");
    expect(whatIfs.length).toBeGreaterThan(0);
    expect(whatIfs[0]!.message).toMatch(/^a reservation of \S+ on \S+ would have avoided \S+ of ballooning \(peak \S+ → \S+\).* at the cost of \S+ of unreserved capacity on packed/);
    // the limited VM is not offered a reservation: a reservation cannot lift a limit
    expect(whatIfs.some((f) => f.object === "vm/default/capped")).toBe(false);
  });

  it("sorts most severe first and gates on --fail-on", () => {
    const ranks = planted.findings.map((f) => ["info", "warning", "critical"].indexOf(f.severity));
    expect([...ranks].sort((a, b) => b - a)).toEqual(ranks);
    expect(reachesSeverity(planted.findings, "critical")).toBe(true);
  });

  it("stays silent on a clean cluster", () => {
    const clean = adviseManifests(fixture("clean"), { ticks: 120 });
    expect(clean.findings).toEqual([]);
    expect(reachesSeverity(clean.findings, "info")).toBe(false);
  });
});

describe("advise on a saved simulation", () => {
  it("checks the specs and reads time under pressure from the host's state-change records", () => {
    const engine = createEngine();
    engine.apply(fixture("planted"));
    engine.step(200);
    const report = adviseEngine(engine, { whatIf: 0 });
    expect(report.mode).toBe("state");
    expect(report.ticks).toBe(200);
    expect(find(report.findings, "NoBalloonDriver", "vm/default/legacy")).toBeDefined();
    expect(find(report.findings, "AdmissionBlocked", "vm/default/late")).toBeDefined();
    expect(find(report.findings, "HostHardPressure", "host/packed")).toBeDefined();
  });
});
