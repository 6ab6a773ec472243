/**
 * kubectl's `--field-selector`: comma-separated `path=value`, `path==value` or `path!=value`
 * requirements, ANDed, where `path` is a dotted field of the object (`involvedObject.name`,
 * `type`, `reason`, `metadata.name`, `spec.hostName`, `status.phase`). Values compare as
 * strings; a missing field reads as the empty string, as in Kubernetes.
 */
import { UsageError } from "./errors.js";

/** One requirement of a field selector. */
export interface FieldRequirement {
  path: readonly string[];
  operator: "=" | "!=";
  value: string;
}

/** Parses a field selector; a malformed one is a usage error (exit 2). */
export function parseFieldSelector(selector: string): FieldRequirement[] {
  const requirements: FieldRequirement[] = [];
  for (const part of selector.split(",")) {
    const text = part.trim();
    if (text === "") continue;
    const m = /^([A-Za-z][A-Za-z0-9_.]*)\s*(!=|==|=)\s*(.*)$/.exec(text);
    if (!m || m[1]!.split(".").some((p) => p === "")) {
      throw new UsageError(`invalid field selector "${text}": expected FIELD=VALUE or FIELD!=VALUE, e.g. involvedObject.name=web-1,type=Warning`);
    }
    requirements.push({ path: m[1]!.split("."), operator: m[2] === "!=" ? "!=" : "=", value: m[3]!.trim() });
  }
  return requirements;
}

/** The field at `path` as a string ("" when absent or not a scalar). */
function fieldValue(object: unknown, path: readonly string[]): string {
  let value: unknown = object;
  for (const key of path) {
    if (value === null || typeof value !== "object") return "";
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : "";
}

/** True when `object` meets every requirement. */
export function matchesFieldSelector(requirements: readonly FieldRequirement[], object: unknown): boolean {
  return requirements.every((r) => (fieldValue(object, r.path) === r.value) === (r.operator === "="));
}
