/** The state directory module in-process: commit protocol, retention (lock edge cases: state-lock.test.ts). */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { LogEntry } from "../../src/engine/log-entry.js";
import { StateDirectory, parseLogLines, type SavedState } from "../../src/state/index.js";

function freshDir(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), "memplane-state-")), "state");
}

function entry(tick: number): LogEntry {
  return { tick, time: `${tick}s`, controller: "balloon", kind: "VirtualMachine", name: "web-1", action: "BalloonTargetChanged", message: `tick ${tick}` };
}

function state(tick: number): SavedState {
  return { seed: 1, tickSeconds: 1, tick, timeSeconds: tick, engine: { marker: tick } };
}

describe("StateDirectory", () => {
  test("a missing directory reads as empty and is not created by readers", () => {
    const dir = new StateDirectory(freshDir());
    expect(dir.readState()).toBeUndefined();
    expect(dir.readLog()).toEqual({ entries: [], warnings: [] });
    expect(fs.existsSync(dir.dir)).toBe(false);
  });

  test("save then read returns the snapshot and the log in order", async () => {
    const dir = new StateDirectory(freshDir());
    const w = await dir.openWriter("test");
    w.save(state(2), [entry(1), entry(2)]);
    w.save(state(3), [entry(3)]);
    w.close();
    expect(dir.readState()).toEqual(state(3));
    expect(dir.readLog().entries.map((e) => e.tick)).toEqual([1, 2, 3]);
    expect(fs.readdirSync(dir.dir).sort()).toEqual(["log.jsonl", "state.json"]);
  });

  test("retention trims to the newest entries once the log grows 10% past it", async () => {
    const dir = new StateDirectory(freshDir(), { logRetention: 10 });
    const w = await dir.openWriter("test");
    w.save(state(11), Array.from({ length: 11 }, (_, i) => entry(i + 1)));
    expect(dir.readLog().entries).toHaveLength(11); // within the 10 % slack
    w.save(state(12), [entry(12)]);
    expect(dir.readLog().entries.map((e) => e.tick)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    w.save(state(13), [entry(13)]);
    w.close();
    const reopened = await dir.openWriter("test");
    expect(reopened.warnings).toEqual([]);
    reopened.close();
  });

  test("readers drop torn lines and entries past the saved tick, with a warning", async () => {
    const dir = new StateDirectory(freshDir(), { displayName: "./.memplane" });
    const w = await dir.openWriter("test");
    w.save(state(1), [entry(1)]);
    w.close();
    fs.appendFileSync(dir.logFile, JSON.stringify(entry(2)) + "\n" + '{"tick":3,"ti');
    const log = dir.readLog();
    expect(log.entries.map((e) => e.tick)).toEqual([1]);
    expect(log.warnings).toEqual(["dropped 1 torn or unreadable line and 1 entry from an interrupted save from .memplane/log.jsonl"]);
  });

  test("parseLogLines keeps whole entries only", () => {
    const text = `${JSON.stringify(entry(1))}\nnot json\n{"tick":2}\n${JSON.stringify(entry(2))}\n{"tick":3,`;
    expect(parseLogLines(text)).toMatchObject({ droppedLines: 3, droppedUncommitted: 0 });
    expect(parseLogLines(text).entries.map((e) => e.tick)).toEqual([1, 2]);
  });
});
