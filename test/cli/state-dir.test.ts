/** The saved-state directory's guarantees, seen through the CLI: the writer lock and torn-log recovery. */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { FIXTURES, memplane, requireBuild, STACK_LINE, tempDir } from "./cli-harness.js";

const CLUSTER = path.join(FIXTURES, "cluster");

requireBuild();

/** Puts a lock in place as another memplane process would: `lock/owner-<pid>-<token>.json`. */
function writeLock(state: string, pid: number): void {
  fs.mkdirSync(path.join(state, "lock"), { recursive: true });
  fs.writeFileSync(
    path.join(state, "lock", `owner-${pid}-${"0123456789abcdef".repeat(2)}.json`),
    JSON.stringify({ pid, command: "memplane step --ticks 600", startedAt: "2025-01-01T10:00:00.000Z" }),
  );
}

/** A pid that is certainly not running: a child that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid!;
}

describe("writer lock", () => {
  test.concurrent("a lock held by a live process: the writer waits, then fails naming the holder", async () => {
    const { state } = tempDir();
    const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"]);
    try {
      writeLock(state, holder.pid!);
      const started = Date.now();
      const r = await memplane(["apply", "-f", CLUSTER, "--state", state], { env: { MEMPLANE_LOCK_TIMEOUT_MS: "300" } });
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `error: state directory ${state} is locked by pid ${holder.pid} (memplane step --ticks 600, since 2025-01-01T10:00:00.000Z); wait for it to finish or stop it\n`,
      );
      expect(r.stderr).not.toMatch(STACK_LINE);
      expect(fs.existsSync(path.join(state, "state.json"))).toBe(false);
      // readers do not lock
      const get = await memplane(["get", "hosts", "--state", state]);
      expect(get.code).toBe(0);
    } finally {
      holder.kill();
    }
  });

  test.concurrent("the writer gets the lock once the holder releases it", async () => {
    const { state } = tempDir();
    const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"]);
    try {
      writeLock(state, holder.pid!);
      setTimeout(() => fs.rmSync(path.join(state, "lock"), { recursive: true }), 300);
      const r = await memplane(["apply", "-f", CLUSTER, "--state", state], { env: { MEMPLANE_LOCK_TIMEOUT_MS: "5000" } });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("host/esx-01 created");
    } finally {
      holder.kill();
    }
  });

  test.concurrent("a lock whose pid is dead is taken over, and released afterwards", async () => {
    const { state } = tempDir();
    writeLock(state, await deadPid());
    const r = await memplane(["apply", "-f", CLUSTER, "--state", state], { env: { MEMPLANE_LOCK_TIMEOUT_MS: "0" } });
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(state, "lock"))).toBe(false);
  });

  test.concurrent("concurrent writers never lose an update", async () => {
    const { state } = tempDir();
    await memplane(["apply", "-f", CLUSTER, "--state", state]);
    const results = await Promise.all(Array.from({ length: 4 }, () =>
        // a generous wait: on a loaded CI machine four processes queue behind one lock
        memplane(["step", "--ticks", "3", "-q", "--state", state], { env: { MEMPLANE_LOCK_TIMEOUT_MS: "60000" } }),
      ),
    );
    for (const r of results) expect(r.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(state, "state.json"), "utf8")).tick).toBe(12);
  });
});

describe("log.jsonl", () => {
  test.concurrent("a torn last line is detected, dropped and reported; the log stays valid JSON lines", async () => {
    const { state } = tempDir();
    await memplane(["apply", "-f", path.join(FIXTURES, "overcommit.yaml"), "--state", state]);
    await memplane(["step", "--ticks", "5", "-q", "--state", state]);
    const logFile = path.join(state, "log.jsonl");
    const before = fs.readFileSync(logFile, "utf8");
    expect(before.length).toBeGreaterThan(0);
    fs.appendFileSync(logFile, '{"tick":6,"time":"6s","controller":"bal');
    const r = await memplane(["step", "--ticks", "1", "-q", "--state", state]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`warning: dropped 1 torn or unreadable line from ${path.join(state, "log.jsonl")}`);
    const after = fs.readFileSync(logFile, "utf8");
    expect(after.startsWith(before)).toBe(true);
    for (const line of after.split("\n").filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
  });

  test.concurrent("entries appended by a save that never committed are dropped", async () => {
    const { state } = tempDir();
    await memplane(["apply", "-f", path.join(FIXTURES, "overcommit.yaml"), "--state", state]);
    await memplane(["step", "--ticks", "2", "-q", "--state", state]);
    const logFile = path.join(state, "log.jsonl");
    const before = fs.readFileSync(logFile, "utf8");
    fs.appendFileSync(logFile, JSON.stringify({ tick: 99, time: "1m39s", controller: "swap", kind: "Host", name: "x", action: "StateChanged", message: "never committed" }) + "\n");
    const r = await memplane(["step", "--ticks", "1", "-q", "--state", state]);
    expect(r.stderr).toContain("1 entry from an interrupted save");
    expect(fs.readFileSync(logFile, "utf8").startsWith(before)).toBe(true);
    expect(fs.readFileSync(logFile, "utf8")).not.toContain("never committed");
  });

  test.concurrent("retention keeps the newest entries", async () => {
    const { state } = tempDir();
    const env = { MEMPLANE_LOG_RETENTION: "10" };
    await memplane(["apply", "-f", path.join(FIXTURES, "overcommit.yaml"), "--state", state], { env });
    const r = await memplane(["step", "--ticks", "300", "--log-format", "json", "--state", state], { env });
    const all = r.stdout.split("\n").filter(Boolean);
    expect(all.length).toBeGreaterThan(11);
    const kept = fs.readFileSync(path.join(state, "log.jsonl"), "utf8").split("\n").filter(Boolean);
    expect(kept).toEqual(all.slice(-10));
  });

  test.concurrent("a corrupt state.json is a clear error, not a stack", async () => {
    const { state } = tempDir();
    fs.mkdirSync(state);
    fs.writeFileSync(path.join(state, "state.json"), "{ not json");
    const r = await memplane(["get", "vms", "--state", state]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot read saved state .*state\.json: not valid JSON/);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });
});
