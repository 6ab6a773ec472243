/**
 * `get --sort-by KEY`: top's sort columns (NAME, MEMSZ … SHRD, STALL%, any case; numbers
 * descending, ties by name, as in `top --sort`) or a kubectl-style field path such as
 * `.metadata.name` or `{.status.memory.consumed}` (ascending as in kubectl; quantities and
 * numbers compare as numbers, missing fields last).
 */
import { quantityToPages } from "../../api/quantity.js";
import type { Kind, VirtualMachine } from "../../api/types.js";
import { UsageError } from "../errors.js";
import { TOP_SORT_COLUMNS, topColumnValue } from "./top.js";

/** A parsed `--sort-by` key. */
export type SortKey = { column: string } | { path: readonly string[]; text: string };

/** What the usage error lists. */
const KEYS_HELP = `${TOP_SORT_COLUMNS.join(", ")} (as top's --sort), or a field path such as .metadata.name or .status.memory.consumed`;

/** Parses `--sort-by`; an unknown key is a usage error (exit 2) listing the keys. */
export function parseSortBy(value: string): SortKey {
  let text = value.trim();
  if (text.startsWith("{") && text.endsWith("}")) text = text.slice(1, -1).trim();
  if (text.startsWith(".")) {
    const path = text.slice(1).split(".");
    if (path.every((p) => /^[A-Za-z0-9_-]+$/.test(p))) return { path, text };
    throw new UsageError(`--sort-by ${JSON.stringify(value)} is not a field path: expected e.g. .metadata.name or .status.memory.consumed`);
  }
  const upper = text.toUpperCase();
  const column = TOP_SORT_COLUMNS.find((c) => c === upper || c.replace("%", "") === upper);
  if (column === undefined) throw new UsageError(`unknown --sort-by key ${JSON.stringify(value)}; use one of ${KEYS_HELP}`);
  return { column };
}

/** An object as sorting sees it. */
type Sortable = { kind: string; metadata: { name: string; namespace?: string } };

/** `ns/name` for a stable tie-break. */
const nameOf = (o: Sortable): string => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;

/** A field's value for sorting: a number for numbers and quantities, else its text; undefined when missing. */
function fieldValue(object: unknown, path: readonly string[]): number | string | undefined {
  let value: unknown = object;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return String(value);
  if (typeof value !== "string") return undefined;
  if (/^[0-9.]+[A-Za-z]*$/.test(value)) {
    try {
      return quantityToPages(value);
    } catch {
      /* not a quantity: compare as text */
    }
  }
  return value;
}

/** Orders values: missing last, numbers before text, numbers ascending, text by locale. */
function compareValues(a: number | string | undefined, b: number | string | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  return a.localeCompare(b);
}

/** Sorts `objects` of `kind` by `key`; a counter column on anything but VMs is a usage error. */
export function sortObjects<T extends Sortable>(objects: readonly T[], kind: Kind, key: SortKey): T[] {
  const byName = (a: T, b: T): number => nameOf(a).localeCompare(nameOf(b));
  if ("path" in key) {
    const values = new Map(objects.map((o) => [o, fieldValue(o, key.path)]));
    return [...objects].sort((a, b) => compareValues(values.get(a), values.get(b)) || byName(a, b));
  }
  if (key.column === "NAME") return [...objects].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name) || byName(a, b));
  if (kind !== "VirtualMachine") {
    throw new UsageError(`--sort-by ${key.column} sorts virtual machines (it is a column of top's VM rows); sort other kinds by NAME or a field path such as .status.memory.free`);
  }
  const values = new Map(objects.map((o) => [o, topColumnValue(o as unknown as VirtualMachine, key.column)]));
  return [...objects].sort((a, b) => values.get(b)! - values.get(a)! || byName(a, b));
}
