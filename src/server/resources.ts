/**
 * Reads and writes of resources for the HTTP API, in the store's own terms: lists (with label
 * selectors, built-in GuestOSProfiles merged in, events by tick), single objects, and the
 * Kubernetes-style create (POST), replace (PUT, optimistic on `metadata.resourceVersion`) and
 * delete. Request bodies go through the same manifest validation as `memplane apply`.
 */
import { BUILTIN_GUEST_OS_PROFILES, builtinProfile } from "../api/builtin-profiles.js";
import { KIND_INFO } from "../api/kinds.js";
import { API_VERSION, DEFAULT_NAMESPACE, type Kind, type ManifestObject } from "../api/types.js";
import type { Engine } from "../engine/engine.js";
import { formatManifestError, parseManifestText, readYamlDocuments, validateManifestObjects, type ManifestParseResult } from "../manifest/index.js";
import { matchesLabelSelector, parseLabelSelector } from "../store/label-selector.js";
import type { ResourceStore } from "../store/types.js";
import type { ResourceRoute } from "./routes.js";
import { HttpError, badRequest, notFound } from "./status.js";

/** Any stored object, as the API hands it out. */
export type ApiObject = { kind: string; metadata: { name: string; namespace?: string; labels?: Readonly<Record<string, string>>; resourceVersion?: string }; tick?: number };

/** Name shown in validation messages for a request body. */
export const BODY_SOURCE = "request body";

/** The List kind of a collection (`HostList`, `VirtualMachineList`, …). */
export function listKind(kind: Kind): string {
  return `${kind}List`;
}

/** kubectl's NotFound wording: `virtualmachines "web-1" not found in namespace "default"`. */
export function notFoundMessage(kind: Kind, name: string, namespace: string | undefined): string {
  const where = KIND_INFO[kind].namespaced ? ` in namespace "${namespace ?? DEFAULT_NAMESPACE}"` : "";
  return `${KIND_INFO[kind].plural} "${name}" not found${where}`;
}

/** Objects of a collection: namespace and selector applied; built-in profiles merged; events by tick. */
export function listResources(engine: Engine, route: ResourceRoute, labelSelector: string | undefined): readonly ApiObject[] {
  return withBuiltins(route, engine.store.list(route.kind, { namespace: route.namespace, labelSelector }) as readonly ApiObject[], labelSelector);
}

/**
 * A list as served from `stored` (the route's kind and namespace, label selector applied, in
 * store order): Events by tick, GuestOSProfiles with the built-in ones the selector picks and
 * no applied profile overrides.
 */
export function withBuiltins(route: ResourceRoute, stored: readonly ApiObject[], labelSelector: string | undefined): readonly ApiObject[] {
  if (route.kind === "Event") return [...stored].sort((a, b) => (a.tick ?? 0) - (b.tick ?? 0));
  if (route.kind !== "GuestOSProfile") return stored;
  const parsed = labelSelector === undefined || labelSelector.trim() === "" ? undefined : parseLabelSelector(labelSelector);
  const applied = new Set(stored.map((o) => o.metadata.name));
  const builtins = BUILTIN_GUEST_OS_PROFILES.filter(
    (p) => !applied.has(p.metadata.name) && (parsed === undefined || matchesLabelSelector(parsed, p.metadata.labels)),
  ) as readonly ApiObject[];
  return [...stored, ...builtins].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/** One object (a GuestOSProfile falls back to the built-in of that name), or 404. */
export function getResource(engine: Engine, route: ResourceRoute & { name: string }): ApiObject {
  const found = engine.store.get(route.kind, route.name, route.namespace) as ApiObject | undefined;
  return found ?? builtinOrNotFound(route);
}

/** The built-in GuestOSProfile `route` names, or the 404 for an object that is not there. */
export function builtinOrNotFound(route: ResourceRoute & { name: string }): ApiObject {
  const object = route.kind === "GuestOSProfile" ? (builtinProfile(route.name) as ApiObject | undefined) : undefined;
  if (!object) throw notFound(notFoundMessage(route.kind, route.name, route.namespace));
  return object;
}

/** Parses and validates a body holding manifests (YAML or JSON); 422 Invalid listing every error. */
export function parseBodyManifests(text: string): ManifestObject[] {
  const result = text.trimStart().startsWith("[") ? validateJsonArray(text) : parseManifestText(text, BODY_SOURCE);
  if (result.errors.length > 0) throw new HttpError(422, "Invalid", result.errors.map(formatManifestError).join("\n"));
  return result.objects;
}

/** A JSON array of objects (what `memplane apply --server` sends), validated like `engine.apply(objects)`. */
function validateJsonArray(text: string): ManifestParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
  }
  return validateManifestObjects(value, BODY_SOURCE);
}

