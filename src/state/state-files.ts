/**
 * Checks that make a state directory that cannot be used fail with one clear paragraph naming
 * the path (a read-only file system, a directory where `state.json` belongs), instead of a
 * misleading "no such file", a hang or an internal error.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { StateDirectoryError, describeFsError } from "./errors.js";

/**
 * Creates directory `dir` and any missing parents, one level at a time. (`mkdirSync` with
 * `recursive` reports a read-only file system as "no such file or directory", and spins
 * forever under /proc.) `shown` is how the directory is named in messages.
 */
export function ensureDirectory(dir: string, shown: string): void {
  const missing: string[] = [];
  for (let p = path.resolve(dir); ; p = path.dirname(p)) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(p);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOENT") throw cannotCreate(shown, p, err);
    }
    if (stat) {
      if (!stat.isDirectory()) {
        const what = p === path.resolve(dir) ? "it is a file, not a directory" : `${p} is not a directory`;
        throw new StateDirectoryError(`cannot create state directory ${shown}: ${what}`);
      }
      break;
    }
    missing.push(p);
    if (path.dirname(p) === p) break;
  }
  for (const p of missing.reverse()) {
    try {
      fs.mkdirSync(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST" && isDirectory(p)) continue; // made by a racing writer
      throw cannotCreate(shown, p, err);
    }
  }
}

/**
 * Refuses a directory where one of the state directory's files belongs: `files` are
 * `[path, how it is named in messages]`. Missing files are fine.
 */
export function refuseDirectories(files: ReadonlyArray<readonly [string, string]>): void {
  for (const [file, shown] of files) {
    if (isDirectory(file)) {
      throw new StateDirectoryError(
        `${shown} is a directory, but memplane keeps a file there; move it aside (or pass another --state DIR)`,
      );
    }
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function cannotCreate(shown: string, p: string, err: unknown): StateDirectoryError {
  const where = path.resolve(shown) === p ? "" : ` (${p})`;
  return new StateDirectoryError(`cannot create state directory ${shown}${where}: ${describeFsError(err)}`);
}
