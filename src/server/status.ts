/**
 * Kubernetes `Status` objects: what the API server answers for every failure (and for a
 * successful delete), so clients written for Kubernetes read memplane's errors as they are.
 */

/** A Kubernetes `Status` (meta/v1). */
export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Success" | "Failure";
  message: string;
  reason?: string;
  details?: { name?: string; kind?: string };
  code: number;
}

/** A request that fails with an HTTP code and a Kubernetes reason (`NotFound`, `Conflict`, …). */
export class HttpError extends Error {
  constructor(
    /** HTTP status code. */
    readonly code: number,
    /** Kubernetes status reason. */
    readonly reason: string,
    message: string,
    /** Extra response headers (e.g. `WWW-Authenticate`). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }

  /** The Status object to send. */
  toStatus(): Status {
    return failureStatus(this.code, this.reason, this.message);
  }
}

/** A failure Status. */
export function failureStatus(code: number, reason: string, message: string): Status {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
}

/** The Status a successful delete answers with. */
export function successStatus(kind: string, name: string): Status {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", message: `${kind.toLowerCase()}/${name} deleted`, details: { name, kind }, code: 200 };
}

/** 400 BadRequest. */
export const badRequest = (message: string): HttpError => new HttpError(400, "BadRequest", message);
/** 404 NotFound. */
export const notFound = (message: string): HttpError => new HttpError(404, "NotFound", message);
/** 405 MethodNotAllowed. */
export const methodNotAllowed = (method: string, path: string, allowed: readonly string[]): HttpError =>
  new HttpError(405, "MethodNotAllowed", `the server does not allow ${method} on ${path} (allowed: ${allowed.join(", ")})`, { Allow: allowed.join(", ") });