/** The raw `metadata` of the single document in `text` (what validation's defaulting drops). */
function rawMetadata(text: string): { namespace?: unknown; resourceVersion?: unknown } {
  const value = readYamlDocuments(text).documents.find((d) => d.value !== null)?.value as { metadata?: Record<string, unknown> } | undefined;
  const metadata = value?.metadata;
  return metadata !== null && typeof metadata === "object" ? metadata : {};
}

/**
 * The one object of a POST or PUT body, checked against the route: same kind, the path's
 * namespace (filled in when the body has none), and for PUT the path's name. Keeps the body's
 * `metadata.resourceVersion` for optimistic concurrency.
 */
export function objectFromBody(text: string, route: ResourceRoute): ManifestObject {
  const objects = parseBodyManifests(text);
  if (objects.length !== 1) throw badRequest(`the request body must hold exactly one object, found ${objects.length}`);
  const object = objects[0]!;
  if (object.kind !== route.kind) {
    throw badRequest(`the body is a ${object.kind}, but the path is for ${KIND_INFO[route.kind].plural}`);
  }
  const raw = rawMetadata(text);
  const metadata = { ...object.metadata };
  if (KIND_INFO[route.kind].namespaced && route.namespace !== undefined) {
    if (raw.namespace !== undefined && raw.namespace !== route.namespace) {
      throw badRequest(`the namespace of the object (${String(raw.namespace)}) does not match the namespace of the path (${route.namespace})`);
    }
    metadata.namespace = route.namespace;
  }
  if (route.name !== undefined && metadata.name !== route.name) {
    throw badRequest(`the name of the object (${metadata.name}) does not match the name of the path (${route.name})`);
  }
  if (typeof raw.resourceVersion === "string" && raw.resourceVersion !== "") metadata.resourceVersion = raw.resourceVersion;
  return { ...object, metadata } as ManifestObject;
}

/** Creates `object` (from {@link objectFromBody}); 409 AlreadyExists when it exists. */
export function createResource(store: ResourceStore, object: ManifestObject, route: ResourceRoute): ApiObject {
  if (!KIND_INFO[route.kind].namespaced || route.namespace !== undefined) {
    const { resourceVersion: _ignored, ...metadata } = object.metadata;
    return store.create({ ...object, metadata } as ManifestObject) as ApiObject;
  }
  throw badRequest(`create ${KIND_INFO[route.kind].plural} under a namespace: POST /apis/memplane.io/v1alpha1/namespaces/NS/${KIND_INFO[route.kind].plural}`);
}

/** Replaces the stored object with `object` (from {@link objectFromBody}); 409 Conflict on a stale resourceVersion, 404 when missing. */
export function replaceResource(store: ResourceStore, object: ManifestObject): ApiObject {
  return store.update(object) as ApiObject;
}

/** Wraps items the way Kubernetes answers a list. */
export function listResponse(kind: Kind, items: readonly unknown[], resourceVersion: number): object {
  return { apiVersion: kind === "Event" ? "v1" : API_VERSION, kind: listKind(kind), metadata: { resourceVersion: String(resourceVersion) }, items };
}
