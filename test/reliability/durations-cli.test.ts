/**
 * Durations the engine cannot use are refused at the door (issue 19, high 2): `after: 1e300`
 * (a Scenario step, a workload phase) and `swap.swapInLatency: 1e300` used to validate, be
 * stored as `2.777777777777778e+296h36m0s`, and wedge every later `step`. Through the BUILT
 * binary: `validate` and `apply` refuse each with `file:line:col field: ...`, exit 1, no stack,
 * nothing applied; `--tick` outside 1ms..24h is a usage error; and a state file poisoned by an
 * older memplane still steps, the bad object reported alone.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { STACK_LINE, inParallel, memplane, requireBuild, tempDir } from "../cli/cli-harness.js";

requireBuild();

const HOST = `apiVersion: memplane.io/v1alpha1
kind: Host
metadata:
  name: esx-01
spec:
  capacity: 8Gi
`;

/** A manifest with one duration field set to `value` (YAML text), and where that field is. */
interface DurationCase {
  name: string;
  yaml: string;
  line: number;
  field: string;
  contains: string;
}

function scenario(value: string): string {
  return `apiVersion: memplane.io/v1alpha1
kind: Scenario
metadata:
  name: later
spec:
  steps:
    - after: ${value}
      delete: {kind: Host, name: esx-01}
`;
}

function phase(value: string): string {
  return `apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata:
  name: web-1
spec:
  hostName: esx-01
  memory: 2Gi
  workload:
    phases:
      - after: ${value}
        allocated: 1Gi
`;
}

function latency(value: string): string {
  return `apiVersion: memplane.io/v1alpha1
kind: Host
metadata:
  name: esx-02
spec:
  capacity: 8Gi
  swap:
    swapInLatency: ${value}
`;
}

const TOO_LONG = "87600h";
const CASES: DurationCase[] = [
  { name: "scenario-1e300", yaml: scenario("1e300"), line: 7, field: "spec.steps[0].after", contains: TOO_LONG },
  { name: "phase-1e300", yaml: phase("1e300"), line: 10, field: "spec.workload.phases[0].after", contains: TOO_LONG },
  { name: "latency-1e300", yaml: latency("1e300"), line: 8, field: "spec.swap.swapInLatency", contains: TOO_LONG },
  { name: "scenario-87601h", yaml: scenario('"87601h"'), line: 7, field: "spec.steps[0].after", contains: "must be at most 87600h" },
  { name: "phase-huge-text", yaml: phase("99999999999999999999h"), line: 10, field: "spec.workload.phases[0].after", contains: "must be at most 87600h" },
  { name: "latency-1ns", yaml: latency("1ns"), line: 8, field: "spec.swap.swapInLatency", contains: "finer than 1us" },
  { name: "scenario-sub-micro", yaml: scenario("0.0000001"), line: 7, field: "spec.steps[0].after", contains: "finer than 1us" },
  { name: "phase-inf", yaml: phase(".inf"), line: 10, field: "spec.workload.phases[0].after", contains: TOO_LONG },
  { name: "latency-nan", yaml: latency(".nan"), line: 8, field: "spec.swap.swapInLatency", contains: "must be a duration" },
  { name: "scenario-negative", yaml: scenario("-1"), line: 7, field: "spec.steps[0].after", contains: "must be a duration" },
  {
    name: "phase-ramp-1e300",
    yaml: phase("1s").replace("allocated: 1Gi", "allocated: 1Gi\n        rampSeconds: 1e300"),
    line: 12,
    field: "spec.workload.phases[0].rampSeconds",
    contains: "must be at most 315360000",
  },
  {
    name: "scenario-apply-latency",
    yaml: `apiVersion: memplane.io/v1alpha1
kind: Scenario
metadata:
  name: nested
spec:
  steps:
    - after: 1s
      apply:
        apiVersion: memplane.io/v1alpha1
        kind: Host
        metadata: {name: esx-03}
        spec: {capacity: 8Gi, swap: {swapInLatency: 1e300}}
`,
    line: 12,
    field: "spec.steps[0].apply.spec.swap.swapInLatency",
    contains: TOO_LONG,
  },
];

/** Every file of a state directory with its bytes. */
function snapshotDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isFile()) out[f] = fs.readFileSync(p, "base64");
  }
  return out;
}

