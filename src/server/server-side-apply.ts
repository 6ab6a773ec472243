/**
 * Server-side apply (`PATCH` with `application/apply-patch+yaml`, `?fieldManager=NAME[&force=true]`),
 * what `kubectl apply --server-side` sends. The body is the manager's whole intent for the
 * object. The server keeps, in `metadata.managedFields`, which manager owns which fields:
 *
 * - a field the manager sets to a value other than the live one while another manager owns it is
 *   a **conflict**: `409 Conflict` listing each field and its owner, unless `force=true`, which
 *   takes the field over;
 * - a field the manager applied before and leaves out now is removed, unless another manager
 *   owns it too;
 * - the object is created when it does not exist.
 *
 * Merge and JSON patches through the server of an object that has managed
 * fields make their `fieldManager` (default `unknown`) the owner of the fields they changed
 * (operation `Update`), so a later apply that would undo them conflicts, as in Kubernetes.
 * The result goes through the validation of `memplane apply`.
 */
import { KIND_INFO } from "../api/kinds.js";
import type { ManagedFieldsEntry, ManifestObject, StoredMeta } from "../api/types.js";
import { readYamlDocuments } from "../manifest/index.js";
import { deepEqual } from "../store/immutable.js";
import type { MemoryStore } from "../store/memory-store.js";
import { changedAmong, fromFieldsV1, mergeInto, ownedLeaves, removeAt, showPath, toFieldsV1, valueAt, type FieldPath } from "./field-ownership.js";
import { desiredFromPatched, storeDesired, validatedDesired } from "./patch-resource.js";
import type { ApiObject } from "./resources.js";
import type { ResourceRoute } from "./routes.js";
import { HttpError, badRequest } from "./status.js";

/** The content type of a server-side apply. */
export const APPLY_PATCH_TYPE = "application/apply-patch+yaml";

/** Who is writing: `?fieldManager=` (required for apply) and `?force=`. */
export interface FieldManager {
  name: string;
  force: boolean;
}

/** `?fieldManager=`: at most 128 printable characters (400 otherwise); undefined when absent. */
export function fieldManagerParam(params: URLSearchParams): string | undefined {
  const values = params.getAll("fieldManager");
  if (values.length === 0) return undefined;
  const name = values.length === 1 ? values[0]! : "";
  if (name === "" || name.length > 128 || !/^[\x21-\x7e][\x20-\x7e]*$/.test(name)) throw badRequest("fieldManager must be 1 to 128 printable characters");
  return name;
}

const overlaps = (a: FieldPath, b: FieldPath): boolean => a === b || a.startsWith(b + "\u0000") || b.startsWith(a + "\u0000");

function entry(manager: string, operation: ManagedFieldsEntry["operation"], apiVersion: string, fields: Iterable<FieldPath>): ManagedFieldsEntry {
  return { manager, operation, apiVersion, fieldsType: "FieldsV1", fieldsV1: toFieldsV1(fields) };
}

/** The one object of an apply body (YAML or JSON), checked against the route. */
function appliedObject(text: string, route: ResourceRoute & { name: string }): Record<string, unknown> {
  const read = readYamlDocuments(text);
  if (read.problems.length > 0) {
    const p = read.problems[0]!;
    throw badRequest(`the apply body is not valid YAML: ${p.position.line}:${p.position.column}: ${p.message}`);
  }
  const docs = read.documents.filter((d) => d.value !== null);
  const value = docs[0]?.value;
  if (docs.length !== 1 || value === null || typeof value !== "object" || Array.isArray(value)) throw badRequest("the apply body must hold exactly one object");
  const o = value as Record<string, unknown>;
  const info = KIND_INFO[route.kind];
  if (o.kind !== route.kind || o.apiVersion !== info.apiVersion) throw badRequest(`the apply body must be a ${route.kind} of apiVersion ${info.apiVersion}`);
  const m = o.metadata as Record<string, unknown> | undefined;
  if (m === null || typeof m !== "object" || m.name !== route.name) throw badRequest(`the name of the object (${String(m?.name)}) does not match the name of the path (${route.name})`);
  if (route.namespace !== undefined && m.namespace !== undefined && m.namespace !== route.namespace) {
    throw badRequest(`the namespace of the object (${String(m.namespace)}) does not match the namespace of the path (${route.namespace})`);
  }
  if (m.managedFields !== undefined) throw badRequest("metadata.managedFields must not be set in an apply body");
  return o;
}

