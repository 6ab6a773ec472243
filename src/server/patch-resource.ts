/**
 * `PATCH` of one object: the patch is applied to the stored object as JSON, and the result goes
 * through the validation of `memplane apply` and is stored like a `PUT`. Only spec, labels and
 * annotations change (status is the simulation's, as with a status subresource); a patch that
 * changes the kind, name, namespace, uid, generation or creationTimestamp is a 422, and one that
 * sets `metadata.resourceVersion` is a compare-and-swap (409 `Conflict` when stale).
 */
import { KIND_INFO } from "../api/kinds.js";
import type { ManagedFieldsEntry, ManifestObject, StoredMeta } from "../api/types.js";
import { formatManifestError, validateManifestObjects } from "../manifest/index.js";
import type { MemoryStore } from "../store/memory-store.js";
import { applyJsonPatch, applyMergePatch } from "./patch.js";
import { BODY_SOURCE, notFoundMessage, type ApiObject } from "./resources.js";
import { updatedOwnership } from "./server-side-apply.js";
import type { ResourceRoute } from "./routes.js";
import { HttpError, badRequest, notFound } from "./status.js";

/** The patch content types the server applies (server-side apply's is handled by server-side-apply.ts). */
export const PATCH_TYPES = ["application/merge-patch+json", "application/json-patch+json", "application/apply-patch+yaml"] as const;

/** The media type of a `Content-Type` header, lower-cased, without parameters. */
export function mediaType(header: string | undefined): string {
  return (header ?? "").split(";")[0]!.trim().toLowerCase();
}

/** 415 for a patch type the server does not take (strategic merge patches need Go types memplane's kinds do not have). */
export function unsupportedPatch(type: string, accepted: readonly string[]): HttpError {
  const shown = type === "" ? "no Content-Type" : JSON.stringify(type);
  return new HttpError(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format (${shown}) - accepted media types include: ${accepted.join(", ")}` +
      (type === "application/strategic-merge-patch+json" ? " (use kubectl patch --type merge or --type json)" : ""),
  );
}

/** The stored object as plain, mutable JSON. */
function plain(object: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(object)) as Record<string, unknown>;
}

/** Metadata the store manages: a patch may leave it out or repeat it, never change it. */
const IMMUTABLE_METADATA = ["name", "namespace", "uid", "generation", "creationTimestamp"] as const;

/**
 * Checks a patched object against the stored one and returns what goes to validation: kind,
 * apiVersion and managed metadata unchanged, status and managed metadata dropped.
 */
export function desiredFromPatched(current: ApiObject, patched: unknown): { object: Record<string, unknown>; resourceVersion?: string } {
  if (patched === null || typeof patched !== "object" || Array.isArray(patched)) throw new HttpError(422, "Invalid", "the patched object is not an object");
  const p = patched as Record<string, unknown>;
  const c = current as unknown as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of ["apiVersion", "kind"]) if (p[key] !== c[key]) problems.push(`${key}: field is immutable (${JSON.stringify(c[key])})`);
  const meta = p.metadata;
  if (meta === null || typeof meta !== "object" || Array.isArray(meta)) throw new HttpError(422, "Invalid", "metadata: the patched object has no metadata");
  const m = meta as Record<string, unknown>;
  const cm = current.metadata as Record<string, unknown>;
  for (const key of IMMUTABLE_METADATA) {
    if (m[key] !== undefined && m[key] !== cm[key]) problems.push(`metadata.${key}: field is immutable (${JSON.stringify(cm[key])})`);
  }
  if (m.resourceVersion !== undefined && typeof m.resourceVersion !== "string") problems.push("metadata.resourceVersion: must be a string");
  if (problems.length > 0) throw new HttpError(422, "Invalid", problems.join("\n"));
  const metadata: Record<string, unknown> = { name: cm.name };
  if (cm.namespace !== undefined) metadata.namespace = cm.namespace;
  if (m.labels !== undefined && m.labels !== null) metadata.labels = m.labels;
  if (m.annotations !== undefined && m.annotations !== null) metadata.annotations = m.annotations;
  const object: Record<string, unknown> = {};
  for (const key of Object.keys(p)) if (key !== "status" && key !== "metadata") object[key] = p[key];
  object.metadata = metadata;
  return { object, resourceVersion: m.resourceVersion as string | undefined };
}

/** `desired` validated and defaulted like `memplane apply` does (422 listing every error). */
export function validatedDesired(desired: Record<string, unknown>): ManifestObject {
  const result = validateManifestObjects(desired, BODY_SOURCE);
  if (result.errors.length > 0) throw new HttpError(422, "Invalid", result.errors.map(formatManifestError).join("\n"));
  return result.objects[0]!;
}

/** Validates `desired` and stores it over the current object (with new field owners when given). */
export function storeDesired(store: MemoryStore, desired: Record<string, unknown>, resourceVersion: string | undefined, managedFields?: ManagedFieldsEntry[]): ApiObject {
  const validated = validatedDesired(desired);
  const { managedFields: _dropped, ...rest } = validated.metadata; // validation never keeps any: the store's stay unless given
  const metadata: StoredMeta = rest;
  if (resourceVersion !== undefined) metadata.resourceVersion = resourceVersion;
  if (managedFields !== undefined) metadata.managedFields = managedFields;
  return store.update({ ...validated, metadata } as ManifestObject) as ApiObject;
}

/** The stored object `route` names (a built-in profile that was never applied cannot be patched), or 404. */
export function storedObject(store: MemoryStore, route: ResourceRoute & { name: string }): ApiObject {
  const current = store.get(route.kind, route.name, route.namespace) as ApiObject | undefined;
  if (current === undefined) {
    const hint = route.kind === "GuestOSProfile" ? " (a built-in profile cannot be patched: apply a GuestOSProfile of that name to override it)" : "";
    throw notFound(notFoundMessage(route.kind, route.name, route.namespace) + hint);
  }
  return current;
}

/**
 * Applies a merge or JSON patch (`type`, from {@link PATCH_TYPES}) to the object `route` names;
 * `fieldManager` becomes the owner of the fields it changes when the object has field owners.
 */
export function patchResource(store: MemoryStore, route: ResourceRoute & { name: string }, type: string, text: string, fieldManager = "unknown"): ApiObject {
  if (!KIND_INFO[route.kind].schemaFile) throw new HttpError(405, "MethodNotAllowed", `${KIND_INFO[route.kind].plural} cannot be patched`);
  let patch: unknown;
  try {
    patch = JSON.parse(text);
  } catch (err) {
    throw badRequest(`the patch is not valid JSON: ${(err as Error).message}`);
  }
  const current = storedObject(store, route);
  const patched = type === "application/json-patch+json" ? applyJsonPatch(plain(current), patch) : applyMergePatch(plain(current), patch);
  const { object, resourceVersion } = desiredFromPatched(current, patched);
  const owners = updatedOwnership(current, validatedDesired(object) as unknown as Record<string, unknown>, fieldManager);
  return storeDesired(store, object, resourceVersion, owners);
}
