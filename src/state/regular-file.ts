/**
 * Opening the state directory's own files: only a regular file is read or written. A symlink,
 * FIFO, device or directory in the place of `state.json` or `log.jsonl` is refused with a
 * one-paragraph error instead of blocking (a FIFO), reading without end (`/dev/zero`) or
 * following a link somewhere else. Whole-file reads are bounded.
 */
import * as fs from "node:fs";
import { StateCorruptError } from "./errors.js";

/** Opens without following a final symlink and without blocking on a FIFO, where the platform can. */
const SAFE_OPEN_FLAGS = (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);

/** What a file that is not a regular file is, in words. */
function kindOf(stats: fs.Stats): string {
  if (stats.isSymbolicLink()) return "a symbolic link";
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO";
  if (stats.isSocket()) return "a socket";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  return "a special file";
}

/** The error for a state file that is not a regular file; `shown` names it as the user sees it. */
function notRegular(shown: string, kind: string): StateCorruptError {
  return new StateCorruptError(shown, `it is ${kind}, not a regular file`);
}

/** Adds the file's path to a file-system error raised on a descriptor (so it is reported as the user's environment, not a bug). */
export function withPath(err: unknown, file: string): unknown {
  const e = err as NodeJS.ErrnoException | null;
  if (e && typeof e === "object" && typeof e.code === "string" && e.path === undefined) e.path = file;
  return err;
}

/**
 * Opens `file` for reading (`"r"`) or reading and writing (`"r+"`); undefined when it does not
 * exist. Anything but a regular file is refused with a {@link StateCorruptError} naming `shown`.
 */
export function openRegularFile(file: string, shown: string, mode: "r" | "r+" = "r"): number | undefined {
  let stats: fs.Stats;
  try {
    stats = fs.lstatSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  if (!stats.isFile()) throw notRegular(shown, kindOf(stats));
  let fd: number;
  try {
    fd = fs.openSync(file, (mode === "r" ? fs.constants.O_RDONLY : fs.constants.O_RDWR) | SAFE_OPEN_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined; // removed since the lstat
    if (code === "ELOOP") throw notRegular(shown, "a symbolic link"); // replaced by one since the lstat
    throw err;
  }
  const opened = fs.fstatSync(fd);
  if (!opened.isFile()) {
    fs.closeSync(fd);
    throw notRegular(shown, kindOf(opened));
  }
  return fd;
}

/**
 * Reads a regular file as UTF-8, refusing one larger than `maxBytes` before reading it;
 * undefined when it does not exist.
 */
export function readRegularFile(file: string, shown: string, maxBytes: number): string | undefined {
  const fd = openRegularFile(file, shown);
  if (fd === undefined) return undefined;
  try {
    const size = fs.fstatSync(fd).size;
    if (size > maxBytes) {
      throw new StateCorruptError(shown, `it is ${size} bytes, more than the ${maxBytes} memplane reads`);
    }
    // read to the end: the size is only a hint for a file that may still change
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.max(64 * 1024, Math.min(size - total + 1, 16 * 1024 * 1024)));
      const n = fs.readSync(fd, buf, 0, buf.length, total);
      if (n === 0) break;
      total += n;
      if (total > maxBytes) throw new StateCorruptError(shown, `it is more than the ${maxBytes} bytes memplane reads`);
      chunks.push(buf.subarray(0, n));
    }
    return Buffer.concat(chunks, total).toString("utf8");
  } finally {
    fs.closeSync(fd);
  }
}
