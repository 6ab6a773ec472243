/**
 * `memplane … | head -1`: the built binary, its stdout closed after the first line, must treat
 * that as the end of output — exit 0, no `EPIPE`/"Unhandled 'error' event" — and `step` and
 * `run --state` must still save every tick they were asked for.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { BIN, ROOT, memplane, requireBuild, tempDir } from "./cli-harness.js";

/** 600 VMs on 20 hosts: a few seconds of it logs megabytes, far more than a pipe buffers. */
const DATACENTER = path.join(ROOT, "manifests/examples/overcommit-datacenter");

/** What a command whose reader left after one line did. */
interface ClosedEarly {
  code: number | null;
  signal: NodeJS.Signals | null;
  firstLine: string;
  stderr: string;
}

/** Runs `memplane ...args`, reads its first stdout line, then closes stdout (as `head -1` does). */
function firstLineThenClose(args: readonly string[]): Promise<ClosedEarly> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
    delete env.FORCE_COLOR;
    delete env.MEMPLANE_STATE;
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let seen = "";
    let firstLine: string | undefined;
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      if (firstLine !== undefined) return;
      seen += d;
      const cut = seen.indexOf("\n");
      if (cut >= 0) {
        firstLine = seen.slice(0, cut);
        child.stdout.destroy(); // the reader goes away, like `head -1`
      }
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, firstLine: firstLine ?? "", stderr }));
  });
}

/** The tick saved in a state directory. */
function savedTick(state: string): number {
  return (JSON.parse(fs.readFileSync(path.join(state, "state.json"), "utf8")) as { tick: number }).tick;
}

/** Asserts the reader's leaving ended the command quietly and successfully. */
function expectCleanEnd(result: ClosedEarly): void {
  expect(result.stderr).not.toMatch(/EPIPE|Unhandled 'error' event|ERR_STREAM|at .*\.js:\d+/);
  expect(result.signal).toBeNull();
  expect(result.code).toBe(0);
  expect(result.firstLine).not.toBe("");
}

let state: string;

beforeAll(async () => {
  requireBuild();
  state = tempDir().state;
  const setup = await memplane(["run", "-f", DATACENTER, "--ticks", "20", "--state", state, "-q"]);
  expect(setup.code).toBe(0);
}, 120_000);

describe("a closed stdout is the end of output", () => {
  test("step finishes and saves every requested tick, then exits 0", async () => {
    const before = savedTick(state);
    const result = await firstLineThenClose(["step", "--ticks", "60", "--state", state]);
    expectCleanEnd(result);
    expect(result.firstLine).toMatch(/EntitlementChanged|StateChanged|Balloon|Swap|Compress/);
    expect(savedTick(state)).toBe(before + 60);
    expect(result.stderr).toContain(`advanced 60 ticks to tick ${before + 60}`);
  });

  test("step | head -1 in a real shell pipeline exits 0 and saves", () => {
    const before = savedTick(state);
    const shell = spawnSync("bash", ["-o", "pipefail", "-c", `"${process.execPath}" "${BIN}" step --ticks 30 --state "${state}" 2>/dev/null | head -1`], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    expect(shell.status).toBe(0);
    expect(shell.stdout.split("\n").filter((l) => l !== "")).toHaveLength(1);
    expect(savedTick(state)).toBe(before + 30);
  });

  test("run --state finishes its ticks and saves them", async () => {
    const own = tempDir().state;
    const result = await firstLineThenClose(["run", "-f", DATACENTER, "--ticks", "60", "--state", own]);
    expectCleanEnd(result);
    expect(savedTick(own)).toBe(60);
  });

  test("run without --state stops once nobody reads, and says so", async () => {
    const result = await firstLineThenClose(["run", "-f", DATACENTER, "--ticks", "100000"]);
    expectCleanEnd(result);
    expect(result.stderr).toMatch(/stopped at tick \d+ .*: the output was closed/);
  });

  test.each([
    ["logs", ["logs"]],
    ["logs --log-format json", ["logs", "--log-format", "json"]],
    ["get vms", ["get", "vms"]],
    ["get vms -o yaml", ["get", "vms", "-o", "yaml"]],
    ["describe vms", ["describe", "vms"]],
    ["top --once", ["top", "--once"]],
    ["export metrics", ["export", "metrics"]],
  ])("%s exits 0", async (_name, args) => {
    expectCleanEnd(await firstLineThenClose([...args, "--state", state]));
  });

  test("run --watch stops when its reader goes away and saves what it ran", async () => {
    const own = tempDir().state;
    const result = await firstLineThenClose(["run", "-f", DATACENTER, "--watch", "--speed", "50", "--state", own]);
    expectCleanEnd(result);
    expect(result.stderr).toMatch(/output closed: stopped after \d+ ticks at tick \d+ .*; state saved to/);
    expect(savedTick(own)).toBeGreaterThan(0);
  });

  (fs.existsSync("/dev/full") ? test : test.skip)("any other write failure (a full disk) is an error, exit 1", () => {
    const full = spawnSync(process.execPath, [BIN, "get", "vms", "--state", state], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", fs.openSync("/dev/full", "w"), "pipe"] });
    expect(full.status).toBe(1);
    expect(full.stderr).toBe("error: cannot write to stdout: ENOSPC\n");
  });

  test("logs -f stops following when its reader goes away", async () => {
    const result = await firstLineThenClose(["logs", "-f", "--state", state]);
    expectCleanEnd(result);
  });
});
