/**
 * Answers that do not depend on a request: the discovery document of the API group, and the
 * mapping from whatever a handler throws to the HTTP error (a Kubernetes `Status`) it becomes.
 */
import { ManifestValidationError, formatManifestError } from "../manifest/index.js";
import { StoreError } from "../store/errors.js";
import { GROUP_PREFIX } from "./routes.js";
import { HttpError } from "./status.js";
import { resourceList } from "./discovery.js";

/** What the API group serves, Kubernetes APIResourceList-style (discovery.ts builds it from the kind registry). */
export function discovery(): object {
  return resourceList(GROUP_PREFIX);
}

/** Maps anything a handler throws to an HTTP error. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof ManifestValidationError) return new HttpError(422, "Invalid", err.errors.map(formatManifestError).join("\n"));
  if (err instanceof StoreError) {
    const code =
      err.reason === "NotFound" ? 404 : err.reason === "AlreadyExists" || err.reason === "Conflict" ? 409 : err.reason === "ServiceUnavailable" ? 503 : 400;
    return new HttpError(code, err.reason, err.message);
  }
  return new HttpError(500, "InternalError", `internal error: ${(err as Error)?.message ?? String(err)}`);
}
