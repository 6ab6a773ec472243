/**
 * The mom controller against oVirt MOM's numbers: pressure under 20 % free, critical at 5 %,
 * guests shrink toward keeping a pressure-scaled free share, at most 5 % per step, nothing under
 * 0.25 %, every 10 s; balloons shrink back when pressure ends; never below the guaranteed memory.
 */
import { changeBigEnough, guestFreePercent, isMomEvaluation, MOM_POLICY, momDecide, momPressure } from "../../src/policies/mom/mom-policy.js";
import { clusterYaml, GI, MI, startCluster, vmPages } from "./policy-cluster.js";

const M = 4 * GI;

describe("MOM policy arithmetic (02-balloon.policy)", () => {
  test("pressure below 20 % of host memory, critical at or below 5 %", () => {
    expect(momPressure(0.21 * GI, GI)).toBe("none");
    expect(momPressure(0.19 * GI, GI)).toBe("pressure");
    expect(momPressure(0.05 * GI, GI)).toBe("critical");
    expect(guestFreePercent(0.1)).toBeCloseTo(0.1); // 0.20 × 0.10 / 0.20
    expect(guestFreePercent(0.04)).toBeCloseTo(-0.01); // critical: negative, the guest must swap
  });

  test("a shrink step is at most 5 % of the guest's current memory", () => {
    const d = momDecide({ memory: M, current: M, unused: 3 * GI, guaranteed: 0 }, 0.1 * 8 * GI, 8 * GI, true);
    expect(d.rule).toBe("shrink");
    expect(d.size).toBe(Math.floor(M * (1 - MOM_POLICY.maxBalloonChangePercent)));
  });

  test("the guest keeps its used memory plus the pressure-scaled free share", () => {
    // host free 10 % → guest keeps 10 % of its memory free: floor = used + 0.1 × current
    const current = 3 * GI;
    const used = Math.round(2.6 * GI);
    const d = momDecide({ memory: M, current, unused: current - used, guaranteed: 0 }, 0.1 * 8 * GI, 8 * GI, true);
    expect(d.size).toBe(Math.floor(used + 0.1 * current)); // above the 5 % step (2.85Gi): the floor binds
    const roomy = momDecide({ memory: M, current, unused: current - 2 * GI, guaranteed: 0 }, 0.1 * 8 * GI, 8 * GI, true);
    expect(roomy.size).toBe(Math.floor(0.95 * current)); // floor 2.3Gi is further: the 5 % step binds
  });

  test("changes under 0.25 % of the guest's memory are not made (dead band)", () => {
    const current = 2 * GI;
    // floor just 0.2 % below current: not worth a balloon operation
    const used = Math.round(current * 0.998 - 0.1 * current);
    expect(momDecide({ memory: M, current, unused: current - used, guaranteed: 0 }, 0.1 * 8 * GI, 8 * GI, true).size).toBeUndefined();
    expect(changeBigEnough(current, current - Math.floor(0.0025 * current))).toBe(false);
    expect(changeBigEnough(current, current - Math.ceil(0.0026 * current))).toBe(true);
  });

  test("relief grows the guest by 5 % per step, up to its configured memory", () => {
    const grow = momDecide({ memory: M, current: 3 * GI, unused: 2.8 * GI, guaranteed: 0 }, 0.25 * 8 * GI, 8 * GI, false);
    expect(grow).toEqual({ size: Math.ceil(3 * GI * 1.05), rule: "grow" });
    expect(momDecide({ memory: M, current: M - 10, unused: 3 * GI, guaranteed: 0 }, 0.25 * 8 * GI, 8 * GI, false).size).toBeUndefined();
    expect(momDecide({ memory: M, current: M - 20 * MI, unused: 3 * GI, guaranteed: 0 }, 0.25 * 8 * GI, 8 * GI, false).size).toBe(M);
  });

  test("a guest below its guaranteed memory is set back to it", () => {
    expect(momDecide({ memory: M, current: GI, unused: 0, guaranteed: 2 * GI }, GI, 8 * GI, true)).toEqual({ size: 2 * GI, rule: "guarantee" });
  });

  test("evaluates every 10 simulated seconds whatever the tick length", () => {
    const at = (tickSeconds: number, ticks: number): number[] =>
      Array.from({ length: ticks }, (_, i) => (i + 1) * tickSeconds).filter((t) => isMomEvaluation(t, tickSeconds));
    expect(at(1, 35)).toEqual([10, 20, 30]);
    expect(at(4, 10)).toEqual([12, 20, 32, 40]);
    expect(at(15, 3)).toEqual([15, 30, 45]);
  });
});

