/**
 * Kubernetes field selectors on the server (`?fieldSelector=`): what kubectl sends to find one
 * object (`metadata.name=app` for `get vm app -w` and `delete --wait`) and an object's events
 * (`involvedObject.name=app,involvedObject.namespace=default,involvedObject.kind=VirtualMachine,involvedObject.uid=…`
 * for `describe`). Requirements are `field=value`, `field==value` or `field!=value`, comma
 * separated and ANDed; `\,`, `\=` and `\\` escape. As in Kubernetes only some fields are
 * selectable: a field the kind does not support is a 400 naming the ones it does.
 */
import type { Kind } from "../api/types.js";
import { badRequest } from "./status.js";

/** One requirement of a field selector. */
export interface FieldRequirement {
  field: string;
  operator: "=" | "!=";
  value: string;
}

/** Fields every kind supports. */
const COMMON_FIELDS = ["metadata.name", "metadata.namespace"];

/** The selectable fields of each kind (Kubernetes' events list, pods' `spec.nodeName` and `status.phase` for VMs). */
const FIELDS: Readonly<Record<Kind, readonly string[]>> = {
  Host: COMMON_FIELDS,
  GuestOSProfile: COMMON_FIELDS,
  Scenario: COMMON_FIELDS,
  VirtualMachine: [...COMMON_FIELDS, "spec.hostName", "status.phase"],
  Event: [
    ...COMMON_FIELDS,
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "reason",
    "type",
    "source",
  ],
};

/** Splits `text` at unescaped `sep`, keeping escapes for the next step. */
function splitUnescaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\" && i + 1 < text.length) {
      current += c + text[++i];
    } else if (c === sep) {
      parts.push(current);
      current = "";
    } else current += c;
  }
  parts.push(current);
  return parts;
}

/** Undoes `\x` escapes. */
function unescape(text: string): string {
  return text.replace(/\\(.)/g, "$1");
}

/** Parses `selector` for objects of `kind`; 400 for bad syntax or a field the kind cannot select on. */
export function parseFieldSelector(selector: string, kind: Kind): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  for (const raw of splitUnescaped(selector, ",")) {
    const text = raw.trim();
    if (text === "") continue;
    const m = /^([A-Za-z][A-Za-z0-9.]*)\s*(!=|==|=)(.*)$/s.exec(text);
    if (!m) throw badRequest(`invalid field selector ${JSON.stringify(text)}: expected FIELD=VALUE or FIELD!=VALUE, e.g. metadata.name=web-1`);
    const field = m[1]!;
    if (!FIELDS[kind].includes(field)) {
      throw badRequest(`"${field}" is not a known field selector: only ${FIELDS[kind].map((f) => JSON.stringify(f)).join(", ")}`);
    }
    out.push({ field, operator: m[2] === "!=" ? "!=" : "=", value: unescape(m[3]!) });
  }
  return out;
}

/** The value of `field` in `object` ("" when absent; `source` is the event's source component). */
function fieldValue(object: unknown, field: string): string {
  let value: unknown = object;
  for (const key of field.split(".")) {
    if (value === null || typeof value !== "object") return "";
    value = Object.prototype.hasOwnProperty.call(value, key) ? (value as Record<string, unknown>)[key] : undefined;
  }
  if (field === "source" && value !== null && typeof value === "object") value = (value as { component?: unknown }).component;
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : "";
}

/** True when `object` meets every requirement. */
export function matchesFields(requirements: readonly FieldRequirement[], object: unknown): boolean {
  return requirements.every((r) => (fieldValue(object, r.field) === r.value) === (r.operator === "="));
}