describe("durations the engine cannot use are refused by validate and apply", () => {
  test("each case: exit 1, file:line:col and the field, one line, no stack, state bytes unchanged", async () => {
    const { dir, state } = tempDir();
    fs.writeFileSync(path.join(dir, "host.yaml"), HOST);
    expect((await memplane(["apply", "-f", path.join(dir, "host.yaml"), "--state", state])).code).toBe(0);
    const before = snapshotDir(state);
    const files = CASES.map((c) => {
      const file = path.join(dir, `${c.name}.yaml`);
      fs.writeFileSync(file, c.yaml);
      return file;
    });
    // every file in one run: validation reports every error of every file
    const runs = await inParallel([["validate", ...files.flatMap((f) => ["-f", f])], ["apply", ...files.flatMap((f) => ["-f", f]), "--state", state]], 2, (args) =>
      memplane(args).then((r) => ({ args, r })),
    );
    const failures: string[] = [];
    for (const { args, r } of runs) {
      const problems: string[] = [];
      if (r.code !== 1) problems.push(`exit ${r.code}`);
      if (STACK_LINE.test(r.stderr)) problems.push("a stack trace");
      if (r.stdout !== "") problems.push(`stdout ${JSON.stringify(r.stdout)}`);
      const lines = r.stderr.trim().split("\n");
      if (!lines.every((l) => l.startsWith("error: "))) problems.push("a line that is not an error: line");
      for (const c of CASES.filter((c) => args.some((a) => a.endsWith(`/${c.name}.yaml`)))) {
        const where = `${c.name}.yaml:${c.line}:`;
        const line = lines.find((l) => l.includes(where)) ?? "";
        if (!line.includes(`${c.field}:`)) problems.push(`${c.name}: no "${where}... ${c.field}:" line`);
        else if (!line.includes(c.contains)) problems.push(`${c.name}: no "${c.contains}"`);
      }
      if (problems.length > 0) failures.push(`${args[0]} ${args.length}: ${problems.join(", ")}\n  stderr: ${r.stderr.trim()}`);
    }
    expect(failures).toEqual([]);
    expect(snapshotDir(state)).toEqual(before);
  }, 60_000);

  test("the largest and the finest durations are accepted and survive a step", async () => {
    const { dir, state } = tempDir();
    const file = path.join(dir, "edge.yaml");
    fs.writeFileSync(file, `${HOST}---\n${scenario("87600h")}---\n${latency("1us")}---\n${phase("315360000")}`);
    expect((await memplane(["apply", "-f", file, "--state", state])).code).toBe(0);
    const step = await memplane(["step", "--ticks", "2", "--state", state]);
    expect(step.stderr).not.toContain("error");
    expect(step.code).toBe(0);
    const vm = JSON.parse((await memplane(["get", "vm", "web-1", "-o", "json", "--state", state])).stdout);
    expect(vm.spec.workload.phases[0].after).toBe("87600h0m0s");
  }, 60_000);
});

describe("--tick is bounded", () => {
  test("--tick outside 1ms..24h is a usage error (exit 2) naming the range", async () => {
    const { dir } = tempDir();
    fs.writeFileSync(path.join(dir, "host.yaml"), HOST);
    const ticks = ["0.0000001", "1us", "25h", "0"];
    const results = await inParallel(ticks, 4, (tick) => memplane(["run", "-f", path.join(dir, "host.yaml"), "--ticks", "1", "--tick", tick]));
    results.forEach((r, i) => {
      expect({ tick: ticks[i], code: r.code, stack: STACK_LINE.test(r.stderr) }).toEqual({ tick: ticks[i], code: 2, stack: false });
      expect(r.stderr).toMatch(/--tick.*(from 1ms to 24h|finer than 1us)/);
    });
  }, 30_000);
});

describe("a state file poisoned by an older memplane", () => {
  test("is refused whole: one error naming each bad object and field, and the state left as it was", async () => {
    const { dir, state } = tempDir();
    const file = path.join(dir, "cluster.yaml");
    fs.writeFileSync(
      file,
      `${HOST}---\n${latency("7ms")}---\n${phase("7s")}---\n` +
        `apiVersion: memplane.io/v1alpha1\nkind: VirtualMachine\nmetadata: {name: web-2}\nspec: {hostName: esx-01, memory: 2Gi}\n---\n` +
        `${scenario("3s").replace("name: later", "name: bad").replace("delete: {kind: Host, name: esx-01}", "delete: {kind: VirtualMachine, name: web-9}")}---\n` +
        `apiVersion: memplane.io/v1alpha1\nkind: Scenario\nmetadata: {name: good}\nspec:\n  steps:\n    - after: 2s\n      patch: {kind: VirtualMachine, name: web-2, spec: {memory: 3Gi}}\n`,
    );
    expect((await memplane(["apply", "-f", file, "--state", state])).code).toBe(0);
    // what the old validator let through and stored
    const poisoned = "2.777777777777778e+296h36m0s";
    const text = fs.readFileSync(path.join(state, "state.json"), "utf8");
    const edited = text.replace('"7ms"', JSON.stringify(poisoned)).replace('"7s"', JSON.stringify(poisoned)).replace('"3s"', JSON.stringify(poisoned));
    expect(edited.split(poisoned)).toHaveLength(4);
    fs.writeFileSync(path.join(state, "state.json"), edited);

    // restore checks the whole snapshot first (docs/reliability.md, *A damaged snapshot changes
    // nothing*): objects the validator refuses are named, and nothing is changed
    const r = await memplane(["step", "--ticks", "8", "--log-format", "json", "--state", state]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: cannot restore the saved simulation: snapshot is damaged: /);
    expect(lines[0]).toContain("(Host esx-02) spec.swap.swapInLatency: must be a duration");
    expect(lines[0]).toContain("(VirtualMachine default/web-1) spec.workload.phases[0].after: must be a duration");
    expect(lines[0]).toContain("(Scenario bad) spec.steps[0].after: must be a duration");
    expect(lines[0]).toContain("move the state directory aside");
    expect(fs.readFileSync(path.join(state, "state.json"), "utf8")).toBe(edited);
  }, 60_000);
});
