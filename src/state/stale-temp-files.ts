/**
 * Temporary files a crashed writer leaves in the state directory: `writeFileAtomicSync` and the
 * log trim write `.NAME.PID.tmp` and rename it into place, so a SIGKILL in between leaves one
 * behind. The next writer removes them once it holds the lock.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { isProcessAlive } from "./lock-holder.js";

/** A temporary file name as `tempPathFor` makes it; group 1 is the pid. */
const TEMP_NAME = /^\..+\.(\d+)\.tmp$/;

/**
 * Removes the entries of `dir` whose name `pattern` matches (group 1: a pid) and whose process
 * no longer runs; an entry of this process's own pid is removed only with `ownPid: "remove"` (it
 * is then an earlier process's that had the same pid). Best effort: what cannot be removed is left.
 */
export function removeLeftoversOfDeadProcesses(dir: string, pattern: RegExp, options: { ownPid: "keep" | "remove"; recursive?: boolean }): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = pattern.exec(name)?.[1];
    if (pid === undefined) continue;
    const ours = Number(pid) === process.pid;
    if (ours ? options.ownPid === "keep" : isProcessAlive(Number(pid))) continue;
    try {
      fs.rmSync(path.join(dir, name), { recursive: options.recursive ?? false, force: true });
    } catch {
      // a directory of that name, or no permission: not ours to force
    }
  }
}

/**
 * Removes the temporary files (`.NAME.PID.tmp`) in `dir` of processes that no longer run (or
 * of an earlier process that had this one's pid): a writer killed mid-save leaves one. Call it
 * holding the directory's lock.
 */
export function removeStaleTempFiles(dir: string): void {
  removeLeftoversOfDeadProcesses(dir, TEMP_NAME, { ownPid: "remove" });
}
