/**
 * `memplane explain` and `memplane advise` through the built binary: explain on a saved state
 * (text and json), exit codes of advise with --fail-on, the same findings from -f and --state for one run,
 * and typed errors without stack traces.
 */
import * as fs from "node:fs";
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
  expect(text.stdout).toMatch(/(binding cap:|the lowest is) osFloor: the guest OS minimum \(rhel7, 512Mi\) plus AppBalloonMaxSlack \(16Mi\) leaves 496Mi of 1Gi/);
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

/** The findings of an advise text report: everything but its closing summary line. */
const findingsOf = (stdout: string): string => stdout.slice(0, stdout.trimEnd().lastIndexOf("\n"));

test("advise -f and advise --state on the same 600 ticks give the same findings, word for word", async () => {
  const { state } = tempDir();
  const seedStory = path.join(ROOT, "manifests/examples/seed-story");
  const run = await memplane(["run", "-f", seedStory, "--duration", "10m", "--state", state, "-q"]);
  expect(run.code).toBe(0);
  const [simulated, saved] = await Promise.all([memplane(["advise", "-f", seedStory]), memplane(["advise", "--state", state])]);
  expect(simulated.stdout).toMatch(/\n7 findings after simulating 600 ticks \(10m0s\): 1 critical, 3 warning, 3 info\.\n$/);
  expect(saved.stdout).toMatch(/\n7 findings for the saved simulation at tick 600 \(10m0s\): 1 critical, 3 warning, 3 info\.\n$/);
  expect(findingsOf(saved.stdout)).toBe(findingsOf(simulated.stdout));
  // the averages are averages over the run, not the stall of its last tick (40.2 %)
  expect(saved.stdout).toContain("WARNING MemoryStall vm/default/batch-1\n  stalled on memory 5 % of the time on average (up to 100 %): peak balloon 785.9Mi");
  // who paid: the stall while the host was hard/low and the peak swapped, over the whole run
  expect(saved.stdout).toContain(
    "Who paid (stall % while hard/low): batch-1 (stall 60.6 %, balloon 785.9Mi, compressed/swapped 396.8Mi), batch-2 (stall 60.6 %, balloon 785.9Mi, compressed/swapped 396.8Mi), app (stall 0 %, balloon 1555.3Mi, compressed/swapped 0).",
  );
  // the what-if replay IS the saved run, so it is not called a replay
  expect(saved.stdout).not.toContain("replaying");
  expect([simulated.code, saved.code]).toEqual([1, 1]);
});

test("advise --state says which ticks it read when the saved metrics do not cover the run, and never calls one tick an average", async () => {
  const [whole, half] = [tempDir().state, tempDir().state];
  const seedStory = path.join(ROOT, "manifests/examples/seed-story");
  const runs = await Promise.all([
    memplane(["run", "-f", seedStory, "--duration", "10m", "--state", whole, "-q"]),
    memplane(["run", "-f", seedStory, "--duration", "5m", "--state", half, "-q"]),
  ]);
  expect(runs.map((r) => r.code)).toEqual([0, 0]);
  fs.rmSync(path.join(whole, "metrics.json"));
  fs.rmSync(path.join(half, "metrics.json"));
  expect((await memplane(["step", "--state", half, "--duration", "5m", "-q"])).code).toBe(0);
  const [none, part] = await Promise.all([memplane(["advise", "--state", whole, "--what-if", "0"]), memplane(["advise", "--state", half, "--what-if", "0"])]);
  expect(none.stdout).toMatch(/^Note: no metrics series is saved: what happened is read from tick 600 alone/);
  expect(none.stdout).not.toContain("on average");
  expect(none.stdout).toContain("stalled on memory 40.2 % at tick 600: balloon 785.9Mi");
  expect(none.stdout).toContain("Who paid (stall % at tick 600)");
  expect(part.stdout).toMatch(/^Note: based on the last 300 ticks saved \(ticks 301–600 of 600\)\.\n/);
  expect(part.stdout).toMatch(/spent \d+s in hard\/low .* of 300s\./);
  expect(part.stderr).not.toMatch(STACK_LINE);
});
