/** `logs`: the saved log filtered by object, host and tick; `-f` picks up what a concurrent `step` commits. */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { LogEntry } from "../../src/engine/log-entry.js";
import { LogFollower } from "../../src/state/log-follower.js";
import { StateDirectory, type SavedState } from "../../src/state/index.js";
import { BIN, ROOT, memplane, requireBuild, tempDir } from "./cli-harness.js";

requireBuild();

const EXAMPLE = path.join(ROOT, "manifests/examples/no-tools");

/** A log entry as `--log-format json` prints it (the fields the tests read). */
interface Entry {
  tick: number;
  kind: string;
  namespace?: string;
  name: string;
  host?: string;
  action: string;
}

/** Parses JSON lines. */
function entries(out: string): Entry[] {
  return out
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Entry);
}

const { state } = tempDir();
let all: Entry[];

beforeAll(async () => {
  const run = await memplane(["run", "-f", EXAMPLE, "--ticks", "200", "--state", state, "-q"]);
  expect(run.code).toBe(0);
  const r = await memplane(["logs", "--log-format", "json", "--state", state]);
  expect(r.code).toBe(0);
  all = entries(r.stdout);
  expect(all.length).toBeGreaterThan(20);
});

describe("logs", () => {
  test.concurrent("vm/NAME keeps exactly that VM's entries, in order", async () => {
    const r = await memplane(["logs", "vm/without-tools", "--log-format", "json", "--state", state]);
    expect(r.code).toBe(0);
    const expected = all.filter((e) => e.kind === "VirtualMachine" && e.name === "without-tools");
    expect(expected.length).toBeGreaterThan(0);
    expect(entries(r.stdout)).toEqual(expected);
  });

  test.concurrent("--since-tick and host/NAME in text format", async () => {
    const [since, host] = await Promise.all([
      memplane(["logs", "--since-tick", "150", "--log-format", "json", "--state", state]),
      memplane(["logs", "host/esx-01", "--state", state]),
    ]);
    expect(since.code).toBe(0);
    expect(entries(since.stdout)).toEqual(all.filter((e) => e.tick >= 150));
    expect(host.code).toBe(0);
    const lines = host.stdout.trimEnd().split("\n");
    expect(lines.length).toBe(all.filter((e) => e.kind === "Host" && e.name === "esx-01").length);
    expect(lines.every((l) => /\shost\/esx-01\s/.test(l))).toBe(true);
    // The host's memory state as of each entry, learnt from the log's StateChanged entries.
    expect(host.stdout).toMatch(/esx-01\[soft\]\s+host-state\s+host\/esx-01\s+StateChanged\s+clear → soft/);
  });

  test.concurrent("--tail and an unknown object", async () => {
    const [tail, missing] = await Promise.all([
      memplane(["logs", "--tail", "3", "--log-format", "json", "--state", state]),
      memplane(["logs", "vm/web-9", "--state", state]),
    ]);
    expect(entries(tail.stdout)).toEqual(all.slice(-3));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('Error from server (NotFound): virtualmachines "web-9" not found in namespace "default"\n');
  });

  test.concurrent("-f prints what a concurrent step commits and exits 0 on SIGTERM", async () => {
    // Its own copy: the other tests read the state as run left it.
    const { state: own } = tempDir();
    fs.cpSync(state, own, { recursive: true });
    const child = spawn(process.execPath, [BIN, "logs", "-f", "--since-tick", "201", "--log-format", "json", "--state", own], {
      env: { ...process.env, NO_COLOR: "1" },
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    let err = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    await new Promise((resolve) => setTimeout(resolve, 1500)); // let it read the log as it stands
    expect(out).toBe("");

    const step = await memplane(["step", "--ticks", "60", "-q", "--state", own]);
    expect(step.code).toBe(0);
    const committed = entries((await memplane(["logs", "--since-tick", "201", "--log-format", "json", "--state", own])).stdout);
    expect(committed.length).toBeGreaterThan(0);
    const deadline = Date.now() + 10_000;
    while (entries(out).length < committed.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(entries(out)).toEqual(committed);

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(err).toBe("");
  });
});

describe("LogFollower (in process)", () => {
  const entry = (tick: number): LogEntry => ({ tick, time: `${tick}s`, controller: "test", kind: "Host", name: "esx-01", action: "Tick", message: `tick ${tick}` });
  const saved = (tick: number): SavedState => ({ seed: 1, tickSeconds: 1, tick, timeSeconds: tick, engine: {} });
  const ticks = (es: readonly LogEntry[]): number[] => es.map((e) => e.tick);

  test("returns each committed entry once, never a writer's uncommitted lines", async () => {
    const dir = new StateDirectory(tempDir().state);
    const follower = new LogFollower(dir);
    expect(follower.poll()).toEqual([]); // nothing saved yet
    const w = await dir.openWriter("test");
    try {
      w.save(saved(2), [entry(1), entry(2)]);
      expect(ticks(follower.poll())).toEqual([1, 2]);
      expect(follower.poll()).toEqual([]);
      // Appended but not committed (state.json not yet replaced), then a torn line: invisible.
      fs.appendFileSync(dir.logFile, JSON.stringify(entry(3)) + "\n" + '{"tick":4,"ti');
      expect(follower.poll()).toEqual([]);
    } finally {
      w.close();
    }
    const w2 = await dir.openWriter("test"); // repairs the log (drops the uncommitted lines)
    try {
      w2.save(saved(5), [entry(5)]);
      expect(ticks(follower.poll())).toEqual([5]);
    } finally {
      w2.close();
    }
  });

  test("resumes after the last tick when retention rewrites the log", async () => {
    const dir = new StateDirectory(tempDir().state, { logRetention: 4 });
    const follower = new LogFollower(dir);
    const w = await dir.openWriter("test");
    try {
      w.save(saved(3), [entry(1), entry(2), entry(3)]);
      expect(ticks(follower.poll())).toEqual([1, 2, 3]);
      w.save(saved(6), [entry(4), entry(5), entry(6)]); // 6 > 4 × 1.1: rewritten with the newest 4
      expect(fs.readFileSync(dir.logFile, "utf8").trim().split("\n")).toHaveLength(4);
      expect(ticks(follower.poll())).toEqual([4, 5, 6]);
      w.save(saved(7), [entry(7)]);
      expect(ticks(follower.poll())).toEqual([7]);
    } finally {
      w.close();
    }
  });
});
