/**
 * The errors of one apply, bounded: each file keeps its first {@link MAX_ERRORS_PER_FILE} errors
 * in source order and counts the rest, which end up as one `… and N more errors` line. A file
 * with a million bad keys costs the same small amount of memory and output as one with twenty.
 * Every message is also cut to a bounded length.
 */
import type { ManifestError } from "./errors.js";
import { boundMessage } from "./echo.js";

/** The most errors reported for one file (or other source); the rest are counted. */
export const MAX_ERRORS_PER_FILE = 20;

/** Errors held before a file's list is trimmed back to its first {@link MAX_ERRORS_PER_FILE}. */
const TRIM_AT = 10 * MAX_ERRORS_PER_FILE;

interface Numbered {
  error: ManifestError;
  /** Order of arrival: ties in position keep it. */
  seq: number;
}

interface FileErrors {
  kept: Numbered[];
  dropped: number;
}

const byPosition = (a: Numbered, b: Numbered): number => a.error.line - b.error.line || a.error.column - b.error.column || a.seq - b.seq;

/** Accumulates errors file by file, keeping only what will be shown. */
export class ErrorList {
  private readonly files = new Map<string, FileErrors>();
  private seq = 0;

  /** Whether any error was added. */
  get isEmpty(): boolean {
    return this.seq === 0;
  }

  /** Records an error (its message cut to a bounded length). */
  add(error: ManifestError): void {
    let file = this.files.get(error.file);
    if (file === undefined) this.files.set(error.file, (file = { kept: [], dropped: 0 }));
    file.kept.push({ error: { ...error, message: boundMessage(error.message) }, seq: this.seq++ });
    if (file.kept.length >= TRIM_AT) trim(file);
  }

  /**
   * The errors to show: files in the order their first error came, each file's first
   * {@link MAX_ERRORS_PER_FILE} errors by line and column, then one line counting the rest.
   */
  list(): ManifestError[] {
    const out: ManifestError[] = [];
    for (const [name, file] of this.files) {
      trim(file);
      for (const { error } of file.kept) out.push(error);
      if (file.dropped > 0) {
        out.push({
          file: name,
          line: 0,
          column: 0,
          path: "",
          message: `… and ${file.dropped} more error${file.dropped === 1 ? "" : "s"} (only the first ${MAX_ERRORS_PER_FILE} are shown)`,
        });
      }
    }
    return out;
  }
}

/** Sorts a file's errors and keeps the first {@link MAX_ERRORS_PER_FILE}, counting the others. */
function trim(file: FileErrors): void {
  file.kept.sort(byPosition);
  if (file.kept.length <= MAX_ERRORS_PER_FILE) return;
  file.dropped += file.kept.length - MAX_ERRORS_PER_FILE;
  file.kept.length = MAX_ERRORS_PER_FILE;
}
