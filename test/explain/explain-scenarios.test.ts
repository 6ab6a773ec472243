/**
 * explainVm / explainHost on the shipped examples: each explanation names the rule that produced
 * the VM's balloon, swap, entitlement or admission — asserted on the records and on the words.
 */
import { DECISION_RETENTION, type BalloonDecision, type EntitlementDecision } from "../../src/hypervisor/decisions.js";
import { ExplainError, explainHost, explainVm } from "../../src/explain/index.js";
import { TOKENS } from "memplane";
import type { MemoryModel } from "../../src/hypervisor/memory-model.js";
import { MiB, runExample } from "../integration/scenario-harness.js";

const liveOf = <T extends "balloon" | "entitlement" | "swap">(r: { live: { type: string }[] }, type: T) =>
  r.live.find((d) => d.type === type) as (T extends "balloon" ? BalloonDecision : T extends "entitlement" ? EntitlementDecision : never) | undefined;

describe("explainVm names the binding cap or cause", () => {
  it("balloon-floor: the OS floor binds at 496Mi (rhel7 512Mi + 16Mi slack of 1Gi)", () => {
    const { engine } = runExample("balloon-floor");
    engine.step(400);
    const r = explainVm(engine, "rhel-small");
    const b = liveOf(r, "balloon")!;
    expect(b.binding).toBe("osFloor");
    expect(b.balloonMax).toBe(496 * MiB);
    expect(r.text).toContain("binding cap: osFloor");
    expect(r.text).toMatch(/guest OS minimum \(rhel7, 512Mi\) plus AppBalloonMaxSlack \(16Mi\) leaves 496Mi of 1Gi/);
    // the hog has no tools: no driver, straight to compression and swap
    const hog = explainVm(engine, "hog");
    expect(liveOf(hog, "balloon")!.binding).toBe("noDriver");
    expect(hog.text).toContain("binding cap: no driver");
    expect(hog.text).toMatch(/Stall [\d.]+ % in the last tick: it waited on .*swap-ins/);
  });

  it("over-limit: the limit bounds the entitlement and the balloon works on an idle host", () => {
    const { engine } = runExample("over-limit");
    engine.step(120);
    const r = explainVm(engine, "limited");
    expect(liveOf(r, "entitlement")!.bound).toBe("limit");
    expect(r.text).toContain("bound: limit");
    expect(r.text).toContain("wants more than its limit");
    expect(r.text).toContain("what it allocated beyond it was compressed and swapped as it allocated it, even though host is high");
    expect(r.text).toMatch(/Host esx-01 is high/);
  });

  it("no-tools: no driver for the VM without tools, maxPercent for its twin", () => {
    const { engine } = runExample("no-tools");
    engine.step(190);
    const without = explainVm(engine, "without-tools");
    expect(liveOf(without, "balloon")!.binding).toBe("noDriver");
    expect(without.text).toContain("no tools no Ballooning");
    const twin = explainVm(engine, "with-tools");
    expect(liveOf(twin, "balloon")!.binding).toBe("maxPercent");
    expect(twin.text).toContain("Mem.CtlMaxPercent (65 %) of 3Gi");
  });

  it("admission: the second VM is Pending with InsufficientMemory and the numbers", () => {
    const { engine } = runExample("admission");
    engine.step(3);
    const r = explainVm(engine, "vm-b");
    expect(r.records.some((d) => d.type === "admission" && !d.admitted && d.reason === "InsufficientMemory")).toBe(true);
    expect(r.text).toContain("Not admitted (InsufficientMemory)");
    expect(r.text).toMatch(/exceeds host esx-01's unreserved memory/);
  });

  it("reservation-shield: the reservation caps the balloon and floors the entitlement", () => {
    const { engine } = runExample("reservation-shield");
    engine.step(280);
    const half = explainVm(engine, "db-half");
    expect(liveOf(half, "balloon")!.binding).toBe("reservation");
    expect(liveOf(half, "entitlement")!.bound).toBe("reservation");
    expect(half.text).toContain("memory 4Gi − reservation 2Gi = 2Gi");
    const full = explainVm(engine, "db-full");
    expect(liveOf(full, "balloon")!.balloonMax).toBe(0);
    expect(full.text).toContain("binding cap: reservation");
  });

  it("idle-tax: the water level under the idle tax sets the idle VM's entitlement", () => {
    const { engine } = runExample("idle-tax");
    engine.step(100);
    const r = explainVm(engine, "idle");
    expect(liveOf(r, "entitlement")!.bound).toBe("water-level");
    expect(r.text).toMatch(/idle memory taxed at 75 % \(an idle page costs 4× a working one\)/);
  });

  it("--tick uses the newest records at or before the tick, and says when records are too few", () => {
    const { engine } = runExample("seed-story");
    engine.step(1000);
    const now = explainVm(engine, "app");
    expect(liveOf(now, "balloon")!.binding).toBe("maxPercent");
    const ring = engine.container.get<MemoryModel>(TOKENS.MemoryModel).vm("default", "app")!.decisions.list();
    // bounded per type: no type keeps more than DECISION_RETENTION records
    for (const type of new Set(ring.map((r) => r.type))) expect(ring.filter((r) => r.type === type).length).toBeLessThanOrEqual(DECISION_RETENTION);
    expect(ring.filter((r) => r.type === "balloon").length).toBe(DECISION_RETENTION);
    const old = explainVm(engine, "app", "default", ring[0]!.tick - 1);
    expect(old.live).toEqual([]);
    expect(old.text).toContain("Records are bounded");
    const mid = ring[Math.floor(ring.length / 2)]!.tick;
    const past = explainVm(engine, "app", "default", mid);
    expect(past.records.length).toBeGreaterThan(0);
    expect(past.records.every((d) => d.tick <= mid)).toBe(true);
  });
});

describe("explainHost", () => {
  it("states-ladder: a host in low names the threshold free fell below and lists thresholds", () => {
    const { engine } = runExample("states-ladder");
    engine.step(250);
    const r = explainHost(engine, "big");
    expect(r.text).toMatch(/^host big, tick 250 \(4m10s\): low;/);
    expect(r.text).toContain("fell below");
    expect(r.text).toMatch(/soft below 812\.6Mi \(64 %\)/);
    expect(r.records[0]).toMatchObject({ type: "hostState", to: "low" });
    const earlier = explainHost(engine, "big", 130);
    expect(earlier.text).toMatch(/Host big was soft at tick 130/);
  });
});

describe("errors", () => {
  it("unknown objects and future ticks are typed errors", () => {
    const { engine } = runExample("admission");
    engine.step(2);
    expect(() => explainVm(engine, "nope")).toThrow(ExplainError);
    expect(() => explainHost(engine, "nope")).toThrow(/hosts "nope" not found/);
    expect(() => explainVm(engine, "vm-a", "default", 5)).toThrow(/has not happened yet/);
  });
});
