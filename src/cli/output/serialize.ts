/**
 * `-o json` and `-o yaml` printing with stable output: mapping keys sorted at every depth
 * (which also puts apiVersion, kind, metadata, spec, status first), arrays kept in order.
 */
import * as yaml from "js-yaml";

/** A deep copy of `value` whose object keys are sorted alphabetically at every depth. */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeysDeep(v);
    }
    return out;
  }
  return value;
}

/** Pretty JSON with sorted keys and a trailing newline (4-space indent, as kubectl). */
export function toJson(value: unknown): string {
  return JSON.stringify(sortKeysDeep(value), null, 4) + "\n";
}

/** YAML with sorted keys, no anchors and no line folding. */
export function toYaml(value: unknown): string {
  return yaml.dump(sortKeysDeep(value), { noRefs: true, lineWidth: -1 });
}

/** Wraps a list of objects the way kubectl prints a list: `{"apiVersion":"v1","kind":"List","items":[...]}`. */
export function asList(items: readonly unknown[]): { apiVersion: "v1"; kind: "List"; items: readonly unknown[] } {
  return { apiVersion: "v1", kind: "List", items };
}
