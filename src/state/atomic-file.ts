/**
 * Crash-safe file replacement: write a temporary file, fsync it, rename it over the target,
 * fsync the directory. A reader sees the old file or the new one, never half of either. The
 * temporary file is `.NAME.PID.tmp` next to the target; `stale-temp-files.ts` removes the ones
 * crashed writers leave.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** The temporary file this process uses to replace `file`: `.NAME.PID.tmp` in the same directory. */
export function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
}

/** Replaces `file` with `data` atomically and durably (temp file + fsync + rename + directory fsync). */
export function writeFileAtomicSync(file: string, data: string | Buffer): void {
  const dir = path.dirname(file);
  const tmp = tempPathFor(file);
  try {
    const fd = fs.openSync(tmp, "w", 0o644);
    try {
      if (typeof data === "string") fs.writeSync(fd, data);
      else fs.writeSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDirectory(dir);
}

/** Flushes a directory entry change (create, rename, unlink) to disk; a no-op where unsupported. */
export function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // Some platforms (Windows) cannot open or fsync a directory; rename is still atomic there.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
