/**
 * The reconciliation log under crashes (issue 19, item 10), through the BUILT binary:
 *
 * - a writer SIGKILLed at every step of a save — including the retention trim, where a kill used
 *   to lose committed entries — leaves the previous log or the new one, and the next writer
 *   carries on from there;
 * - temp files of crashed writers are removed by the next writer;
 * - bytes past the committed length of `log.jsonl` are never shown and never committed.
 *
 * Kills land at exact points through the `MEMPLANE_TEST_CRASH_AT` hook (the writer SIGKILLs
 * itself there). A small retention (60 entries) makes a 30-tick `step` trim the log.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { LogEntry } from "../../src/engine/log-entry.js";
import { StateDirectory } from "../../src/state/index.js";
import { STACK_LINE, requireBuild, tempDir } from "../cli/cli-harness.js";
import { CHURN_EXAMPLE, cli, copyState, isSuffix, jsonLines, restingProblems, tempFiles } from "./log-helpers.js";

const RETENTION = 60;
const ENV = { MEMPLANE_LOG_RETENTION: String(RETENTION) };

requireBuild();

/** A saved simulation with a log just under the retention, and what one more `step --ticks 30` adds. */
interface Base {
  dir: string;
  state: string;
  /** The committed log of the base state. */
  before: LogEntry[];
  tickBefore: number;
  /** Before plus the entries of `step --ticks 30` (from a run that was not killed). */
  full: LogEntry[];
  tickAfter: number;
}

async function makeBase(): Promise<Base> {
  const { dir } = tempDir();
  const state = path.join(dir, "base");
  const run = await cli(["run", "-f", CHURN_EXAMPLE, "--ticks", "70", "--state", state, "-q"], ENV);
  expect([run.code, run.stderr]).toEqual([0, ""]);
  const before = new StateDirectory(state).readLog().entries;
  // close to the retention but not over its 10 % slack, so the next step must trim
  expect(before.length).toBeGreaterThan(RETENTION / 2);
  expect(before.length).toBeLessThanOrEqual(RETENTION * 1.1);
  const reference = copyState(state, path.join(dir, "reference"));
  const step = await cli(["step", "--ticks", "30", "--state", reference, "--log-format", "json"], ENV);
  expect(step.code).toBe(0);
  const added = jsonLines(step.stdout);
  const full = [...before, ...added];
  expect(full.length).toBeGreaterThan(RETENTION * 1.1);
  const trimmed = new StateDirectory(reference).readLog().entries;
  expect(trimmed).toEqual(full.slice(-RETENTION));
  expect(restingProblems(reference)).toEqual([]);
  return { dir, state, before, tickBefore: 70, full, tickAfter: 100 };
}

/**
 * What a reader must see after a crash: the previous state with its whole log, or the new
 * state with the newest entries of the whole log (at least the retention's worth).
 */
function expectPreviousOrNew(state: string, base: Base): LogEntry[] {
  const sd = new StateDirectory(state);
  const saved = sd.readState()!;
  const shown = sd.readLog().entries;
  if (saved.tick === base.tickBefore) {
    expect(shown).toEqual(base.before);
  } else {
    expect(saved.tick).toBe(base.tickAfter);
    expect(isSuffix(shown, base.full)).toBe(true);
    expect(shown.length).toBeGreaterThanOrEqual(Math.min(RETENTION, base.full.length));
  }
  return shown;
}

/**
 * The next writer after a crash: it must succeed and keep what was shown (up to the retention).
 * With `viaLogs`, `memplane logs` must first show the same entries as the in-process reader.
 */
async function expectRecovery(state: string, shown: readonly LogEntry[], viaLogs = false): Promise<void> {
  if (viaLogs) {
    const logs = await cli(["logs", "--state", state, "--log-format", "json"], ENV);
    expect(logs.code).toBe(0);
    expect(jsonLines(logs.stdout)).toEqual(shown);
  }
  const step = await cli(["step", "--ticks", "1", "--state", state, "--log-format", "json"], ENV);
  expect([step.code, STACK_LINE.test(step.stderr)]).toEqual([0, false]);
  const combined = [...shown, ...jsonLines(step.stdout)];
  const after = new StateDirectory(state).readLog().entries;
  expect(isSuffix(after, combined)).toBe(true);
  expect(after.length).toBeGreaterThanOrEqual(Math.min(RETENTION, combined.length));
  expect(restingProblems(state)).toEqual([]);
}

