/**
 * The embedding examples in examples/ run in CI: each one's `main()` with small sizes, and its
 * point checked (a run that silently did nothing would pass a smoke test, not this).
 */
import "reflect-metadata";
import * as fs from "node:fs";
import { createEngine, renderTable, startServer } from "memplane";
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

  test.concurrent("(b) DRS-lite logs each recommendation once per episode, only while the host is hard or low, with the true start of the pressure", async () => {
    const lines: string[] = [];
    drsMain({ ticks: 400 }, (l) => lines.push(l));
    const recommended = lines.filter((l) => l.includes("MigrationRecommended"));
    expect(recommended.length).toBeGreaterThanOrEqual(1);
    expect(recommended.length).toBeLessThanOrEqual(4);
    expect(new Set(recommended.map((l) => l.split(" ").slice(2, 3).join())).size).toBe(recommended.length);
    // the "since" is when esx-01 went soft (its StateChanged line), and nothing follows its return to high
    const soft = lines.find((l) => l.includes("StateChanged") && l.includes("is soft"))!;
    expect(recommended[0]).toContain(`under memory pressure since ${soft.split(" ")[0]} and is`);
    // every recommendation comes while the host is hard or low (never once it has climbed back)
    for (const rec of recommended) {
      const before = lines.slice(0, lines.indexOf(rec)).filter((l) => l.includes("StateChanged")).at(-1)!;
      expect({ rec, before }).toEqual({ rec, before: expect.stringMatching(/ (is|to) (hard|low)\b/) });
    }
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
    // aligned like the CLI's tables: header and rows padded into the same columns, no tabs
    expect(texts[0]).toMatch(/^HOST {3,}VARIANT {3,}POLICY/);
    expect(texts.join("")).not.toContain("\t");
    const [header, first] = texts[0]!.split("\n");
    expect(first!.indexOf("esxi")).toBe(header!.indexOf("VARIANT"));
  });

  test("examples import the package by its name, as users do, and the package exports what they use", async () => {
    const dir = new URL("../../examples/", import.meta.url);
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
      const text = fs.readFileSync(new URL(file, dir), "utf8");
      expect({ file, deep: /from "\.\.\/src/.test(text) }).toEqual({ file, deep: false });
    }
    expect(renderTable(["A", "B"], [["x", "y"]])).toBe("A   B\nx   y\n");
    const server = await startServer({ engine: createEngine(), token: "examples-token-0123456789abcdef", speed: 0, persist: () => undefined });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await server.close();
  });
});
