/** The writer lock in-process: holders, stale and empty locks, old-style lock files, things that are not locks. */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EMPTY_LOCK_STALE_MS, StateDirectoryError, StateLock, StateLockedError } from "../../src/state/index.js";
import { TAKEOVER_DELAY_ENV } from "../../src/state/lock.js";

/** A fresh, existing state directory. */
function freshDir(): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "memplane-lock-")), "state");
  fs.mkdirSync(dir);
  return dir;
}

/** Puts a lock held by `pid` in place, as `StateLock.acquire` in that process would. */
function plantLock(dir: string, pid: number, command = "memplane run", startedAt = "2025-01-01T10:00:00.000Z"): string {
  const lock = path.join(dir, "lock");
  fs.mkdirSync(lock);
  const file = path.join(lock, `owner-${pid}-${randomBytes(16).toString("hex")}.json`);
  fs.writeFileSync(file, JSON.stringify({ pid, command, startedAt }) + "\n");
  return file;
}

/** A pid that is certainly not running: a child that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid!;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("StateLock", () => {
  test("a lock held by a live process: a second writer times out with StateLockedError naming it", async () => {
    const dir = freshDir();
    plantLock(dir, process.ppid); // the parent process is alive and is not us
    await expect(StateLock.acquire(dir, "memplane step", { timeoutMs: 100, pollMs: 20 }, "./.memplane")).rejects.toThrow(
      new StateLockedError("./.memplane", process.ppid, "memplane run", "2025-01-01T10:00:00.000Z"),
    );
  });

  test("the lock is a directory with one owner file naming the pid; release removes it", async () => {
    const dir = freshDir();
    const lock = await StateLock.acquire(dir, "memplane apply");
    const names = fs.readdirSync(path.join(dir, "lock"));
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(new RegExp(`^owner-${process.pid}-[0-9a-f]{32}\\.json$`));
    expect(JSON.parse(fs.readFileSync(path.join(dir, "lock", names[0]!), "utf8"))).toMatchObject({ pid: process.pid, command: "memplane apply" });
    lock.release();
    lock.release();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test("a lock whose owner is dead is taken over at once, even with no patience", async () => {
    const dir = freshDir();
    plantLock(dir, await deadPid());
    const lock = await StateLock.acquire(dir, "x", { timeoutMs: 0 });
    expect(fs.readdirSync(path.join(dir, "lock"))[0]).toContain(`owner-${process.pid}-`);
    lock.release();
  });

  test("a waiter that judged an owner dead removes only that owner: a lock taken meanwhile by a live writer stays", async () => {
    const dir = freshDir();
    const deadOwner = plantLock(dir, await deadPid());
    process.env[TAKEOVER_DELAY_ENV] = "300";
    try {
      // the waiter judges the owner dead, then sleeps 300 ms in the takeover path...
      const waiter = StateLock.acquire(dir, "slow waiter", { timeoutMs: 600, pollMs: 20 });
      await sleep(100);
      // ...while another writer takes the dead owner's lock over and holds it
      fs.rmSync(path.join(dir, "lock"), { recursive: true });
      const live = plantLock(dir, process.ppid, "memplane step --ticks 600");
      await expect(waiter).rejects.toBeInstanceOf(StateLockedError);
      expect(fs.existsSync(live)).toBe(true);
      expect(fs.existsSync(deadOwner)).toBe(false);
    } finally {
      delete process.env[TAKEOVER_DELAY_ENV];
    }
  });

  test("twenty waiters in one process: one holder at a time, every one gets its turn", async () => {
    const dir = freshDir();
    let inside = 0;
    let overlaps = 0;
    let turns = 0;
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const lock = await StateLock.acquire(dir, `waiter ${i}`, { timeoutMs: 20_000, pollMs: 2 });
        if (inside++ > 0) overlaps++;
        await sleep(2);
        inside--;
        turns++;
        lock.release();
      }),
    );
    expect({ overlaps, turns }).toEqual({ overlaps: 0, turns: 20 });
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test("a lock naming our own pid from before this process started is a recycled pid's: taken over", async () => {
    const dir = freshDir();
    plantLock(dir, process.pid, "memplane step", "2000-01-01T00:00:00.000Z");
    const lock = await StateLock.acquire(dir, "x", { timeoutMs: 0 });
    lock.release();
  });

  test("release removes only our own owner file: a lock someone else holds now stays", async () => {
    const dir = freshDir();
    const lock = await StateLock.acquire(dir, "x");
    fs.rmSync(path.join(dir, "lock"), { recursive: true });
    const other = plantLock(dir, process.ppid, "other");
    lock.release();
    expect(fs.existsSync(other)).toBe(true);
  });

  test("an empty lock directory has no holder: it is removed and taken at once", async () => {
    const dir = freshDir();
    fs.mkdirSync(path.join(dir, "lock"));
    const lock = await StateLock.acquire(dir, "x", { timeoutMs: 0 });
    lock.release();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test("a lock directory holding anything else is refused at once, naming it", async () => {
    const dir = freshDir();
    fs.mkdirSync(path.join(dir, "lock"));
    fs.writeFileSync(path.join(dir, "lock", "notes.txt"), "mine");
    const started = Date.now();
    const err = await StateLock.acquire(dir, "x", { timeoutMs: 60_000 }, ".memplane").catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(30_000); // well before the 60 s wait: refused, not waited out
    expect(err).toBeInstanceOf(StateDirectoryError);
    expect((err as Error).message).toBe(
      `state directory .memplane cannot be locked: ${path.join(".memplane", "lock")} is not a memplane lock (a directory holding "notes.txt"); remove it if no memplane is using the directory`,
    );
    expect(fs.readFileSync(path.join(dir, "lock", "notes.txt"), "utf8")).toBe("mine");
    expect(fs.readdirSync(dir)).toEqual(["lock"]); // no staging directory left behind
  });

  test("a symlink at lock is not a lock", async () => {
    const dir = freshDir();
    fs.symlinkSync(os.tmpdir(), path.join(dir, "lock"));
    await expect(StateLock.acquire(dir, "x", { timeoutMs: 100 })).rejects.toThrow(/is not a memplane lock \(neither a file nor a directory\)/);
  });

  test("a writer killed before its rename leaves a staging directory; the next writer removes it (a live writer's stays)", async () => {
    const dir = freshDir();
    const dead = path.join(dir, `.lock-${await deadPid()}-${"ab".repeat(16)}.tmp`);
    const live = path.join(dir, `.lock-${process.ppid}-${"cd".repeat(16)}.tmp`);
    for (const d of [dead, live]) fs.mkdirSync(d);
    fs.writeFileSync(path.join(dead, "owner-1-ab.json"), "{}");
    const lock = await StateLock.acquire(dir, "x");
    lock.release();
    expect(fs.existsSync(dead)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
  });
});

describe("old-style lock files (a plain file at lock)", () => {
  test("honoured while its pid lives, taken over once it is dead", async () => {
    const dir = freshDir();
    const file = path.join(dir, "lock");
    fs.writeFileSync(file, JSON.stringify({ pid: process.ppid, command: "memplane run", startedAt: "t0" }));
    await expect(StateLock.acquire(dir, "x", { timeoutMs: 100, pollMs: 20 }, "./.memplane")).rejects.toThrow(
      new StateLockedError("./.memplane", process.ppid, "memplane run", "t0"),
    );
    fs.writeFileSync(file, JSON.stringify({ pid: await deadPid(), command: "memplane run", startedAt: "t0" }));
    const lock = await StateLock.acquire(dir, "x", { timeoutMs: 0 });
    expect(fs.statSync(file).isDirectory()).toBe(true);
    lock.release();
  });

  test(`an empty one is taken over within the normal wait, once it is ${EMPTY_LOCK_STALE_MS} ms old`, async () => {
    const dir = freshDir();
    fs.writeFileSync(path.join(dir, "lock"), "");
    const err = await StateLock.acquire(dir, "x", { timeoutMs: 100, pollMs: 20 }, ".memplane").catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      `state directory .memplane is locked by an unknown writer (${path.join(".memplane", "lock")} is empty or unreadable); it is taken over once it is 1 s old, so retry, or remove it if no memplane is running`,
    );
    const started = Date.now();
    const lock = await StateLock.acquire(dir, "x", { timeoutMs: 5000, pollMs: 20 });
    expect(Date.now() - started).toBeLessThan(EMPTY_LOCK_STALE_MS + 1500);
    lock.release();
  });
});
