/**
 * Field sets for server-side apply: the leaf fields of an object as paths, Kubernetes' FieldsV1
 * form of a set (`{"f:spec":{"f:memory":{}}}`), and reading and writing a value at a path.
 * Lists are atomic (one field), as for every list in memplane's schemas.
 */
import { deepEqual } from "../store/immutable.js";

/** A path of keys, joined with NUL (keys never hold one). */
export type FieldPath = string;

const SEP = "\u0000";

/** Paths the server manages itself: never owned by a field manager. */
const UNOWNED = new Set(["apiVersion", "kind", "status", ["metadata", "name"].join(SEP), ["metadata", "namespace"].join(SEP)]);
const MANAGED_METADATA = new Set(["uid", "generation", "resourceVersion", "creationTimestamp", "managedFields"]);

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The leaf fields of `object` a manager can own (not apiVersion, kind, name, namespace, status or managed metadata). */
export function ownedLeaves(object: Record<string, unknown>): Set<FieldPath> {
  const out = new Set<FieldPath>();
  const walk = (value: unknown, path: string[]): void => {
    if (UNOWNED.has(path.join(SEP)) || (path[0] === "status" && path.length >= 1)) return;
    if (path.length === 2 && path[0] === "metadata" && MANAGED_METADATA.has(path[1]!)) return;
    if (isObject(value) && Object.keys(value).length > 0) {
      for (const key of Object.keys(value)) walk(value[key], [...path, key]);
    } else if (path.length > 0) out.add(path.join(SEP));
  };
  walk(object, []);
  return out;
}

/** The value at `path`, or undefined. */
export function valueAt(object: unknown, path: FieldPath): unknown {
  let value = object;
  for (const key of path.split(SEP)) {
    if (!isObject(value) || !Object.prototype.hasOwnProperty.call(value, key)) return undefined;
    value = value[key];
  }
  return value;
}

/** Removes the field at `path` from `object` (in place), and parents it leaves empty. */
export function removeAt(object: Record<string, unknown>, path: FieldPath): void {
  const keys = path.split(SEP);
  const parents: Record<string, unknown>[] = [];
  let node: unknown = object;
  for (const key of keys.slice(0, -1)) {
    if (!isObject(node)) return;
    parents.push(node);
    node = node[key];
  }
  if (!isObject(node)) return;
  delete node[keys[keys.length - 1]!];
  for (let i = keys.length - 2; i >= 1; i--) {
    const child = parents[i]![keys[i]!];
    if (isObject(child) && Object.keys(child).length === 0) delete parents[i]![keys[i]!];
    else break;
  }
}

/** `applied` merged into `live` (in place): objects key by key, anything else replaced. */
export function mergeInto(live: Record<string, unknown>, applied: Record<string, unknown>): void {
  for (const key of Object.keys(applied)) {
    const value = applied[key];
    if (isObject(value) && isObject(live[key])) mergeInto(live[key] as Record<string, unknown>, value);
    else live[key] = JSON.parse(JSON.stringify(value)) as unknown;
  }
}

/** A field set in Kubernetes' FieldsV1 form. */
export function toFieldsV1(fields: Iterable<FieldPath>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const path of fields) {
    let node = out;
    for (const key of path.split(SEP)) node = (node[`f:${key}`] ??= {}) as Record<string, unknown>;
  }
  return out;
}

/** The field set of a FieldsV1 value. */
export function fromFieldsV1(fields: unknown): Set<FieldPath> {
  const out = new Set<FieldPath>();
  const walk = (node: unknown, path: string[]): void => {
    const keys = isObject(node) ? Object.keys(node).filter((k) => k.startsWith("f:")) : [];
    if (keys.length === 0) {
      if (path.length > 0) out.add(path.join(SEP));
      return;
    }
    for (const k of keys) walk((node as Record<string, unknown>)[k], [...path, k.slice(2)]);
  };
  walk(fields, []);
  return out;
}

/** The paths among `fields` whose values differ between `a` and `b`. */
export function changedAmong(fields: Iterable<FieldPath>, a: unknown, b: unknown): FieldPath[] {
  return [...fields].filter((p) => !deepEqual(valueAt(a, p), valueAt(b, p)));
}

/** `path` as kubectl prints it in a conflict: `.spec.memory`. */
export function showPath(path: FieldPath): string {
  return "." + path.split(SEP).join(".");
}
