/**
 * The writer lock of a state directory: `<state>/lock`, created with O_EXCL and holding the
 * owner's pid, command and start time as JSON. One writer at a time; a second writer polls
 * until the lock frees or its patience runs out; a lock whose pid is dead is taken over.
 * Readers (`get`) never lock: saves are atomic renames, so they always see a whole state.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { StateLockedError } from "./errors.js";
import { fsyncDirectory } from "./atomic-file.js";

/** File name of the lock inside the state directory. */
export const LOCK_FILE = "lock";

/** How long a second writer waits for the lock by default (ms). */
export const DEFAULT_LOCK_TIMEOUT_MS = 5000;

/** A lock file that cannot be parsed (its writer died between create and write) is stale after this long (ms). */
const UNREADABLE_LOCK_STALE_MS = 10_000;

/** What the lock file records about its holder. */
export interface LockOwner {
  pid: number;
  /** The command line that took the lock, e.g. `memplane step`. */
  command: string;
  /** Wall-clock start time, ISO 8601 (the lock lives outside the simulation). */
  startedAt: string;
}

/** Options for {@link StateLock.acquire}. */
export interface AcquireOptions {
  /** How long to wait for a live holder to release (ms); default {@link DEFAULT_LOCK_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Poll interval while waiting (ms); default 50. */
  pollMs?: number;
}

/** True when a process with this pid exists (EPERM means it exists but is not ours). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Reads the lock's owner, or undefined when the file is missing or not yet written. */
function readOwner(file: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<LockOwner>;
    if (typeof owner.pid === "number" && typeof owner.command === "string" && typeof owner.startedAt === "string") {
      return owner as LockOwner;
    }
  } catch {
    // missing, empty or half-written: the caller decides from the file's age
  }
  return undefined;
}

/** A held writer lock on one state directory. */
export class StateLock {
  private released = false;

  private constructor(
    /** Path of the lock file. */
    readonly file: string,
    /** Who holds it (this process). */
    readonly owner: LockOwner,
  ) {}

  /**
   * Takes the lock of state directory `dir` (which must exist) for `command`, waiting up to
   * `timeoutMs` for a live holder; fails with {@link StateLockedError} naming the holder.
   * `displayDir` is how the directory is named in messages (as the user wrote it).
   */
  static async acquire(dir: string, command: string, options: AcquireOptions = {}, displayDir = dir): Promise<StateLock> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    const pollMs = options.pollMs ?? 50;
    const file = path.join(dir, LOCK_FILE);
    const owner: LockOwner = { pid: process.pid, command, startedAt: new Date().toISOString() };
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (StateLock.tryCreate(file, owner)) return new StateLock(file, owner);
      const holder = readOwner(file);
      if (StateLock.isStale(file, holder)) {
        fs.rmSync(file, { force: true });
        continue;
      }
      if (Date.now() >= deadline) {
        throw new StateLockedError(displayDir, holder?.pid ?? 0, holder?.command ?? "unknown command", holder?.startedAt ?? "unknown time");
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** Creates the lock file exclusively; false when it already exists. */
  private static tryCreate(file: string, owner: LockOwner): boolean {
    let fd: number;
    try {
      fd = fs.openSync(file, "wx", 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw err;
    }
    try {
      fs.writeSync(fd, JSON.stringify(owner) + "\n");
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fsyncDirectory(path.dirname(file));
    return true;
  }

  /** A lock is stale when its holder is dead, is this very process (a recycled pid), or it stayed unreadable too long. */
  private static isStale(file: string, holder: LockOwner | undefined): boolean {
    if (holder) return holder.pid === process.pid || !isProcessAlive(holder.pid);
    try {
      return Date.now() - fs.statSync(file).mtimeMs > UNREADABLE_LOCK_STALE_MS;
    } catch {
      return true; // vanished between our attempts: try again at once
    }
  }

  /** Releases the lock (only if the file is still ours); safe to call twice. */
  release(): void {
    if (this.released) return;
    this.released = true;
    const holder = readOwner(this.file);
    if (holder && holder.pid === this.owner.pid && holder.startedAt === this.owner.startedAt) {
      fs.rmSync(this.file, { force: true });
    }
  }
}
