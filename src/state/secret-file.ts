/**
 * Who besides its owner can reach a secret file (the server's token, an etcd password): read
 * from the file's mode, for the warnings `serve` prints. Never reads the secret itself.
 */
import * as fs from "node:fs";

/** What a secret file's mode lets others do. */
export interface SecretFileExposure {
  /** The mode as shown in warnings, e.g. `mode 0644`. */
  shown: string;
  /** "other users" or "its group" when they can read it. */
  readableBy?: string;
  /** "other users" or "its group" when they can write it. */
  writableBy?: string;
}

/**
 * Who besides the owner can read or write `file`; undefined when only the owner can, when the
 * file cannot be read, and on Windows, where modes mean nothing.
 */
export function secretFileExposure(file: string): SecretFileExposure | undefined {
  if (process.platform === "win32") return undefined;
  let mode: number;
  try {
    mode = fs.statSync(file).mode & 0o777;
  } catch {
    return undefined;
  }
  const readableBy = mode & 0o004 ? "other users" : mode & 0o040 ? "its group" : undefined;
  const writableBy = mode & 0o002 ? "other users" : mode & 0o020 ? "its group" : undefined;
  if (readableBy === undefined && writableBy === undefined) return undefined;
  return { shown: `mode ${mode.toString(8).padStart(4, "0")}`, ...(readableBy !== undefined && { readableBy }), ...(writableBy !== undefined && { writableBy }) };
}
