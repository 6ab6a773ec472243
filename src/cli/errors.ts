/**
 * The CLI's error vocabulary and exit codes (docs/cli.md): 0 success, 1 invalid input or a failed
 * operation, 2 usage errors. A {@link CliError} is what the top-level handler prints: one
 * paragraph per line, each prefixed `error: ` unless it already reads like kubectl's
 * `Error from server (NotFound): …`.
 */

/** Exit code: success. */
export const EXIT_OK = 0;
/** Exit code: invalid input or a failed operation. */
export const EXIT_FAILURE = 1;
/** Exit code: usage error (unknown command or flag, missing argument, bad flag value). */
export const EXIT_USAGE = 2;
/** Exit code after Ctrl-C (128 + SIGINT), as shells expect. */
export const EXIT_INTERRUPTED = 130;

/** An error meant for the user: printed without a stack trace, then the CLI exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    /** Process exit code. */
    readonly exitCode: number = EXIT_FAILURE,
    /** Printed before each line of the message; empty for kubectl-style `Error from server …` lines. */
    readonly prefix: string = "error: ",
  ) {
    super(message);
    this.name = "CliError";
  }

  /** The lines to print on stderr. */
  lines(): string[] {
    return this.message.split("\n").map((line) => this.prefix + line);
  }
}

/** A usage error: the command line itself is wrong (exit 2). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
    this.name = "UsageError";
  }
}
