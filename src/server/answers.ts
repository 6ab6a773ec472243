/**
 * Answers that do not depend on a request: the discovery document of the API group, and the
 * mapping from whatever a handler throws to the HTTP error (a Kubernetes `Status`) it becomes.
 */
import { ALL_KINDS, KIND_INFO } from "../api/kinds.js";
import { ManifestValidationError, formatManifestError } from "../manifest/index.js";
import { StoreError } from "../store/errors.js";
import { GROUP_PREFIX } from "./routes.js";
import { HttpError } from "./status.js";

/** What the API group serves, Kubernetes APIResourceList-style. */
export function discovery(): object {
  const resources = ALL_KINDS.filter((kind) => KIND_INFO[kind].apiPath === GROUP_PREFIX).map((kind) => ({
    name: KIND_INFO[kind].plural,
    singularName: KIND_INFO[kind].singular,
    namespaced: KIND_INFO[kind].namespaced,
    kind,
    shortNames: [...KIND_INFO[kind].shortNames],
    verbs: ["create", "delete", "get", "list", "update", "watch"],
  }));
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: GROUP_PREFIX.slice("/apis/".length), resources };
}

/** Maps anything a handler throws to an HTTP error. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof ManifestValidationError) return new HttpError(422, "Invalid", err.errors.map(formatManifestError).join("\n"));
  if (err instanceof StoreError) {
    const code = err.reason === "NotFound" ? 404 : err.reason === "AlreadyExists" || err.reason === "Conflict" ? 409 : 400;
    return new HttpError(code, err.reason, err.message);
  }
  return new HttpError(500, "InternalError", `internal error: ${(err as Error)?.message ?? String(err)}`);
}
