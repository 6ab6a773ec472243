/**
 * A Scenario through the built CLI: `run -f` with a Scenario document applies its steps at
 * their times, `get scenarios` shows progress, and a saved state continues it with `step`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { memplane, requireBuild, tempDir } from "../cli/cli-harness.js";

const MANIFESTS = `apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: h1}
spec: {capacity: 8Gi, policy: squeezed}
---
apiVersion: memplane.io/v1alpha1
kind: Scenario
metadata: {name: arrivals}
spec:
  steps:
    - after: 5s
      apply:
        apiVersion: memplane.io/v1alpha1
        kind: VirtualMachine
        metadata: {name: web}
        spec: {hostName: h1, memory: 2Gi}
    - after: 15s
      delete: {kind: VirtualMachine, name: web}
`;

describe("Scenario through the CLI", () => {
  beforeAll(requireBuild);

  test("run -f applies due steps, get shows progress, step continues from the saved state", async () => {
    const { dir, state } = tempDir();
    const file = path.join(dir, "scenario.yaml");
    fs.writeFileSync(file, MANIFESTS);
    const run = await memplane(["run", "-f", file, "--ticks", "10", "--log-format", "json", "--state", state]);
    expect(run.stderr).toContain("scenario/arrivals created");
    expect(run.code).toBe(0);
    const logs = run.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs.filter((l) => l.controller === "scenario").map((l) => [l.tick, l.action])).toEqual([[5, "ScenarioStepApplied"]]);
    const get = await memplane(["get", "scenarios", "--state", state]);
    expect(get.stdout).toMatch(/^arrivals\s+1\/2\s+0s\s/m);
    const step = await memplane(["step", "--ticks", "10", "--state", state]);
    expect(step.code).toBe(0);
    const vms = await memplane(["get", "vms", "-o", "json", "--state", state]);
    expect((JSON.parse(vms.stdout) as { items: unknown[] }).items).toEqual([]);
    const sc = await memplane(["get", "scenario", "arrivals", "-o", "json", "--state", state]);
    const status = (JSON.parse(sc.stdout) as { status: { stepsDone: number; history: { time: string }[] } }).status;
    expect(status.stepsDone).toBe(2);
    expect(status.history.map((h) => h.time)).toEqual(["5s", "15s"]);
  });
});
