/**
 * compareVariants (library) and `memplane compare` (built CLI): the same cluster under each
 * variant, outcomes lined up per host and VM.
 */
import "reflect-metadata";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseManifestTextOrThrow } from "../../src/manifest/index.js";
import { compareReportJson, compareVariants, hostTable, overlayObjects, percentile, policyVariants, vmTable } from "../../src/compare/index.js";
import { memplane, requireBuild, tempDir } from "../cli/cli-harness.js";

/** 8Gi host; two VMs that grow to 3Gi at 20s. */
const CLUSTER = `
apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: h1}
spec: {capacity: 8Gi}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: web}
spec:
  hostName: h1
  memory: 4Gi
  workload: {allocated: 1Gi, active: 30, phases: [{after: 20s, allocated: 3968Mi, rampSeconds: 20}]}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: db}
spec:
  hostName: h1
  memory: 4Gi
  workload: {allocated: 1Gi, active: 30, phases: [{after: 20s, allocated: 3968Mi, rampSeconds: 20}]}
`;

const RESERVED_DB = `
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: db}
spec:
  hostName: h1
  memory: 4Gi
  reservation: 4Gi
  workload: {allocated: 1Gi, active: 30, phases: [{after: 20s, allocated: 3968Mi, rampSeconds: 20}]}
`;

describe("compareVariants", () => {
  const base = parseManifestTextOrThrow(CLUSTER, "cluster.yaml");

  test("runs each policy on the same cluster and lines up hosts and VMs per variant", () => {
    const report = compareVariants(policyVariants(base, ["esxi", "mom", "squeezed"]), { ticks: 90 });
    expect(report.variants).toEqual(["esxi", "mom", "squeezed"]);
    expect(report.hosts.map((h) => h.name)).toEqual(["h1"]);
    expect(report.vms.map((v) => v.name)).toEqual(["db", "web"]);
    for (const v of report.variants) {
      const h = report.hosts[0]!.outcomes[v]!;
      expect(h.policy).toBe(v);
      expect(Object.values(h.secondsInState).reduce((a, b) => a + b, 0)).toBe(90); // every tick in some state
    }
    const web = report.vms.find((v) => v.name === "web")!;
    // squeezed balloons from the first tick (demand-blind); ESXi only once the host leaves high
    expect(web.outcomes.squeezed!.balloon.peak).toBeGreaterThan(0);
    expect(web.outcomes.esxi!.runningTicks).toBe(90);
    for (const v of report.variants) {
      const o = web.outcomes[v]!;
      expect(o.balloon.peak).toBeGreaterThanOrEqual(o.balloon.final);
      expect(o.p95StallPercent).toBeGreaterThanOrEqual(0);
    }
    // deterministic: the same comparison twice gives the same report
    expect(compareVariants(policyVariants(base, ["esxi", "mom", "squeezed"]), { ticks: 90 })).toEqual(report);
    const json = compareReportJson(report) as { vms: { outcomes: Record<string, { balloon: { peak: string } }> }[] };
    expect(json.vms[0]!.outcomes.esxi!.balloon.peak).toMatch(/^(0|\d+(Ki|Mi|Gi))$/);
    expect(hostTable(report).rows).toHaveLength(3);
    expect(vmTable(report).rows).toHaveLength(6);
  });

  test("a variant laid over the base answers 'reservation or not?'", () => {
    const overlay = parseManifestTextOrThrow(RESERVED_DB, "reserved.yaml");
    const variantObjects = overlayObjects(base, overlay);
    expect(variantObjects).toHaveLength(3);
    const report = compareVariants(
      [
        { name: "base", objects: base },
        { name: "reserved", objects: variantObjects },
      ],
      { ticks: 120 },
    );
    const db = report.vms.find((v) => v.name === "db")!;
    expect(db.outcomes.reserved!.balloon.peak).toBe(0); // a full reservation is never ballooned
    expect(db.outcomes.reserved!.swapped.peak).toBe(0);
    expect(db.outcomes.base!.balloon.peak + db.outcomes.base!.swapped.peak).toBeGreaterThan(0);
    const web = report.vms.find((v) => v.name === "web")!;
    // the reservation shifts reclamation onto the other VM
    expect(web.outcomes.reserved!.balloon.peak + web.outcomes.reserved!.swapped.peak).toBeGreaterThan(
      web.outcomes.base!.balloon.peak + web.outcomes.base!.swapped.peak,
    );
  });

  test("rejects duplicate variant names and negative ticks", () => {
    expect(() => compareVariants([{ name: "a", objects: base }, { name: "a", objects: base }], { ticks: 1 })).toThrow(/used twice/);
    expect(() => compareVariants([{ name: "a", objects: base }], { ticks: -1 })).toThrow(RangeError);
  });

  test("p95 is the nearest-rank percentile", () => {
    expect(percentile([], 95)).toBe(0);
    expect(percentile([5], 95)).toBe(5);
    expect(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 95)).toBe(95);
    expect(percentile(Array.from({ length: 20 }, (_, i) => (i === 19 ? 100 : 0)), 95)).toBe(0);
  });
});