describe("mom controller on a host with spec.policy: mom", () => {
  // two 4Gi guests using 3200Mi each and a 256Mi one on 8Gi: free ≈ 17 % → pressure
  const pressured = clusterYaml("mom", [
    { name: "a", allocated: "3200Mi" },
    { name: "b", allocated: "3200Mi" },
    { name: "guaranteed", reservation: "3Gi", allocated: "256Mi" },
  ]);

  test.concurrent("balloons only at 10 s boundaries, by at most 5 % of memory per step, with MOM reasons", async () => {
    const { engine, logs } = startCluster(pressured);
    engine.step(90);
    const mom = logs.filter((l) => l.controller === "mom" && l.action === "BalloonTargetChanged");
    expect(mom.length).toBeGreaterThanOrEqual(6);
    for (const l of mom) {
      expect(l.tick % 10).toBe(0);
      expect(["MomPressure", "MomCritical"]).toContain(l.reason);
      const step = vmPagesOf(l.to!) - vmPagesOf(l.from!);
      expect(step).toBeGreaterThan(0);
      expect(step).toBeLessThanOrEqual(Math.ceil(0.05 * M));
    }
    // no ESXi balloon controller decisions on a MOM host
    expect(logs.some((l) => l.controller === "balloon" && l.action === "BalloonTargetChanged")).toBe(false);
    expect(vmPages(engine, "a", "balloon")).toBeGreaterThan(0);
  });

  test.concurrent("never balloons a guest below its guaranteed memory (reservation)", async () => {
    const { engine } = startCluster(pressured);
    let maxBalloon = 0;
    for (let i = 0; i < 24; i++) {
      engine.step(10);
      maxBalloon = Math.max(maxBalloon, vmPages(engine, "guaranteed", "balloon"), vmPages(engine, "guaranteed", "balloonTarget"));
    }
    expect(maxBalloon).toBe(M - 3 * GI); // reached the floor and never went past it
    expect(vmPages(engine, "guaranteed", "balloonMax")).toBe(M - 3 * GI);
  });

  test.concurrent("when pressure ends, balloons shrink back step by step (MomRelief) to zero", async () => {
    const { engine, logs } = startCluster(pressured);
    engine.step(60);
    const before = vmPages(engine, "guaranteed", "balloon");
    expect(before).toBeGreaterThan(0);
    engine.delete("VirtualMachine", "a", "default");
    engine.delete("VirtualMachine", "b", "default");
    const mark = logs.length;
    engine.step(300);
    const relief = logs.slice(mark).filter((l) => l.controller === "mom" && l.name === "guaranteed");
    expect(relief.length).toBeGreaterThanOrEqual(2);
    for (const l of relief) {
      expect(l.reason).toBe("MomRelief");
      expect(l.tick % 10).toBe(0);
      expect(vmPagesOf(l.to!)).toBeLessThan(vmPagesOf(l.from!));
    }
    expect(vmPages(engine, "guaranteed", "balloon")).toBe(0);
  });
});

/** Pages of a quantity in a log entry. */
function vmPagesOf(q: string): number {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(q);
  if (!m) throw new Error(`not a quantity: ${q}`);
  const unit = m[2] === "Gi" ? GI : m[2] === "Mi" ? MI : m[2] === "Ki" ? 1 / 4 : 1 / 4096;
  return Number(m[1]) * unit;
}