describe("log crash safety", () => {
  let base: Base;
  beforeAll(async () => {
    base = await makeBase();
  }, 60_000);

  // (trim-written is the temp-file test below; log-flushed, the streaming test in log-bounds.test.ts)
  test.each(["log-synced", "state-committed", "trim-renamed"])(
    "a step SIGKILLed at %s keeps every committed entry (previous log or new log), and the next writer carries on",
    async (point) => {
      const state = copyState(base.state, path.join(base.dir, `crash-${point}`));
      const crashed = await cli(["step", "--ticks", "30", "--state", state, "-q"], { ...ENV, MEMPLANE_TEST_CRASH_AT: point });
      expect(crashed.signal).toBe("SIGKILL");
      const shown = expectPreviousOrNew(state, base);
      await expectRecovery(state, shown, point === "trim-renamed");
    },
    60_000,
  );

  test("a kill in the trim window, then a kill while the next writer repairs, loses nothing", async () => {
    const state = copyState(base.state, path.join(base.dir, "crash-twice"));
    const first = await cli(["step", "--ticks", "30", "--state", state, "-q"], { ...ENV, MEMPLANE_TEST_CRASH_AT: "trim-renamed" });
    expect(first.signal).toBe("SIGKILL");
    const shown = expectPreviousOrNew(state, base);
    const second = await cli(["step", "--ticks", "1", "--state", state, "-q"], { ...ENV, MEMPLANE_TEST_CRASH_AT: "repair-written" });
    expect(second.signal).toBe("SIGKILL");
    expect(new StateDirectory(state).readLog().entries).toEqual(shown);
    await expectRecovery(state, shown);
  }, 60_000);

  test("temp files of crashed writers are removed by the next writer; others are left alone", async () => {
    const state = copyState(base.state, path.join(base.dir, "temps"));
    const crashed = await cli(["step", "--ticks", "30", "--state", state, "-q"], { ...ENV, MEMPLANE_TEST_CRASH_AT: "trim-written" });
    expect(crashed.signal).toBe("SIGKILL");
    expect(tempFiles(state)).toEqual([expect.stringMatching(/^\.log\.jsonl\.\d+\.tmp$/)]);
    const shown = expectPreviousOrNew(state, base);
    // a state.json temp of a writer killed mid-save (dead pid), and a live process's unrelated temp file
    const dead = await deadPid();
    fs.writeFileSync(path.join(state, `.state.json.${dead}.tmp`), '{"format":"memplane-state/v1","half');
    const live = `.report.html.${process.pid}.tmp`;
    fs.writeFileSync(path.join(state, live), "<html>");
    const step = await cli(["step", "--state", state, "--log-format", "json"], ENV);
    expect(step.code).toBe(0);
    expect(tempFiles(state)).toEqual([live]);
    fs.rmSync(path.join(state, live));
    const combined = [...shown, ...jsonLines(step.stdout)];
    expect(combined.length).toBeGreaterThan(RETENTION * 1.1); // this step trims
    expect(new StateDirectory(state).readLog().entries).toEqual(combined.slice(-RETENTION));
    expect(restingProblems(state)).toEqual([]);
  }, 60_000);

  test("entries appended past the committed length are never shown, and the next writer drops them", async () => {
    const state = copyState(base.state, path.join(base.dir, "appended"));
    const sd = new StateDirectory(state);
    const committed = sd.readLog().entries;
    // whole, well-formed entries at ticks the state has reached: only the committed length tells them apart
    const extra = [committed[0]!, { ...committed[committed.length - 1]!, message: "appended by someone else" }];
    fs.appendFileSync(sd.logFile, extra.map((e) => JSON.stringify(e) + "\n").join(""));
    const read = sd.readLog();
    expect(read.entries).toEqual(committed);
    expect(read.warnings).toEqual([expect.stringMatching(/dropped 2 entries from an interrupted save from .*log\.jsonl/)]);
    const logs = await cli(["logs", "--state", state, "--log-format", "json"], ENV);
    expect(logs.code).toBe(0);
    expect(jsonLines(logs.stdout)).toEqual(committed);
    expect(logs.stderr).toMatch(/dropped 2 entries from an interrupted save/);
    const step = await cli(["step", "--state", state, "--log-format", "json"], ENV);
    expect(step.code).toBe(0);
    expect(step.stderr).toMatch(/dropped 2 entries from an interrupted save/);
    expect(sd.readLog()).toEqual({ entries: [...committed, ...jsonLines(step.stdout)], warnings: [] });
    expect(restingProblems(state)).toEqual([]);
  }, 60_000);
});

/** A pid that belonged to a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid!;
}
