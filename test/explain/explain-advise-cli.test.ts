/**
 * `memplane explain` and `memplane advise` through the built binary: explain on a saved state
 * (text and json), exit codes of advise with --fail-on, and typed errors without stack traces.
 */
import * as path from "node:path";
import { memplane, requireBuild, ROOT, STACK_LINE, tempDir } from "../cli/cli-harness.js";

const fixture = (name: string): string => path.join(ROOT, "test/fixtures/advise", `${name}.yaml`);

beforeAll(requireBuild);

test("explain reads a saved state: the OS floor binds, -o json gives the records, unknown VMs are NotFound", async () => {
  const { state } = tempDir();
  const run = await memplane(["run", "-f", path.join(ROOT, "manifests/examples/balloon-floor"), "--ticks", "200", "--state", state, "-q"]);
  expect(run.code).toBe(0);
  const [text, json, missing] = await Promise.all([
    memplane(["explain", "vm/rhel-small", "--state", state]),
    memplane(["explain", "vm", "rhel-small", "--state", state, "--tick", "150", "-o", "json"]),
    memplane(["explain", "vm/nope", "--state", state]),
  ]);
  expect(text.code).toBe(0);
  expect(text.stdout).toMatch(/binding cap: osFloor: the guest OS minimum \(rhel7, 512Mi\) plus AppBalloonMaxSlack \(16Mi\) leaves 496Mi of 1Gi/);
  expect(json.code).toBe(0);
  const out = JSON.parse(json.stdout) as { tick: number; records: { tick: number; type: string }[] };
  expect(out.tick).toBe(150);
  expect(out.records.length).toBeGreaterThan(0);
  expect(out.records.every((r) => r.tick <= 150)).toBe(true);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain('Error from server (NotFound): virtualmachines "nope" not found');
  expect(missing.stderr).not.toMatch(STACK_LINE);
});

test.concurrent("advise exits 0 on a clean cluster and 1 when a finding reaches --fail-on", async () => {
  const [clean, planted, lenient] = await Promise.all([
    memplane(["advise", "-f", fixture("clean"), "--ticks", "60"]),
    memplane(["advise", "-f", fixture("planted"), "--ticks", "120", "--what-if", "0", "--fail-on", "warning", "-o", "json"]),
    memplane(["advise", "-f", fixture("planted"), "--ticks", "1", "--what-if", "0", "--fail-on", "critical"]),
  ]);
  expect(clean.code).toBe(0);
  expect(clean.stdout).toMatch(/^No findings after simulating 60 ticks/);
  expect(planted.code).toBe(1);
  const report = JSON.parse(planted.stdout) as { findings: { check: string; severity: string }[] };
  expect(report.findings.map((f) => f.check)).toEqual(expect.arrayContaining(["NoBalloonDriver", "LimitBelowMemory", "AdmissionBlocked"]));
  expect(planted.stderr).toMatch(/error: \d+ findings at or above --fail-on warning/);
  // one tick: the blocked admission is already critical
  expect(lenient.code).toBe(1);
  expect(lenient.stdout).toContain("CRITICAL AdmissionBlocked vm/default/late");
});
