/**
 * Smoke test of the benchmark harness on a 200-VM cluster and 5 ticks: every figure is there
 * and sane, busy ticks log and steady ticks do not, the kernel keeps its own invariants, and
 * `memplane generate` writes manifests that validate. No timing assertions: benchmarks are
 * not tests.
 */
import { describe, expect, test } from "@jest/globals";
import { parseManifestTextOrThrow } from "../../src/index.js";
import { serializeCluster } from "../../src/cli/commands/generate.js";
import { busyCluster, steadyCluster, yamlChunks } from "../../bench/clusters.js";
import { runSize } from "../../bench/harness.js";
import { buildKernelCluster, kernelTick } from "../../bench/kernel.js";
import { parseBenchArgs, renderTable } from "../../bench/run.js";
import { checkTargets } from "../../bench/targets.js";
import * as fs from "node:fs";
import * as path from "node:path";
import { memplane, requireBuild, tempDir } from "../cli/cli-harness.js";

describe("benchmark harness", () => {
  test("measures a 200-VM cluster for 5 ticks", () => {
    const r = runSize({ vms: 200, ticks: 5, seed: 1, logEntries: 2000, steadyWarmup: 5 });
    expect(r).toMatchObject({ vms: 200, hosts: 2 });
    expect(r.busy.ticks).toBe(5);
    expect(r.steady.ticks).toBe(5);
    for (const v of [r.validateMs, r.applyMs, r.firstTickMs, r.busy.medianMs, r.busy.p95Ms, r.steady.medianMs, r.kernel.medianMs, r.rssMiB, r.logEntriesPerSecond, r.logEntriesPerCpuSecond]) {
      expect(Number.isFinite(v) && v >= 0).toBe(true);
    }
    expect(r.busy.p95Ms).toBeGreaterThanOrEqual(r.busy.medianMs);
    expect(r.busyWithoutStatus.ticks).toBe(5);
    expect(r.busyWithoutStatus.logsPerTick).toBeGreaterThan(0); // the same decisions, without status
    expect(r.busy.logsPerTick).toBeGreaterThan(0); // workloads ramp: decisions are logged
    expect(r.steady.logsPerTick).toBe(0); // converged: nothing to decide
    const table = renderTable([r]);
    expect(table).toContain("engine ÷ kernel");
    expect(table).toContain("busy without status projection");
    expect(table).toContain("JSON log entries/s");
    const checks = checkTargets([r]);
    expect(checks.map((c) => c.target)).toEqual(["200 VMs: steady ≥ 5× cheaper than busy", "JSON log writing ≥ 500k entries/s (wall)"]);
  });

  test("the kernel keeps entitlement, balloon and swap targets within bounds", () => {
    const c = buildKernelCluster(busyCluster(300, 2, 2.5));
    for (let t = 1; t <= 120; t++) kernelTick(c, t, 1);
    let pressured = 0;
    for (let h = 0; h < c.hostCount; h++) {
      if (c.hostState[h]! >= 2) pressured++;
      for (let v = c.hostStart[h]!; v < c.hostStart[h + 1]!; v++) {
        expect(c.entitlement[v]!).toBeLessThanOrEqual(Math.min(c.memory[v]!, c.limit[v]!));
        expect(c.entitlement[v]!).toBeGreaterThanOrEqual(0);
        expect(c.balloonTarget[v]!).toBeLessThanOrEqual(c.balloonMax[v]!);
        expect(c.swapTarget[v]!).toBeGreaterThanOrEqual(0);
      }
    }
    expect(pressured).toBeGreaterThan(0); // 2.5× overcommit at peak: reclamation is exercised
  });

  test("bench clusters: busy ramps, steady has no phases, YAML chunks validate", () => {
    const busy = busyCluster(200, 1);
    const steady = steadyCluster(200, 1);
    expect(busy).toHaveLength(202);
    expect(steady.some((o) => JSON.stringify(o).includes("phases"))).toBe(false);
    const [text] = yamlChunks(busy);
    expect(parseManifestTextOrThrow(text!, "busy.yaml")).toHaveLength(202);
    expect(parseManifestTextOrThrow(serializeCluster(steady, "json"), "steady.json")).toHaveLength(202);
  });

  test("bench arguments", () => {
    expect(parseBenchArgs(["--sizes", "1000,5000", "--ticks", "7", "--out", "x.json"])).toEqual({ sizes: [1000, 5000], ticks: 7, seed: 1, out: "x.json" });
    expect(() => parseBenchArgs(["--ticks", "0"])).toThrow(/whole number/);
    expect(() => parseBenchArgs(["--nope"])).toThrow(/unknown flag/);
  });
});

describe("memplane generate", () => {
  test.concurrent("writes a deterministic cluster that validates; rejects a bad count", async () => {
    requireBuild();
    const [a, b, bad] = await Promise.all([
      memplane(["generate", "--hosts", "2", "--vms-per-host", "3", "--seed", "9"]),
      memplane(["generate", "--hosts", "2", "--vms-per-host", "3", "--seed", "9", "-o", "json"]),
      memplane(["generate", "--hosts", "0", "--vms-per-host", "3"]),
    ]);
    expect(a.code).toBe(0);
    const fromYaml = parseManifestTextOrThrow(a.stdout, "a.yaml");
    expect(fromYaml.map((o) => o.kind)).toEqual(["Host", "VirtualMachine", "VirtualMachine", "VirtualMachine", "Host", "VirtualMachine", "VirtualMachine", "VirtualMachine"]);
    expect(b.code).toBe(0);
    expect(parseManifestTextOrThrow(b.stdout, "b.json")).toEqual(fromYaml);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--hosts/);
  });

  test.concurrent("writes a large cluster as a directory that apply reads; warns when one file would be too much", async () => {
    requireBuild();
    const { dir: scratch } = tempDir();
    const dir = path.join(scratch, "cluster") + path.sep;
    const single = path.join(scratch, "one.json");
    const written = await memplane(["generate", "--hosts", "3", "--vms-per-host", "700", "-o", "json", "--output", dir]);
    expect(written.code).toBe(0);
    expect(written.stderr).toContain("to 3 files in");
    expect(fs.readdirSync(dir).sort()).toEqual(["cluster-0001.json", "cluster-0002.json", "cluster-0003.json"]);
    const [valid, one] = await Promise.all([
      memplane(["validate", "-f", dir]),
      memplane(["generate", "--hosts", "3", "--vms-per-host", "700", "-o", "json", "--output", single]),
    ]);
    expect(valid.code).toBe(0);
    expect(valid.stdout).toContain("2103 documents valid");
    const again = await memplane(["generate", "--hosts", "1", "--vms-per-host", "1", "--output", dir]);
    expect(again.code).toBe(1); // an earlier cluster's files would be applied along with the new one
    expect(again.stderr).toMatch(/already holds 3 manifest file\(s\) \(cluster-0001\.json/);
    expect(one.code).toBe(0);
    expect(one.stderr).toMatch(/warning: .*one\.json: 2103 objects in one JSON document is over the 100000 nodes .*--output DIR\//);
  });
});
