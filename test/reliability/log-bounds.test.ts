/**
 * The reconciliation log's bounds (issue 19, items 10 and 12), through the BUILT binary and in
 * process:
 *
 * - a `log.jsonl` (or `state.json`) that is not a regular file — a symlink to `/dev/zero`, a
 *   FIFO, a directory — is refused at once with one `error:` line; nothing blocks, and the
 *   lock is released;
 * - a log far past what a string can hold (a 600 MB sparse file) is read in bounded pieces:
 *   no "internal error", the committed entries are shown and the junk dropped;
 * - writers stream log entries to disk as ticks go instead of keeping them until the save.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { StateDirectory, type SavedState } from "../../src/state/index.js";
import type { LogEntry } from "../../src/engine/log-entry.js";
import { STACK_LINE, requireBuild, tempDir } from "../cli/cli-harness.js";
import { CHURN_EXAMPLE, cli, copyState, jsonLines, restingProblems } from "./log-helpers.js";

requireBuild();

/** A saved simulation with a few dozen log entries, made once; each test works on a copy. */
let original: { state: string; entries: LogEntry[] } | undefined;

beforeAll(async () => {
  const { state } = tempDir();
  const run = await cli(["run", "-f", CHURN_EXAMPLE, "--ticks", "60", "--state", state, "-q"]);
  expect(run.code).toBe(0);
  const entries = new StateDirectory(state).readLog().entries;
  expect(entries.length).toBeGreaterThan(10);
  original = { state, entries };
}, 60_000);

/** A fresh copy of the saved simulation. */
function savedState(): { state: string; entries: LogEntry[] } {
  const { dir } = tempDir();
  return { state: copyState(original!.state, path.join(dir, "state")), entries: original!.entries };
}

/** A one-line user error, no stack trace, in good time. */
function expectRefused(r: Awaited<ReturnType<typeof cli>>, pattern: RegExp): void {
  expect(r.timedOut).toBe(false);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(STACK_LINE.test(r.stderr)).toBe(false);
}

describe("state files that are not regular files", () => {
  const kinds: Array<[string, (file: string) => void, RegExp]> = [
    ["a symlink to /dev/zero", (f) => fs.symlinkSync("/dev/zero", f), /symbolic link/],
    ["a FIFO", (f) => execFileSync("mkfifo", [f]), /FIFO/],
    ["a directory", (f) => fs.mkdirSync(f), /directory/],
  ];

  test.each(kinds)("log.jsonl as %s: logs (and logs -f) and step refuse it at once and release the lock", async (kind, make, what) => {
    const { state } = savedState();
    const log = path.join(state, "log.jsonl");
    fs.rmSync(log);
    make(log);
    // a directory gets the state directory's own wording (state-files.ts); other non-files the reader's
    const message =
      what.source === "directory"
        ? /^error: .*log\.jsonl is a directory, but memplane keeps a file there/
        : new RegExp(`^error: cannot read saved state .*log\\.jsonl: it is a ${what.source}, not a regular file`);
    expectRefused(await cli(["logs", "--state", state], {}, 8000), message);
    if (kind.includes("/dev/zero")) expectRefused(await cli(["logs", "-f", "--state", state], {}, 8000), message);
    expectRefused(await cli(["step", "--state", state], {}, 8000), message);
    expect(fs.existsSync(path.join(state, "lock"))).toBe(false);
  }, 60_000);

  test("state.json as a symlink to /dev/zero: get and step refuse it at once", async () => {
    const { state } = savedState();
    fs.rmSync(path.join(state, "state.json"));
    fs.symlinkSync("/dev/zero", path.join(state, "state.json"));
    const message = /^error: cannot read saved state .*state\.json: it is a symbolic link, not a regular file/;
    expectRefused(await cli(["get", "vms", "--state", state], {}, 8000), message);
    expectRefused(await cli(["step", "--state", state], {}, 8000), message);
  }, 60_000);
});

