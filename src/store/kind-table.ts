/**
 * The parts of the in-memory store's tables (memory-store.ts): a cell per object, a table per
 * kind, and the pure helpers the store's writes use.
 */
import type { Kind, StoredMeta, StoredObject } from "../api/types.js";
import { InvalidObjectError } from "./errors.js";
import { cloneFrozen, freezeShallow } from "./immutable.js";
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

/** The counter a uid of {@link uidFor}'s form was made from, or undefined for any other uid. */
export function uidCounterOf(uid: string): number | undefined {
  const m = /^00000000-0000-4000-8000-([0-9a-f]{12})$/.exec(uid);
  return m === null ? undefined : Number.parseInt(m[1]!, 16);
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

/**
 * The tables of a store snapshot's objects, one per kind of `kinds`: `kindOf` checks an object
 * (throwing for one the store cannot hold); the same object twice is an InvalidObjectError.
 */
export function tablesOf(
  objects: readonly StoredObject[],
  kinds: readonly Kind[],
  kindOf: (object: StoredObject) => Kind,
  namespaceFor: (kind: Kind, namespace: string | undefined) => string | undefined,
): Map<Kind, KindTable> {
  const tables = new Map<Kind, KindTable>();
  for (const kind of kinds) tables.set(kind, newTable());
  for (const object of objects) {
    const kind = kindOf(object);
    const stored = cloneFrozen(object) as Frozen;
    const table = tables.get(kind)!;
    const nsKey = namespaceFor(kind, stored.metadata.namespace) ?? "";
    if (!addCell(table, nsKey, stored.metadata.name, stored)) throw new InvalidObjectError(`a store snapshot holds ${kind} "${stored.metadata.name}" twice`);
  }
  return tables;
}

/**
 * A new frozen version of an object: its content copied with `copy` (a deep clone, or adoption of
 * freshly parsed objects), store-managed metadata set, status kept.
 */
export function assemble(
  copy: <T>(value: T) => T,
  object: StoredObject,
  managed: { namespace?: string; uid?: string; generation: number; resourceVersion: string; creationTimestamp?: string },
  status?: unknown,
): Frozen {
  const out: Record<string, unknown> = {};
  const source = object as unknown as Record<string, unknown>;
  for (const key in source) {
    if (key === "metadata" || key === "status" || !Object.prototype.hasOwnProperty.call(source, key)) continue;
    if (source[key] !== undefined) out[key] = copy(source[key]);
  }
  const { name, labels, annotations, managedFields } = object.metadata as StoredMeta;
  const metadata: StoredMeta = { name };
  if (managed.namespace !== undefined) metadata.namespace = managed.namespace;
  if (labels !== undefined) metadata.labels = copy(labels);
  if (annotations !== undefined) metadata.annotations = copy(annotations);
  if (managed.uid !== undefined) metadata.uid = managed.uid;
  metadata.generation = managed.generation;
  metadata.resourceVersion = managed.resourceVersion;
  if (managed.creationTimestamp !== undefined) metadata.creationTimestamp = managed.creationTimestamp;
  if (managedFields !== undefined && managedFields.length > 0) metadata.managedFields = copy(managedFields);
  // keep the usual key order: apiVersion, kind, metadata, spec…, status
  const ordered: Record<string, unknown> = {};
  if ("apiVersion" in out) ordered.apiVersion = out.apiVersion;
  if ("kind" in out) ordered.kind = out.kind;
  ordered.metadata = freezeShallow(metadata);
  for (const key in out) if (key !== "apiVersion" && key !== "kind") ordered[key] = out[key];
  if (status !== undefined) ordered.status = status;
  return freezeShallow(ordered) as Frozen;
}
