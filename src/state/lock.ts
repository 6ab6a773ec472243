/**
 * The writer lock of a state directory: one writer at a time. Readers (`get`) never lock:
 * saves are atomic renames, so they always see a whole state.
 *
 * The lock is the directory `<state>/lock`, holding one file `owner-<pid>-<token>.json` (the
 * pid, command and start time as JSON; the token is random, so no name ever repeats).
 *
 * - **Take**: build the whole lock aside (`.lock-<pid>-<token>.tmp/owner-….json`, fsynced),
 *   then rename it to `lock`. The rename fails while a lock with an owner exists (a directory
 *   is never renamed over a non-empty one; Windows refuses any existing one).
 * - **Release**: delete our owner file by its name, then `rmdir` the lock, which only removes
 *   an empty directory.
 * - **Take over** a lock whose owner is dead: delete that owner's file by its name, then `rmdir`.
 *
 * No step ever removes something other than what it judged: a file name names one
 * acquisition, and `rmdir` fails once another writer's owner file is in the directory. So when
 * several waiters judge the same owner dead, the slow ones delete nothing (the file is already
 * gone, or the directory is someone else's and not empty) and the rename lets exactly one in.
 * An empty lock directory has no holder and is removed on sight. A plain file at `lock` (an
 * older memplane's lock) is honoured while its pid lives; an empty one is stale after
 * {@link EMPTY_LOCK_STALE_MS}. It is removed with `unlink`, which cannot remove a directory.
 */
import { randomBytes } from "node:crypto";
import { removeLeftoversOfDeadProcesses } from "./stale-temp-files.js";
import * as fs from "node:fs";
import * as path from "node:path";
import { fsyncDirectory } from "./atomic-file.js";
import { StateDirectoryError, StateLockedError, describeFsError } from "./errors.js";
import { EMPTY_LOCK_STALE_MS, type LockOwner, type LockSighting, inspectLock, isProcessAlive, noteHeld, ownerFileName } from "./lock-holder.js";

export { EMPTY_LOCK_STALE_MS, isProcessAlive };
export type { LockOwner };

/** Name of the lock inside the state directory. */
export const LOCK_FILE = "lock";

/** How long a second writer waits for the lock by default (ms). */
export const DEFAULT_LOCK_TIMEOUT_MS = 5000;

/**
 * Test hook: milliseconds to sleep between judging a lock's owner dead and taking it over,
 * which widens the window in which other waiters race for the same lock. Read only there.
 */
export const TAKEOVER_DELAY_ENV = "MEMPLANE_TEST_LOCK_TAKEOVER_DELAY_MS";

/** Staging directories of writers that were killed before their rename: `.lock-<pid>-<token>.tmp`. */
const STAGING_NAME = /^\.lock-(\d{1,10})-[0-9a-f]{8,64}\.tmp$/;

/** Retries without sleeping (after removing something) before the loop sleeps and checks the deadline. */
const MAX_QUICK_RETRIES = 20;

/** Options for {@link StateLock.acquire}. */
export interface AcquireOptions {
  /** How long to wait for a live holder to release (ms); default {@link DEFAULT_LOCK_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Poll interval while waiting (ms); default 50. */
  pollMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A held writer lock on one state directory. */
export class StateLock {
  private released = false;

  private constructor(
    /** Path of the lock (a directory). */
    readonly file: string,
    /** Path of our owner file inside it. */
    private readonly ownerFile: string,
    /** The random part of the owner file's name. */
    private readonly token: string,
    /** Who holds it (this process). */
    readonly owner: LockOwner,
  ) {}

  /**
   * Takes the lock of state directory `dir` (which must exist) for `command`, waiting up to
   * `timeoutMs` for a live holder; fails with {@link StateLockedError} naming the holder, or
   * {@link StateDirectoryError} when the directory cannot be written or `lock` is not a lock.
   * `displayDir` is how the directory is named in messages (as the user wrote it).
   */
  static async acquire(dir: string, command: string, options: AcquireOptions = {}, displayDir = dir): Promise<StateLock> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    const pollMs = options.pollMs ?? 50;
    const lockPath = path.join(dir, LOCK_FILE);
    const token = randomBytes(16).toString("hex");
    const owner: LockOwner = { pid: process.pid, command, startedAt: new Date().toISOString() };
    const staging = stage(dir, displayDir, token, owner);
    const ownerName = ownerFileName(owner.pid, token);
    const deadline = Date.now() + timeoutMs;
    let quickRetries = 0;
    noteHeld(token, true); // live the moment the rename lands
    try {
      for (;;) {
        const failure = tryRename(staging, lockPath);
        if (!failure) {
          fsyncDirectory(dir);
          removeDeadStaging(dir);
          return new StateLock(lockPath, path.join(lockPath, ownerName), token, owner);
        }
        const seen = inspectLock(lockPath);
        let progressed = false; // something changed: look again at once rather than after pollMs
        if (seen.kind === "foreign") {
          throw new StateDirectoryError(
            `state directory ${displayDir} cannot be locked: ${path.join(displayDir, LOCK_FILE)} is not a memplane lock (${seen.what}); remove it if no memplane is using the directory`,
          );
        } else if (seen.kind === "empty") {
          progressed = removeEmptyLock(lockPath);
        } else if (seen.kind === "held" && seen.stale) {
          const delay = Number(process.env[TAKEOVER_DELAY_ENV]);
          if (delay > 0) await sleep(delay);
          progressed = takeOver(lockPath, seen);
        } else if (seen.kind === "absent") {
          progressed = true; // freed between our rename and our look
        }
        if (progressed && quickRetries++ < MAX_QUICK_RETRIES) continue;
        quickRetries = 0;
        if (Date.now() >= deadline) throw lockedError(displayDir, seen, failure);
        await sleep(pollMs);
      }
    } catch (err) {
      noteHeld(token, false);
      fs.rmSync(staging, { recursive: true, force: true });
      throw err;
    }
  }