describe("a log too large to hold in a string", () => {
  const SPARSE = 600 * 1024 * 1024;

  test("600 MB of junk past the committed length: logs shows the committed entries, step drops the junk", async () => {
    const { state, entries } = savedState();
    const log = path.join(state, "log.jsonl");
    fs.truncateSync(log, fs.statSync(log).size + SPARSE); // a sparse tail of NUL bytes
    const logs = await cli(["logs", "--state", state, "--log-format", "json"]);
    expect([logs.code, logs.timedOut]).toEqual([0, false]);
    expect(jsonLines(logs.stdout)).toEqual(entries);
    expect(logs.stderr).toMatch(/^warning: dropped .* from .*log\.jsonl/);
    expect(logs.stderr).not.toMatch(/internal error/);
    const step = await cli(["step", "--state", state, "--log-format", "json"]);
    expect([step.code, step.stderr]).toEqual([0, expect.stringMatching(/^warning: dropped /)]);
    expect(fs.statSync(log).size).toBeLessThan(1024 * 1024);
    expect(new StateDirectory(state).readLog().entries).toEqual([...entries, ...jsonLines(step.stdout)]);
    expect(restingProblems(state)).toEqual([]);
  }, 60_000);

  test("a committed length of 600 MB (a tampered state.json): readers and the next writer drop the junk line", async () => {
    const { state, entries } = savedState();
    const sd = new StateDirectory(state);
    const size = fs.statSync(sd.logFile).size;
    fs.truncateSync(sd.logFile, size + SPARSE);
    const raw = JSON.parse(fs.readFileSync(sd.stateFile, "utf8")) as { log: { bytes: number } };
    raw.log.bytes = size + SPARSE;
    fs.writeFileSync(sd.stateFile, JSON.stringify(raw));
    const logs = await cli(["logs", "--state", state, "--log-format", "json"]);
    expect([logs.code, jsonLines(logs.stdout)]).toEqual([0, entries]);
    expect(logs.stderr).toMatch(/^warning: dropped 1 torn or unreadable line from .*log\.jsonl\n$/);
    const step = await cli(["step", "--state", state, "--log-format", "json"]);
    expect([step.code, step.stderr]).toEqual([0, expect.stringMatching(/^warning: dropped 1 torn or unreadable line/)]);
    expect(new StateDirectory(state).readLog().entries).toEqual([...entries, ...jsonLines(step.stdout)]);
    expect(restingProblems(state)).toEqual([]);
  }, 60_000);
});

describe("writers stream log entries", () => {
  const entry = (tick: number, message = `entry ${tick}`): LogEntry => ({
    tick, time: `${tick}s`, controller: "balloon", kind: "VirtualMachine", name: "web-1", action: "BalloonTargetChanged", message,
  });
  const saved = (tick: number): SavedState => ({ seed: 1, tickSeconds: 1, tick, timeSeconds: tick, engine: {} });

  test("appended entries go to disk in bounded batches, invisible to readers until the save commits them", async () => {
    const sd = new StateDirectory(path.join(tempDir().dir, "state"));
    const w = await sd.openWriter("test");
    try {
      w.save(saved(0), []);
      const padding = "x".repeat(400);
      let peakBuffered = 0;
      for (let i = 1; i <= 20_000; i++) {
        w.append(entry(i, padding));
        peakBuffered = Math.max(peakBuffered, w.bufferedBytes);
      }
      // ~9 MB of entries: almost all on disk already, at most one batch in memory
      expect(peakBuffered).toBeLessThanOrEqual(1024 * 1024);
      expect(fs.statSync(sd.logFile).size).toBeGreaterThan(8 * 1024 * 1024);
      expect(sd.readLog().entries).toEqual([]); // not committed yet
      w.save(saved(20_000));
      expect(sd.readLog().entries).toHaveLength(20_000);
    } finally {
      w.close();
    }
    expect(restingProblems(sd.dir)).toEqual([]);
  });

  test("a writer that closes without saving takes its appended entries back", async () => {
    const sd = new StateDirectory(path.join(tempDir().dir, "state"));
    const w = await sd.openWriter("test");
    w.save(saved(1), [entry(1)]);
    const committed = fs.statSync(sd.logFile).size;
    for (let i = 2; i < 5000; i++) w.append(entry(i, "y".repeat(300)));
    expect(fs.statSync(sd.logFile).size).toBeGreaterThan(committed);
    w.close(); // e.g. the command failed: nothing of it may remain
    expect(fs.statSync(sd.logFile).size).toBe(committed);
    const again = await sd.openWriter("test");
    expect(again.warnings).toEqual([]);
    again.close();
  });

  test("run --state writes its entries to disk while it runs, and prints the log it saves", async () => {
    const { dir } = tempDir();
    // 600 VMs: their first tick alone logs ~650 KB, more than one batch
    const args = ["run", "-f", path.join(CHURN_EXAMPLE, "../overcommit-datacenter"), "--ticks", "3", "--log-format", "json"];
    const saved = await cli([...args, "--state", path.join(dir, "saved")]);
    expect(saved.code).toBe(0);
    const all = jsonLines(saved.stdout);
    expect(new StateDirectory(path.join(dir, "saved")).readLog().entries).toEqual(all);
    expect(restingProblems(path.join(dir, "saved"))).toEqual([]);
    // killed at its first write to log.jsonl: the first entries are there, long before the run ended
    const state = path.join(dir, "killed");
    const killed = await cli([...args, "--state", state, "-q"], { MEMPLANE_TEST_CRASH_AT: "log-flushed:1" });
    expect(killed.signal).toBe("SIGKILL");
    const sd = new StateDirectory(state);
    expect(sd.readState()).toBeUndefined(); // nothing committed
    expect(sd.readLog().entries).toEqual([]);
    const onDisk = jsonLines(fs.readFileSync(sd.logFile, "utf8"));
    expect(onDisk.length).toBeGreaterThan(0);
    expect(onDisk.length).toBeLessThan(all.length);
    expect(onDisk).toEqual(all.slice(0, onDisk.length));
  }, 60_000);
});
