/**
 * The two patch formats kubectl sends for memplane's kinds, on plain JSON data:
 *
 * - JSON merge patch (RFC 7386, `application/merge-patch+json`): objects merge key by key,
 *   `null` removes a key, anything else (arrays included) replaces. What `kubectl patch --type
 *   merge`, `kubectl label`, `kubectl annotate`, `kubectl edit` and client-side `kubectl apply`
 *   send for kinds kubectl has no Go types for.
 * - JSON patch (RFC 6902, `application/json-patch+json`): `add`, `remove`, `replace`, `move`,
 *   `copy` and `test` operations on JSON pointers (RFC 6901). `kubectl patch --type json`.
 *
 * Both refuse the keys `__proto__`, `constructor` and `prototype` (400): they mean nothing in
 * a manifest and could reach an object's prototype. Neither changes its inputs.
 */
import { deepEqual } from "../store/immutable.js";
import { badRequest, HttpError } from "./status.js";

/** Keys no patch may name. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, Json> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function checkKey(key: string): void {
  if (FORBIDDEN_KEYS.has(key)) throw badRequest(`the patch names the key ${JSON.stringify(key)}, which no object has`);
}

/** A copy of `value` with every object created afresh (no prototype tricks survive). */
function copy(value: unknown): Json {
  if (Array.isArray(value)) return value.map(copy);
  if (isObject(value)) {
    const out: Record<string, Json> = {};
    for (const key of Object.keys(value)) {
      checkKey(key);
      out[key] = copy(value[key]);
    }
    return out;
  }
  return value as Json;
}

/** RFC 7386: `target` merged with `patch` (a new value; neither input changes). */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return copy(patch);
  const out: Record<string, Json> = isObject(target) ? (copy(target) as Record<string, Json>) : {};
  for (const key of Object.keys(patch)) {
    checkKey(key);
    const value = patch[key];
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(Object.prototype.hasOwnProperty.call(out, key) ? out[key] : undefined, value) as Json;
  }
  return out;
}

/** One RFC 6902 operation. */
interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

/** A 422 for an operation that cannot be applied (as Kubernetes answers). */
function cannotApply(index: number, message: string): HttpError {
  return new HttpError(422, "Invalid", `the JSON patch cannot be applied: operation ${index}: ${message}`);
}

/** RFC 6901: the reference tokens of `pointer`. */
function tokens(pointer: string, index: number): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw cannotApply(index, `${JSON.stringify(pointer)} is not a JSON pointer (it must start with /)`);
  return pointer
    .slice(1)
    .split("/")
    .map((t) => {
      const token = t.replace(/~1/g, "/").replace(/~0/g, "~");
      checkKey(token);
      return token;
    });
}

/** The container holding the last token of `path`, and that token. */
function parentOf(doc: Json, path: string[], index: number): { parent: Json; last: string } {
  let node: Json = doc;
  for (const token of path.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(node) ? node[arrayIndex(node, token, index, false)] : isObject(node) && Object.prototype.hasOwnProperty.call(node, token) ? node[token] : undefined;
    if (next === undefined) throw cannotApply(index, `/${path.join("/")} does not exist`);
    node = next;
  }
  return { parent: node, last: path[path.length - 1]! };
}

function arrayIndex(array: Json[], token: string, index: number, appending: boolean): number {
  if (appending && token === "-") return array.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw cannotApply(index, `${JSON.stringify(token)} is not an array index`);
  const i = Number(token);
  if (i > array.length || (!appending && i === array.length)) throw cannotApply(index, `array index ${i} is out of range`);
  return i;
}

function getAt(doc: Json, path: string[], index: number): Json {
  if (path.length === 0) return doc;
  const { parent, last } = parentOf(doc, path, index);
  if (Array.isArray(parent)) return parent[arrayIndex(parent, last, index, false)]!;
  if (isObject(parent) && Object.prototype.hasOwnProperty.call(parent, last)) return parent[last]!;
  throw cannotApply(index, `/${path.join("/")} does not exist`);
}

function removeAt(doc: Json, path: string[], index: number): Json {
  if (path.length === 0) throw cannotApply(index, "the whole object cannot be removed");
  const { parent, last } = parentOf(doc, path, index);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, last, index, false), 1)[0]!;
  if (isObject(parent) && Object.prototype.hasOwnProperty.call(parent, last)) {
    const value = parent[last]!;
    delete parent[last];
    return value;
  }
  throw cannotApply(index, `/${path.join("/")} does not exist`);
}

function addAt(doc: Json, path: string[], value: Json, index: number, replace: boolean): Json {
  if (path.length === 0) return value;
  const { parent, last } = parentOf(doc, path, index);
  if (Array.isArray(parent)) {
    const i = arrayIndex(parent, last, index, !replace);
    parent.splice(i, replace ? 1 : 0, value);
  } else if (isObject(parent)) {
    if (replace && !Object.prototype.hasOwnProperty.call(parent, last)) throw cannotApply(index, `/${path.join("/")} does not exist`);
    parent[last] = value;
  } else throw cannotApply(index, `the parent of /${path.join("/")} is not an object or array`);
  return doc;
}

/** RFC 6902: `target` with `operations` applied in order (a new value; neither input changes). */
export function applyJsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw badRequest("a JSON patch must be an array of operations");
  let doc = copy(target);
  operations.forEach((raw: unknown, index) => {
    if (!isObject(raw) || typeof raw.op !== "string" || typeof raw.path !== "string") {
      throw badRequest(`JSON patch operation ${index} needs an op and a path`);
    }
    const op = raw as unknown as Operation;
    const path = tokens(op.path, index);
    const needsValue = op.op === "add" || op.op === "replace" || op.op === "test";
    if (needsValue && !("value" in raw)) throw badRequest(`JSON patch operation ${index} (${op.op}) needs a value`);
    switch (op.op) {
      case "add":
        doc = addAt(doc, path, copy(op.value), index, false);
        return;
      case "replace":
        doc = addAt(doc, path, copy(op.value), index, true);
        return;
      case "remove":
        removeAt(doc, path, index);
        return;
      case "move":
      case "copy": {
        if (typeof op.from !== "string") throw badRequest(`JSON patch operation ${index} (${op.op}) needs a from`);
        const from = tokens(op.from, index);
        const value = op.op === "move" ? removeAt(doc, from, index) : copy(getAt(doc, from, index));
        doc = addAt(doc, path, value, index, false);
        return;
      }
      case "test":
        if (!deepEqual(getAt(doc, path, index), copy(op.value))) throw cannotApply(index, `test of ${op.path} failed`);
        return;
      default:
        throw badRequest(`JSON patch operation ${index} has an unknown op ${JSON.stringify(op.op)} (add, remove, replace, move, copy or test)`);
    }
  });
  return doc;
}
