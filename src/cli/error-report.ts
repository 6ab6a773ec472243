/**
 * Turns anything a command throws into what the user sees. Errors a user can cause become a
 * {@link CliError} (one paragraph, file/line/field when there is one, no stack); anything else
 * is an internal error: a short message, with the stack only under `MEMPLANE_DEBUG=1`.
 */
import { DurationError } from "../api/duration.js";
import { QuantityError } from "../api/quantity.js";
import { ManifestValidationError, formatManifestError, type ManifestError } from "../manifest/errors.js";
import { LabelSelectorError, StoreError } from "../store/errors.js";
import { StateCorruptError, StateDirectoryError, StateLockedError } from "../state/index.js";
import { describeFsError } from "../state/errors.js";
import { CliError, EXIT_FAILURE } from "./errors.js";

/** One `error:` line per manifest error, e.g. `web.yaml:12:3 spec.reservation: must not exceed spec.memory (3Gi > 2Gi)`. */
export function manifestErrorsToCliError(errors: readonly ManifestError[]): CliError {
  return new CliError(errors.map(formatManifestError).join("\n"));
}

/** kubectl's wording for a server-side failure: `Error from server (NotFound): virtualmachines "x" not found`. */
export function serverError(reason: string, message: string): CliError {
  return new CliError(`Error from server (${reason}): ${message}`, EXIT_FAILURE, "");
}

/** Classifies a thrown value; `internal` is set for errors that are bugs rather than user input. */
export function toCliError(err: unknown): { error: CliError; internal: boolean } {
  if (err instanceof CliError) return { error: err, internal: false };
  if (err instanceof ManifestValidationError) return { error: manifestErrorsToCliError(err.errors), internal: false };
  if (err instanceof LabelSelectorError) return { error: new CliError(err.message), internal: false };
  if (err instanceof StoreError) return { error: serverError(err.reason, err.message), internal: false };
  if (err instanceof Error && err.name === "SnapshotError") {
    return { error: new CliError(`cannot restore the saved simulation: ${err.message}; move the state directory aside to start afresh`), internal: false };
  }
  if (
    err instanceof StateLockedError ||
    err instanceof StateCorruptError ||
    err instanceof StateDirectoryError ||
    err instanceof DurationError ||
    err instanceof QuantityError
  ) {
    return { error: new CliError(err.message), internal: false };
  }
  const fsError = err as NodeJS.ErrnoException | null | undefined;
  if (fsError && typeof fsError.code === "string" && typeof fsError.path === "string" && /^E[A-Z]+$/.test(fsError.code)) {
    // Permission denied, read-only file system, disk full…: the user's environment, not a bug.
    return { error: new CliError(`${fsError.path}: ${describeFsError(fsError)}`), internal: false };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { error: new CliError(`internal error: ${message} (this is a bug in memplane; set MEMPLANE_DEBUG=1 to see the stack trace)`), internal: true };
}
