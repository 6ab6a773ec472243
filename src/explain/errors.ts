/** Errors a user can cause when asking for an explanation or advice (unknown object, bad tick, bad input). */

/** Why an explanation or advice run could not be given. */
export type ExplainErrorReason = "NotFound" | "TickOutOfRange" | "NoModel" | "InvalidInput";

/** A typed, one-paragraph error: unknown VM or host, a tick in the future, no cluster to advise on. */
export class ExplainError extends Error {
  constructor(
    /** Machine-readable reason (kubectl-style). */
    readonly reason: ExplainErrorReason,
    message: string,
  ) {
    super(message);
    this.name = "ExplainError";
  }
}
