/**
 * The embedding examples in examples/ run in CI: each one's `main()` with small sizes, and its
 * point checked (a run that silently did nothing would pass a smoke test, not this).
 */
import "reflect-metadata";
import { main as compareMain } from "../../examples/compare-policies.js";
import { DrsLiteController, main as drsMain } from "../../examples/drs-lite.js";
import { main as growingMain } from "../../examples/growing-cluster.js";
import { main as rebindMain } from "../../examples/rebind-model.js";

describe("examples", () => {
  test.concurrent("(a) growing cluster: owns the clock, adds VMs over time, reads status every tick", async () => {
    const lines: string[] = [];
    const s = growingMain({ hosts: 2, hostCapacity: "8Gi", vmMemory: "4Gi", addEverySeconds: 15, ticks: 240 }, (l) => lines.push(l));
    expect(s.vmsAdded).toBe(16);
    expect(s.vmsRunning).toBeGreaterThan(2);
    expect(s.peakOvercommit).toBeGreaterThan(1);
    expect(Object.values(s.hostTicksInState).reduce((a, b) => a + b, 0)).toBe(2 * 240);
    expect(s.hostTicksInState.high).toBeLessThan(2 * 240); // the cluster got under pressure
    expect(lines).toHaveLength(4); // one line per simulated minute
  });

  test.concurrent("(b) DRS-lite moves the most-ballooned VM off the host that stays hard", async () => {
    const s = drsMain({ ticks: 400 });
    expect(s.migrations.length).toBeGreaterThanOrEqual(1);
    const first = s.migrations[0]!;
    expect(first).toMatchObject({ from: "esx-01", to: "esx-02" });
    expect(first.balloonMiB).toBeGreaterThan(0);
    expect(s.placement[first.vm]).toBe("esx-02");
    expect(new DrsLiteController().name).toBe("drs-lite");
  });

  test.concurrent("(c) a rebound memory model is used by every controller", async () => {
    const s = rebindMain({ ticks: 120 });
    expect(s.modelClass).toBe("BetterCompressionModel");
    expect(s.stock.compressedMiB).toBeGreaterThan(0);
    // same workload: a 4:1 cache costs less host memory, so less has to be swapped
    expect(s.better.swappedMiB).toBeLessThan(s.stock.swappedMiB);
  });

  test.concurrent("(d) comparing policies from code", async () => {
    const texts: string[] = [];
    const report = compareMain({ vms: 4, ticks: 200 }, (t) => texts.push(t));
    expect(report.variants).toEqual(["esxi", "mom", "squeezed", "hyperv"]);
    expect(report.vms).toHaveLength(4);
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(/^HOST\tVARIANT\tPOLICY/);
  });
});
