/**
 * Writing the files commands produce (`--output`, `-o report.html`): whole files written
 * atomically, and one error wording when that fails.
 */
import * as path from "node:path";
import { writeFileAtomicSync } from "../../state/atomic-file.js";
import { CliError } from "../errors.js";

/** The error for an output that could not be written: `cannot write WHAT: CODE`. */
export function cannotWrite(what: string, err: unknown): CliError {
  return new CliError(`cannot write ${what}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
}

/** Writes `data` to `file` atomically (a reader never sees half a file); `what` names it in the error. */
export function writeOutputFile(file: string, data: string, what = file): void {
  try {
    writeFileAtomicSync(path.resolve(file), data);
  } catch (err) {
    throw cannotWrite(what, err);
  }
}
