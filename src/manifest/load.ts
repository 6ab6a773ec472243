/**
 * Reads manifests from the file system the way `kubectl apply -f` does: files, directories
 * (recursively, `*.yaml`, `*.yml` and `*.json`, in sorted order, symlink loops visited once) and
 * `-` for standard input. Every file's errors are collected into one result.
 */
import { promises as fs } from "node:fs";
import { decodeUtf8Strict } from "./utf8.js";
import { join } from "node:path";
import { InputTooLargeError, readStreamBounded } from "./bounded-read.js";
import { MANIFEST_EXTENSIONS } from "./extensions.js";
import { ManifestCollector, type ManifestParseResult } from "./parse.js";
import { DEFAULT_YAML_LIMITS } from "./safe-yaml.js";

/** File extensions read as manifests when a directory is given (defined in extensions.ts). */
export { MANIFEST_EXTENSIONS };

/** Options for {@link loadManifests}. */
export interface LoadManifestsOptions {
  /**
   * Supplies standard input for the path `-` (default: read `process.stdin` to its end, stopping
   * once it passes `maxBytes`). Bytes are decoded as strict UTF-8. A supplier that reads a stream
   * should stop at `maxBytes` too (see `readStreamBounded`, which throws `InputTooLargeError`).
   */
  stdin?: (maxBytes: number) => Promise<string | Uint8Array> | string | Uint8Array;
  /** Largest file or standard input accepted, in bytes (default 16 MiB). */
  maxFileBytes?: number;
}

/** The name standard input has in errors and sources. */
export const STDIN_NAME = "<stdin>";

/** A file that is not UTF-8. */
class EncodingError extends Error {}

/** Decodes UTF-8 strictly; the error says where the first bad byte is. */
function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return decodeUtf8Strict(bytes, file === STDIN_NAME ? "input" : "file", { keepBom: true });
  } catch (e) {
    throw new EncodingError(`${(e as Error).message}; save it as UTF-8`);
  }
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file or directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a directory";
    default:
      return `cannot read: ${(error as Error)?.message ?? String(error)}`;
  }
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}

/**
 * Loads, validates and defaults every manifest under `paths` (files, directories, `-` for
 * stdin). Never rejects for bad input: problems are in `errors`, which lists all of them.
 */
export async function loadManifests(paths: readonly string[], options: LoadManifestsOptions = {}): Promise<ManifestParseResult> {
  const maxBytes = options.maxFileBytes ?? DEFAULT_YAML_LIMITS.maxChars;
  const collector = new ManifestCollector({ maxChars: Math.max(maxBytes, DEFAULT_YAML_LIMITS.maxChars) });
  const visitedDirs = new Set<string>();
  let stdinRead = false;

  const readFile = async (file: string): Promise<void> => {
    try {
      const stat = await fs.stat(file);
      if (stat.size > maxBytes) {
        collector.addError(file, `file is larger than the ${formatBytes(maxBytes)} limit (${stat.size} bytes)`);
        return;
      }
      const text = decodeUtf8(await fs.readFile(file), file);
      collector.addText(text, file);
    } catch (error) {
      collector.addError(file, error instanceof EncodingError ? error.message : describeFsError(error));
    }
  };

  const walk = async (dir: string): Promise<void> => {
    let real: string;
    try {
      real = await fs.realpath(dir);
    } catch (error) {
      collector.addError(dir, describeFsError(error));
      return;
    }
    if (visitedDirs.has(real)) return; // a symlink loop or a directory named twice
    visitedDirs.add(real);
    let names: string[];
    try {
      names = (await fs.readdir(dir)).sort();
    } catch (error) {
      collector.addError(dir, describeFsError(error));
      return;
    }
    for (const name of names) {
      const child = join(dir, name);
      let stat;
      try {
        stat = await fs.stat(child);
      } catch {
        continue; // a dangling symlink is not a manifest
      }
      if (stat.isDirectory()) await walk(child);
      else if (stat.isFile() && MANIFEST_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext))) await readFile(child);
    }
  };

  for (const path of paths) {
    if (path === "-") {
      if (stdinRead) {
        collector.addError(STDIN_NAME, 'standard input ("-") can be read only once');
        continue;
      }
      stdinRead = true;
      const tooLarge = `input is larger than the ${formatBytes(maxBytes)} limit; reading stopped there`;
      try {
        const input = options.stdin ? await options.stdin(maxBytes) : await readStreamBounded(process.stdin, maxBytes);
        const size = typeof input === "string" ? Buffer.byteLength(input, "utf8") : input.byteLength;
        if (size > maxBytes) collector.addError(STDIN_NAME, tooLarge);
        else collector.addText(typeof input === "string" ? input : decodeUtf8(input, STDIN_NAME), STDIN_NAME);
      } catch (error) {
        if (error instanceof InputTooLargeError) collector.addError(STDIN_NAME, tooLarge);
        else collector.addError(STDIN_NAME, error instanceof EncodingError ? error.message : `cannot read: ${(error as Error)?.message ?? String(error)}`);
      }
      continue;
    }
    let stat;
    try {
      stat = await fs.stat(path);
    } catch (error) {
      collector.addError(path, describeFsError(error));
      continue;
    }
    if (stat.isDirectory()) await walk(path);
    // a FIFO would block forever and /dev/zero never ends: only regular files are read
    else if (!stat.isFile()) collector.addError(path, "is not a regular file (a FIFO, socket or device); use - to read standard input");
    else await readFile(path);
  }
  return collector.result();
}
