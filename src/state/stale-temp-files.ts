/**
 * Temporary files a crashed writer leaves in the state directory: `writeFileAtomicSync` and the
 * log trim write `.NAME.PID.tmp` and rename it into place, so a SIGKILL in between leaves one
 * behind. The next writer removes them once it holds the lock.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { isProcessAlive } from "./lock.js";

/** A temporary file name as `tempPathFor` makes it; group 1 is the pid. */
const TEMP_NAME = /^\..+\.(\d+)\.tmp$/;

/**
 * Removes the temporary files (`.NAME.PID.tmp`) in `dir` of processes that no longer run (or
 * of an earlier process that had this one's pid): a writer killed mid-save leaves one. Call it
 * holding the directory's lock. Best effort: a file that cannot be removed is left.
 */
export function removeStaleTempFiles(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = TEMP_NAME.exec(name)?.[1];
    if (pid === undefined) continue;
    if (Number(pid) !== process.pid && isProcessAlive(Number(pid))) continue;
    try {
      fs.rmSync(path.join(dir, name), { force: true });
    } catch {
      // a directory of that name, or no permission: not ours to force
    }
  }
}

