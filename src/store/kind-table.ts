/**
 * The parts of the in-memory store's tables (memory-store.ts): a cell per object, a table per
 * kind, and the pure helpers the store's writes use.
 */
import type { StoredObject } from "../api/types.js";
import type { StatusSource } from "./status-source.js";
import type { DeepReadonly } from "./types.js";

/** A stored object, deep-frozen. */
export type Frozen = DeepReadonly<StoredObject>;

/** One stored object's slot: a new version replaces `object`, the cell stays. */
export interface Cell {
  readonly namespace: string;
  readonly name: string;
  object: Frozen;
  /** Where the status comes from, once a controller derives it (status-source.ts). */
  source?: StatusSource;
  /** Whether `source` has moved since `object.status` was built. */
  stale?: boolean;
}

/** The objects of one kind. */
export interface KindTable {
  /** namespace ("" for cluster-scoped kinds) → name → cell: lookups without building keys. */
  cells: Map<string, Map<string, Cell>>;
  size: number;
  /** Cells whose status is stale. */
  stale: number;
  /** Cells in list order; dropped when an object is created or deleted. */
  sortedCells?: Cell[];
  /** Objects in list order; dropped on any write of this kind. */
  listCache?: readonly Frozen[];
}

export function newTable(): KindTable {
  return { cells: new Map(), size: 0, stale: 0 };
}

export function compareCells(a: Cell, b: Cell): number {
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The fields `apply` and `update` compare: everything but status and store-managed metadata. */
export function desiredContent(object: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const metadata = (object.metadata ?? {}) as Readonly<Record<string, unknown>>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(object)) {
    if (key !== "metadata" && key !== "status") out[key] = object[key];
  }
  out.labels = metadata.labels ?? {};
  out.annotations = metadata.annotations ?? {};
  out.managedFields = metadata.managedFields ?? [];
  return out;
}

/** A deterministic uid shaped like a UUID (version 4 layout) from a counter: no randomness, no clock. */
export function uidFor(counter: number): string {
  const hex = counter.toString(16).padStart(12, "0");
  return `00000000-0000-4000-8000-${hex}`;
}

/** Adds a cell for `object` under (`namespace`, `name`); false when the table already has one there. */
export function addCell(table: KindTable, namespace: string, name: string, object: Frozen): boolean {
  let byName = table.cells.get(namespace);
  if (byName === undefined) table.cells.set(namespace, (byName = new Map()));
  if (byName.has(name)) return false;
  byName.set(name, { namespace, name, object });
  table.size++;
  table.sortedCells = undefined;
  table.listCache = undefined;
  return true;
}
