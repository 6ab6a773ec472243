/** `run` and `step`: streaming logs, saving state, ticks vs duration, settings that cannot change. */
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { BIN, FIXTURES, memplane, requireBuild, tempDir } from "./cli-harness.js";

const CLUSTER = path.join(FIXTURES, "cluster");
const OVERCOMMIT = path.join(FIXTURES, "overcommit.yaml");

requireBuild();

/** Parses JSON-lines output, failing on any line that is not a log entry. */
function jsonLines(out: string): Array<Record<string, unknown>> {
  return out
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      expect(typeof entry.tick).toBe("number");
      expect(typeof entry.action).toBe("string");
      return entry;
    });
}

describe("run", () => {
  test.concurrent("streams JSON log lines and touches no disk without --state", async () => {
    const { dir } = tempDir();
    const r = await memplane(["run", "-f", OVERCOMMIT, "--duration", "5m", "--log-format", "json"], { cwd: dir });
    expect(r.code).toBe(0);
    const entries = jsonLines(r.stdout);
    expect(entries.some((e) => e.action === "Admitted" && e.name === "busy-1")).toBe(true);
    expect(entries.every((e) => (e.tick as number) <= 300)).toBe(true);
    expect(r.stderr).toContain("ran 300 ticks to tick 300 (5m0s)");
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test.concurrent("text logs are aligned lines naming the object", async () => {
    const r = await memplane(["run", "-f", OVERCOMMIT, "--ticks", "3"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/vm\/default\/busy-1/);
    expect(r.stdout).not.toContain("\x1b[");
  });

  test.concurrent("--tick sets the tick length: --duration 1m --tick 5s runs 12 ticks", async () => {
    const r = await memplane(["run", "-f", CLUSTER, "--duration", "1m", "--tick", "5s", "--log-format", "json"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("ran 12 ticks to tick 12 (1m0s)");
    expect(jsonLines(r.stdout).map((e) => e.time)).toContain("5s");
  });

  test.concurrent("with --state saves the final state and log; a later run continues it", async () => {
    const { state } = tempDir();
    const first = await memplane(["run", "-f", OVERCOMMIT, "--ticks", "30", "--state", state, "--log-format", "json"]);
    expect(first.code).toBe(0);
    const saved = JSON.parse(fs.readFileSync(path.join(state, "state.json"), "utf8"));
    expect(saved.tick).toBe(30);
    const log = fs.readFileSync(path.join(state, "log.jsonl"), "utf8");
    expect(log).toBe(first.stdout);
    const second = await memplane(["run", "-f", OVERCOMMIT, "--ticks", "10", "--state", state]);
    expect(second.stderr).toContain("to tick 40");
    expect(second.stderr).toContain("host/esx-small unchanged");
    const vms = await memplane(["get", "vms", "--state", state]);
    expect(vms.stdout).toMatch(/busy-1\s+esx-small\s+Running/);
  });

  test.concurrent("a saved simulation refuses a different --seed or --tick", async () => {
    const { state } = tempDir();
    await memplane(["run", "-f", CLUSTER, "--ticks", "1", "--state", state, "--seed", "3"]);
    const [seed, tick] = await Promise.all([
      memplane(["run", "-f", CLUSTER, "--ticks", "1", "--state", state, "--seed", "4"]),
      memplane(["run", "-f", CLUSTER, "--ticks", "1", "--state", state, "--tick", "2s"]),
    ]);
    expect(seed.code).toBe(1);
    expect(seed.stderr).toContain("runs with --seed 3");
    expect(tick.code).toBe(1);
    expect(tick.stderr).toContain("runs with --tick 1s");
  });
});

describe("Ctrl-C", () => {
  test.concurrent("interrupting a run stops after a whole tick, saves it, and exits 130", async () => {
    const { state } = tempDir();
    const child = spawn(process.execPath, [BIN, "run", "-f", OVERCOMMIT, "--duration", "100h", "--state", state, "--log-format", "json"], {
      env: { ...process.env, NO_COLOR: "1" },
    });
    let stdout = "";
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        if (stdout === "") setTimeout(() => child.kill("SIGINT"), 200);
        stdout += d;
      });
      child.on("close", resolve);
    });
    expect(code).toBe(130);
    const saved = JSON.parse(fs.readFileSync(path.join(state, "state.json"), "utf8"));
    expect(saved.tick).toBeGreaterThan(0);
    expect(saved.tick).toBeLessThan(360_000);
    expect(stderr).toContain(`interrupted at tick ${saved.tick}`);
    expect(fs.existsSync(path.join(state, "lock"))).toBe(false);
  });
});

describe("step", () => {
  test.concurrent("advances the saved simulation and prints only the new entries", async () => {
    const { state } = tempDir();
    await memplane(["apply", "-f", OVERCOMMIT, "--state", state]);
    const first = await memplane(["step", "--ticks", "5", "--log-format", "json", "--state", state]);
    expect(first.code).toBe(0);
    const firstEntries = jsonLines(first.stdout);
    expect(firstEntries.some((e) => e.action === "Admitted")).toBe(true);
    expect(first.stderr).toContain("advanced 5 ticks to tick 5 (5s)");
    const second = await memplane(["step", "--duration", "1m", "--log-format", "json", "--state", state]);
    const secondEntries = jsonLines(second.stdout);
    expect(secondEntries.every((e) => (e.tick as number) > 5 && (e.tick as number) <= 65)).toBe(true);
    expect(second.stderr).toContain("to tick 65 (1m5s)");
    const log = fs.readFileSync(path.join(state, "log.jsonl"), "utf8");
    expect(log).toBe(first.stdout + second.stdout);
  });

  test.concurrent("stepping in pieces gives the same log as one run (restore + step == never stopped)", async () => {
    const { state } = tempDir();
    const whole = await memplane(["run", "-f", OVERCOMMIT, "--ticks", "90", "--log-format", "json"]);
    await memplane(["apply", "-f", OVERCOMMIT, "--state", state]);
    for (const n of ["30", "45", "15"]) {
      const r = await memplane(["step", "--ticks", n, "-q", "--state", state]);
      expect(r).toMatchObject({ code: 0, stdout: "", stderr: "" });
    }
    expect(fs.readFileSync(path.join(state, "log.jsonl"), "utf8")).toBe(whole.stdout);
  });

  test.concurrent("step on a missing state directory creates it", async () => {
    const { state } = tempDir();
    const r = await memplane(["step", "--state", state]);
    expect(r.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(state, "state.json"), "utf8")).tick).toBe(1);
  });
});
