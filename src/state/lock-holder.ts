/**
 * What sits at `<state>/lock`, and whether its writer is gone. The lock is a directory holding
 * exactly one file, `owner-<pid>-<token>.json`, whose name says which process holds it (the
 * token is random, so no two acquisitions ever share a name) and whose content names the
 * command for messages. A plain file at `<state>/lock` is the lock of an older memplane.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** What the lock records about its holder. */
export interface LockOwner {
  pid: number;
  /** The command line that took the lock, e.g. `memplane step`. */
  command: string;
  /** Wall-clock start time, ISO 8601 (the lock lives outside the simulation). */
  startedAt: string;
}

/**
 * An empty or unreadable lock file (older memplane versions wrote `<state>/lock` as a file, and
 * a writer killed between creating and filling it left it empty) is stale once it is this old (ms).
 * The window it covers is microseconds, so a second is generous and stays inside the default wait.
 */
export const EMPTY_LOCK_STALE_MS = 1000;

/** Largest owner record read (the real one is about 100 bytes). */
const MAX_OWNER_BYTES = 4096;

/** The owner file's name: `owner-<pid>-<token>.json`. */
const OWNER_NAME = /^owner-(\d{1,10})-([0-9a-f]{8,64})\.json$/;

/** When this process started (wall clock, ms): a lock with our pid but older than this is a recycled pid's. */
const PROCESS_STARTED_MS = Date.now() - process.uptime() * 1000;

/** Tokens of the locks this process holds, or is about to rename into place. */
const heldHere = new Set<string>();

/** Records that this process holds (`true`) or no longer holds the lock with `token`. */
export function noteHeld(token: string, held: boolean): void {
  if (held) heldHere.add(token);
  else heldHere.delete(token);
}

/** The name of the owner file for pid `pid` and this acquisition's random `token`. */
export function ownerFileName(pid: number, token: string): string {
  return `owner-${pid}-${token}.json`;
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

/** What was found at the lock path. */
export type LockSighting =
  /** Nothing: the lock is free. */
  | { kind: "absent" }
  /** A lock directory without an owner: nobody holds it (a release or takeover was cut short). */
  | { kind: "empty" }
  /** A lock: `file` is the path to remove to take it over (the owner file, or the old-style lock file). */
  | { kind: "held"; file: string; owner: LockOwner | undefined; pid: number; stale: boolean; legacy: boolean }
  /** Something memplane did not write; `what` describes it. */
  | { kind: "foreign"; what: string };

/** Reads what is at `lockPath` now and judges whether its holder is gone. */
export function inspectLock(lockPath: string): LockSighting {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(lockPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { kind: "absent" };
    throw err;
  }
  if (stat.isFile()) return inspectLegacyFile(lockPath, stat);
  if (!stat.isDirectory()) return { kind: "foreign", what: "neither a file nor a directory" };
  let names: string[];
  try {
    names = fs.readdirSync(lockPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { kind: "absent" }; // changed under us: look again
    throw err;
  }
  if (names.length === 0) return { kind: "empty" };
  const match = names.length === 1 ? OWNER_NAME.exec(names[0]!) : null;
  if (!match) {
    const shown = names.slice(0, 3).map((n) => JSON.stringify(n.slice(0, 80)));
    return { kind: "foreign", what: `a directory holding ${shown.join(", ")}${names.length > 3 ? ", …" : ""}` };
  }
  const file = path.join(lockPath, names[0]!);
  const pid = Number(match[1]);
  const owner = readOwner(file);
  const ours = pid === process.pid;
  const stale = ours ? !heldHere.has(match[2]!) && createdBeforeThisProcess(owner, file) : !isProcessAlive(pid);
  return { kind: "held", file, owner, pid, stale, legacy: false };
}

/** An older memplane's lock file: JSON owner; an empty or unreadable one is stale after {@link EMPTY_LOCK_STALE_MS}. */
function inspectLegacyFile(lockPath: string, stat: fs.Stats): LockSighting {
  const owner = readOwner(lockPath);
  if (!owner) {
    const age = Date.now() - stat.mtimeMs;
    return { kind: "held", file: lockPath, owner: undefined, pid: 0, stale: Math.abs(age) >= EMPTY_LOCK_STALE_MS, legacy: true };
  }
  // This process never writes a lock file, so one naming our pid is a recycled pid's.
  const stale = owner.pid === process.pid || !isProcessAlive(owner.pid);
  return { kind: "held", file: lockPath, owner, pid: owner.pid, stale, legacy: true };
}

/** A lock naming our own pid that this module did not take is live when another thread took it, stale when it predates us. */
function createdBeforeThisProcess(owner: LockOwner | undefined, file: string): boolean {
  let created = owner ? Date.parse(owner.startedAt) : Number.NaN;
  if (!Number.isFinite(created)) {
    try {
      created = fs.statSync(file).mtimeMs;
    } catch {
      return false; // gone: look again
    }
  }
  return created < PROCESS_STARTED_MS - 1000;
}

/** Reads an owner record, or undefined when it is missing, too large or not one. */
function readOwner(file: string): LockOwner | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.alloc(MAX_OWNER_BYTES + 1);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    if (n > MAX_OWNER_BYTES) return undefined;
    const owner = JSON.parse(buf.subarray(0, n).toString("utf8")) as Partial<LockOwner> | null;
    if (typeof owner?.pid === "number" && typeof owner.command === "string" && typeof owner.startedAt === "string") {
      return { pid: owner.pid, command: owner.command, startedAt: owner.startedAt };
    }
  } catch {
    // empty, half-written or not JSON
  } finally {
    fs.closeSync(fd);
  }
  return undefined;
}