/** Applies `text` for `manager`: creates or updates the object; 409 Conflict on fields others own. */
export function serverSideApply(store: MemoryStore, route: ResourceRoute & { name: string }, text: string, manager: FieldManager): ApiObject {
  const applied = appliedObject(text, route);
  const fields = ownedLeaves(applied);
  const apiVersion = KIND_INFO[route.kind].apiVersion;
  const current = store.get(route.kind, route.name, route.namespace) as ApiObject | undefined;
  if (current === undefined) {
    const desired = JSON.parse(JSON.stringify(applied)) as Record<string, unknown>;
    if (route.namespace !== undefined) (desired.metadata as Record<string, unknown>).namespace = route.namespace;
    const { object } = desiredFromPatched({ ...(desired as unknown as ApiObject), metadata: { ...(desired.metadata as ApiObject["metadata"]) } }, desired);
    const validated = validatedDesired(object);
    const metadata: StoredMeta = { ...validated.metadata, managedFields: [entry(manager.name, "Apply", apiVersion, fields)] };
    const { resourceVersion: _none, ...rest } = metadata;
    return store.create({ ...validated, metadata: rest } as ManifestObject) as ApiObject;
  }
  const live = JSON.parse(JSON.stringify(current)) as Record<string, unknown>;
  const owners = (((current.metadata as StoredMeta).managedFields ?? []) as ManagedFieldsEntry[]).map((e) => ({ ...e, fields: fromFieldsV1(e.fieldsV1) }));
  const isMine = (e: { manager: string; operation: string }): boolean => e.manager === manager.name && e.operation === "Apply";
  const mine = owners.find(isMine)?.fields ?? new Set<FieldPath>();
  const others = owners.filter((e) => !isMine(e));
  const desired = JSON.parse(JSON.stringify(live)) as Record<string, unknown>;
  for (const path of mine) {
    if (!fields.has(path) && !others.some((e) => [...e.fields].some((f) => overlaps(f, path)))) removeAt(desired, path);
  }
  mergeInto(desired, applied);
  const { object, resourceVersion } = desiredFromPatched(current, desired);
  const validated = validatedDesired(object) as unknown as Record<string, unknown>;
  const changed = changedAmong(fields, live, validated);
  const conflicts: string[] = [];
  for (const path of changed) {
    for (const e of others) if ([...e.fields].some((f) => overlaps(f, path))) conflicts.push(`conflict with "${e.manager}"${e.operation === "Update" ? " using " + e.apiVersion : ""}: ${showPath(path)}`);
  }
  if (conflicts.length > 0 && !manager.force) {
    throw new HttpError(
      409,
      "Conflict",
      `Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? "" : "s"}: ${conflicts.join("\n")}`,
    );
  }
  const managedFields: ManagedFieldsEntry[] = [];
  for (const e of others) {
    const kept = manager.force ? [...e.fields].filter((f) => !changed.some((p) => overlaps(f, p))) : [...e.fields];
    if (kept.length > 0) managedFields.push(entry(e.manager, e.operation, e.apiVersion, kept));
  }
  managedFields.push(entry(manager.name, "Apply", apiVersion, fields));
  return storeDesired(store, object, resourceVersion, managedFields);
}

/**
 * The managed fields after a non-apply write by `manager` changed `before` into `after`: the
 * changed fields move to `manager` (operation Update). Undefined when the object has none.
 */
export function updatedOwnership(before: ApiObject, after: Record<string, unknown>, manager: string): ManagedFieldsEntry[] | undefined {
  const entries = (before.metadata as StoredMeta).managedFields;
  if (entries === undefined || entries.length === 0) return undefined;
  const changed = new Set([...ownedLeaves(after), ...ownedLeaves(before as unknown as Record<string, unknown>)].filter((p) => !deepEqual(valueAt(before, p), valueAt(after, p))));
  if (changed.size === 0) return undefined;
  const out: ManagedFieldsEntry[] = [];
  let updater: Set<FieldPath> = new Set();
  for (const e of entries) {
    const fields = [...fromFieldsV1(e.fieldsV1)].filter((f) => ![...changed].some((p) => overlaps(f, p)));
    if (e.manager === manager && e.operation === "Update") updater = new Set(fields);
    else if (fields.length > 0) out.push(entry(e.manager, e.operation, e.apiVersion, fields));
  }
  for (const p of changed) if (valueAt(after, p) !== undefined) updater.add(p);
  if (updater.size > 0) out.push(entry(manager, "Update", KIND_INFO[before.kind as keyof typeof KIND_INFO].apiVersion, updater));
  return out;
}