  /** Releases the lock (only our own owner file goes; a lock someone else holds stays); safe to call twice. */
  release(): void {
    if (this.released) return;
    this.released = true;
    noteHeld(this.token, false);
    try {
      fs.unlinkSync(this.ownerFile);
    } catch {
      return; // not ours any more (taken over): leave the lock alone
    }
    removeEmptyLock(this.file);
  }
}

/** Builds the lock aside, ready to be renamed into place: `<dir>/.lock-<pid>-<token>.tmp/owner-….json`. */
function stage(dir: string, displayDir: string, token: string, owner: LockOwner): string {
  const staging = path.join(dir, `.lock-${owner.pid}-${token}.tmp`);
  try {
    fs.mkdirSync(staging);
    const fd = fs.openSync(path.join(staging, ownerFileName(owner.pid, token)), "wx", 0o644);
    try {
      fs.writeSync(fd, JSON.stringify(owner) + "\n");
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fsyncDirectory(staging);
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new StateDirectoryError(`cannot take the writer lock of state directory ${displayDir}: ${describeFsError(err)}`);
  }
  return staging;
}

/** Renames the staged lock into place; returns undefined on success, the error when a lock is in the way. */
function tryRename(staging: string, lockPath: string): NodeJS.ErrnoException | undefined {
  try {
    fs.renameSync(staging, lockPath);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // EEXIST/ENOTEMPTY: a lock with an owner (POSIX); EPERM/EACCES/EBUSY: any existing directory,
    // or a handle still open on it (Windows); ENOTDIR/EISDIR: a file where the lock goes.
    if (code && ["EEXIST", "ENOTEMPTY", "EPERM", "EACCES", "EBUSY", "ENOTDIR", "EISDIR"].includes(code)) return err as NodeJS.ErrnoException;
    throw err;
  }
}

/** Removes the lock directory if it is empty (nobody holds it); false when it is not (or already gone). */
function removeEmptyLock(lockPath: string): boolean {
  try {
    fs.rmdirSync(lockPath);
    return true;
  } catch {
    return false; // ENOENT: gone already; ENOTEMPTY/EEXIST/EBUSY/EPERM: another writer's lock, or still busy
  }
}

/**
 * Takes over a lock whose owner is dead: removes exactly the owner file (or old-style lock
 * file) that was judged, and then the lock directory if it is empty. Whatever another writer
 * did meanwhile is left alone. True when something was removed.
 */
function takeOver(lockPath: string, seen: Extract<LockSighting, { kind: "held" }>): boolean {
  try {
    fs.unlinkSync(seen.file); // a unique name, or (old-style) a plain file: never another writer's lock directory
  } catch {
    return false; // already taken over by another waiter, or `lock` is a directory now
  }
  if (!seen.legacy) removeEmptyLock(lockPath);
  return true;
}

/** Removes staging directories of writers that died before renaming them into place. */
function removeDeadStaging(dir: string): void {
  removeLeftoversOfDeadProcesses(dir, STAGING_NAME, { ownPid: "keep", recursive: true });
}

/** The error when the wait runs out: the holder, or why the lock could not be put in place. */
function lockedError(displayDir: string, seen: LockSighting, failure: NodeJS.ErrnoException): Error {
  if (seen.kind === "held" && seen.owner) return new StateLockedError(displayDir, seen.pid, seen.owner.command, seen.owner.startedAt);
  if (seen.kind === "held" && seen.legacy) return StateLockedError.unknownHolder(displayDir, path.join(displayDir, LOCK_FILE), EMPTY_LOCK_STALE_MS);
  if (seen.kind === "held") return new StateLockedError(displayDir, seen.pid, "unknown command", "unknown time");
  return new StateDirectoryError(`cannot take the writer lock of state directory ${displayDir}: ${describeFsError(failure)}`);
}