describe("memplane compare (built CLI)", () => {
  beforeAll(requireBuild);

  test.concurrent("prints a side-by-side table per host and VM and JSON for scripts", async () => {
    const { dir } = tempDir();
    const file = path.join(dir, "cluster.yaml");
    fs.writeFileSync(file, CLUSTER);
    const variantFile = path.join(dir, "reserved.yaml");
    fs.writeFileSync(variantFile, RESERVED_DB);
    const [table, json, bad] = await Promise.all([
      memplane(["compare", "-f", file, "--policy", "esxi,mom,squeezed", "--ticks", "60"]),
      memplane(["compare", "-f", file, "-f", variantFile, "--duration", "1m", "-o", "json"]),
      memplane(["compare", "-f", file, "--policy", "esxi,xen"]),
    ]);
    expect(table.stderr).toBe("");
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^HOST\s+VARIANT\s+POLICY\s+HIGH\s+CLEAR\s+SOFT\s+HARD\s+LOW\s+LOWEST FREE$/m);
    expect(table.stdout).toMatch(/^h1\s+squeezed\s+squeezed\s/m);
    expect(table.stdout).toMatch(/^VM\s+VARIANT\s+BALLOON PK\/FIN/m);
    expect(table.stdout).toMatch(/^web\s+mom\s/m);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as { variants: string[]; ticks: number; vms: { name: string; outcomes: Record<string, unknown> }[] };
    expect(report.variants).toEqual([file, variantFile]);
    expect(report.ticks).toBe(60);
    expect(Object.keys(report.vms[0]!.outcomes).sort()).toEqual([file, variantFile].sort());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown policy "xen"/);
  });
});


describe("memplane compare --policy esxi,mom,squeezed,hyperv on every example", () => {
  beforeAll(requireBuild);

  /** Every directory under manifests/examples that holds manifests of its own. */
  function exampleDirs(root: string): string[] {
    const out: string[] = [];
    for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = path.join(root, entry.name);
      if (fs.readdirSync(dir).some((f) => f.endsWith(".yaml"))) out.push(dir);
      out.push(...exampleDirs(dir));
    }
    return out.sort();
  }

  const dirs = exampleDirs(path.join(process.cwd(), "manifests/examples"));

  test("finds the examples, the Hyper-V one among them", () => {
    expect(dirs.length).toBeGreaterThanOrEqual(16);
    expect(dirs.some((d) => d.endsWith("hyperv-dynamic-memory"))).toBe(true);
  });

  test.concurrent.each(dirs.map((d) => [path.relative(process.cwd(), d)]))("%s", async (dir) => {
    const r = await memplane(["compare", "-f", dir, "--policy", "esxi,mom,squeezed,hyperv", "--ticks", "30", "-o", "json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { variants: string[]; ticks: number };
    expect(report.variants).toEqual(["esxi", "mom", "squeezed", "hyperv"]);
    expect(report.ticks).toBe(30);
  });
});
