/**
 * The in-memory observable resource store (api.md §1, §4): what the apiserver + etcd are to
 * Kubernetes. Objects are cloned and deep-frozen once on write and handed out as they are;
 * `get` is a map lookup, `list` is cached per kind until the next write of that kind, and no
 * single write does work proportional to the number of objects.
 */
import { Observable, Subject, filter } from "rxjs";
import {
  DEFAULT_NAMESPACE,
  NAMESPACED_KINDS,
  type Kind,
  type KindMap,
  type ManifestObject,
  type StoredObject,
} from "../api/types.js";
import { formatSimTime } from "../api/duration.js";
import { AlreadyExistsError, ConflictError, InvalidObjectError, NotFoundError } from "./errors.js";
import { cloneData, deepEqual, deepFreeze } from "./immutable.js";
import { matchesLabelSelector, parseLabelSelector } from "./label-selector.js";
import type { ApplyOutcome, DeepReadonly, ListOptions, ResourceStore, WatchEvent } from "./types.js";

/** The kinds the store holds, in the order snapshots list them. */
export const STORE_KINDS: readonly Kind[] = ["GuestOSProfile", "Host", "VirtualMachine", "Event"];

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Current simulated seconds, for `creationTimestamp` (default: always 0). */
  now?: () => number;
}

/** Everything the store holds, JSON-serialisable (part of the engine snapshot). */
export interface StoreSnapshot {
  /** The last resourceVersion handed out. */
  resourceVersion: number;
  /** How many uids have been handed out. */
  uidCounter: number;
  /** Every object, kinds in {@link STORE_KINDS} order, then namespace and name. */
  objects: StoredObject[];
}

type Frozen = DeepReadonly<StoredObject>;

interface KindTable {
  objects: Map<string, Frozen>;
  /** Keys in list order; dropped when an object is created or deleted. */
  sortedKeys?: string[];
  /** Objects in list order; dropped on any write of this kind. */
  listCache?: readonly Frozen[];
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The fields `apply` and `update` compare: everything but status and store-managed metadata. */
function desiredContent(object: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const metadata = (object.metadata ?? {}) as Readonly<Record<string, unknown>>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(object)) {
    if (key !== "metadata" && key !== "status") out[key] = object[key];
  }
  out.labels = metadata.labels ?? {};
  out.annotations = metadata.annotations ?? {};
  return out;
}

/** A deterministic uid shaped like a UUID (version 4 layout) from a counter: no randomness, no clock. */
function uidFor(counter: number): string {
  const hex = counter.toString(16).padStart(12, "0");
  return `00000000-0000-4000-8000-${hex}`;
}

/** The in-memory {@link ResourceStore}, with snapshot/restore for engine snapshots. */
export class MemoryStore implements ResourceStore {
  readonly #tables = new Map<Kind, KindTable>();
  readonly #changes = new Subject<WatchEvent>();
  readonly #now: () => number;
  #resourceVersion = 0;
  #uidCounter = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.#now = options.now ?? (() => 0);
    for (const kind of STORE_KINDS) this.#tables.set(kind, { objects: new Map() });
  }

  /** The namespace an object of this kind lives in: `default` when absent for namespaced kinds, none otherwise. */
  static namespaceFor(kind: Kind, namespace: string | undefined): string | undefined {
    return NAMESPACED_KINDS.has(kind) ? namespace || DEFAULT_NAMESPACE : undefined;
  }

  /** The last resourceVersion handed out (a global counter bumped by every write). */
  get resourceVersion(): number {
    return this.#resourceVersion;
  }

  get<K extends Kind>(kind: K, name: string, namespace?: string): DeepReadonly<KindMap[K]> | undefined {
    const table = this.#tables.get(kind);
    if (table === undefined) return undefined;
    return table.objects.get(this.#key(kind, name, namespace)) as DeepReadonly<KindMap[K]> | undefined;
  }

  list<K extends Kind>(kind: K, options: ListOptions = {}): readonly DeepReadonly<KindMap[K]>[] {
    const table = this.#table(kind);
    let items = this.#listAll(table);
    if (options.namespace !== undefined && NAMESPACED_KINDS.has(kind)) {
      const ns = options.namespace;
      items = items.filter((o) => o.metadata.namespace === ns);
    }
    if (options.labelSelector !== undefined && options.labelSelector.trim() !== "") {
      const selector = parseLabelSelector(options.labelSelector);
      items = items.filter((o) => matchesLabelSelector(selector, o.metadata.labels));
    }
    return items as readonly DeepReadonly<KindMap[K]>[];
  }

  /** How many objects of a kind the store holds (O(1)). */
  count(kind: Kind): number {
    return this.#table(kind).objects.size;
  }

  watch<K extends Kind>(kind?: K): Observable<WatchEvent<K>> {
    const all = this.#changes.asObservable();
    return (kind === undefined ? all : all.pipe(filter((e) => e.object.kind === kind))) as Observable<WatchEvent<K>>;
  }

  create<K extends Kind>(object: KindMap[K]): DeepReadonly<KindMap[K]> {
    const kind = this.#checkKind(object);
    const copy = cloneData(object) as StoredObject;
    const metadata = copy.metadata;
    const namespace = MemoryStore.namespaceFor(kind, metadata.namespace);
    const key = this.#key(kind, metadata.name, namespace);
    const table = this.#table(kind);
    if (table.objects.has(key)) throw new AlreadyExistsError(kind, metadata.name, namespace);
    const stored = deepFreeze({
      ...copy,
      metadata: this.#metadata(copy, {
        namespace,
        uid: uidFor(++this.#uidCounter),
        generation: 1,
        resourceVersion: String(++this.#resourceVersion),
        creationTimestamp: formatSimTime(this.#now()),
      }),
    }) as Frozen;
    table.objects.set(key, stored);
    table.sortedKeys = undefined;
    table.listCache = undefined;
    this.#changes.next({ type: "ADDED", object: stored });
    return stored as DeepReadonly<KindMap[K]>;
  }

  update<K extends Kind>(object: KindMap[K]): DeepReadonly<KindMap[K]> {
    const kind = this.#checkKind(object);
    const namespace = MemoryStore.namespaceFor(kind, object.metadata.namespace);
    const key = this.#key(kind, object.metadata.name, namespace);
    const table = this.#table(kind);
    const current = table.objects.get(key);
    if (current === undefined) throw new NotFoundError(kind, object.metadata.name, namespace);
    const expected = object.metadata.resourceVersion;
    if (expected !== undefined && expected !== current.metadata.resourceVersion) {
      throw new ConflictError(kind, object.metadata.name, namespace, expected, current.metadata.resourceVersion!);
    }
    if (deepEqual(desiredContent(current as Readonly<Record<string, unknown>>), desiredContent(object as unknown as Record<string, unknown>))) {
      return current as DeepReadonly<KindMap[K]>;
    }
    const copy = cloneData(object) as StoredObject;
    const next: Record<string, unknown> = { ...copy };
    delete next.status;
    const currentStatus = (current as { status?: unknown }).status;
    if (currentStatus !== undefined) next.status = currentStatus;
    next.metadata = this.#metadata(copy, {
      namespace,
      uid: current.metadata.uid,
      generation: (current.metadata.generation ?? 0) + 1,
      resourceVersion: String(++this.#resourceVersion),
      creationTimestamp: current.metadata.creationTimestamp,
    });
    return this.#replace(table, key, deepFreeze(next) as Frozen) as DeepReadonly<KindMap[K]>;
  }

  updateStatus<K extends Kind>(
    kind: K,
    name: string,
    namespace: string | undefined,
    status: KindMap[K] extends { status?: infer S } ? S : never,
    options: { resourceVersion?: string } = {},
  ): DeepReadonly<KindMap[K]> {
    const table = this.#table(kind);
    const ns = MemoryStore.namespaceFor(kind, namespace);
    const key = this.#key(kind, name, ns);
    const current = table.objects.get(key);
    if (current === undefined) throw new NotFoundError(kind, name, ns);
    if (options.resourceVersion !== undefined && options.resourceVersion !== current.metadata.resourceVersion) {
      throw new ConflictError(kind, name, ns, options.resourceVersion, current.metadata.resourceVersion!);
    }
    const currentStatus = (current as { status?: unknown }).status;
    if (deepEqual(currentStatus, status)) return current as DeepReadonly<KindMap[K]>;
    const next = {
      ...current,
      metadata: { ...current.metadata, resourceVersion: String(++this.#resourceVersion) },
      status: deepFreeze(cloneData(status)),
    };
    return this.#replace(table, key, deepFreeze(next) as Frozen) as DeepReadonly<KindMap[K]>;
  }

  delete(kind: Kind, name: string, namespace?: string): boolean {
    const table = this.#tables.get(kind);
    if (table === undefined) return false;
    const key = this.#key(kind, name, namespace);
    const current = table.objects.get(key);
    if (current === undefined) return false;
    table.objects.delete(key);
    table.sortedKeys = undefined;
    table.listCache = undefined;
    ++this.#resourceVersion;
    this.#changes.next({ type: "DELETED", object: current });
    return true;
  }

  apply(objects: readonly ManifestObject[]): ApplyOutcome[] {
    return objects.map((object) => {
      const kind = this.#checkKind(object);
      const namespace = MemoryStore.namespaceFor(kind, object.metadata.namespace);
      const outcome = (result: ApplyOutcome["result"]): ApplyOutcome =>
        namespace === undefined
          ? { kind: object.kind, name: object.metadata.name, result }
          : { kind: object.kind, namespace, name: object.metadata.name, result };
      const current = this.get(kind, object.metadata.name, namespace);
      // apply ignores the caller's resourceVersion and status, as `kubectl apply` does
      const desired = { ...object, metadata: { ...object.metadata, resourceVersion: undefined } } as ManifestObject;
      if (current === undefined) {
        this.create(desired);
        return outcome("created");
      }
      const before = current.metadata.resourceVersion;
      const after = this.update(desired).metadata.resourceVersion;
      return outcome(before === after ? "unchanged" : "configured");
    });
  }

  /** A JSON-serialisable copy of every object and counter. */
  snapshot(): StoreSnapshot {
    const objects: StoredObject[] = [];
    for (const kind of STORE_KINDS) {
      for (const o of this.#listAll(this.#table(kind))) objects.push(o as StoredObject);
    }
    // frozen objects are safe to share with JSON.stringify; callers that mutate must clone
    return { resourceVersion: this.#resourceVersion, uidCounter: this.#uidCounter, objects };
  }

  /** Replaces everything with a snapshot from {@link MemoryStore.snapshot}; watchers see no events. */
  restore(snapshot: StoreSnapshot): void {
    if (snapshot === null || typeof snapshot !== "object" || !Array.isArray(snapshot.objects)) {
      throw new InvalidObjectError("a store snapshot needs an objects array");
    }
    // build the new tables first, so a bad snapshot leaves the store as it was
    const tables = new Map<Kind, KindTable>();
    for (const kind of STORE_KINDS) tables.set(kind, { objects: new Map() });
    for (const object of snapshot.objects) {
      const kind = this.#checkKind(object);
      const stored = deepFreeze(cloneData(object)) as Frozen;
      tables.get(kind)!.objects.set(this.#key(kind, stored.metadata.name, stored.metadata.namespace), stored);
    }
    for (const [kind, table] of tables) this.#tables.set(kind, table);
    this.#resourceVersion = snapshot.resourceVersion;
    this.#uidCounter = snapshot.uidCounter;
  }

  #replace(table: KindTable, key: string, next: Frozen): Frozen {
    table.objects.set(key, next);
    table.listCache = undefined;
    this.#changes.next({ type: "MODIFIED", object: next });
    return next;
  }

  #metadata(
    object: StoredObject,
    managed: { namespace?: string; uid?: string; generation: number; resourceVersion: string; creationTimestamp?: string },
  ): StoredObject["metadata"] {
    const { name, labels, annotations } = object.metadata;
    const metadata: StoredObject["metadata"] = { name };
    if (managed.namespace !== undefined) metadata.namespace = managed.namespace;
    if (labels !== undefined) metadata.labels = labels;
    if (annotations !== undefined) metadata.annotations = annotations;
    if (managed.uid !== undefined) metadata.uid = managed.uid;
    metadata.generation = managed.generation;
    metadata.resourceVersion = managed.resourceVersion;
    if (managed.creationTimestamp !== undefined) metadata.creationTimestamp = managed.creationTimestamp;
    return metadata;
  }

  #listAll(table: KindTable): readonly Frozen[] {
    if (table.listCache !== undefined) return table.listCache;
    if (table.sortedKeys === undefined) {
      table.sortedKeys = [...table.objects.keys()].sort(compareStrings);
    }
    const list = table.sortedKeys.map((k) => table.objects.get(k)!);
    table.listCache = Object.freeze(list);
    return table.listCache;
  }

  #key(kind: Kind, name: string, namespace: string | undefined): string {
    const ns = MemoryStore.namespaceFor(kind, namespace);
    // "\u0000" sorts before every name character, so keys order by namespace, then name
    return ns === undefined ? name : `${ns}\u0000${name}`;
  }

  #table(kind: Kind): KindTable {
    const table = this.#tables.get(kind);
    if (table === undefined) {
      throw new InvalidObjectError(`the store does not hold kind "${String(kind)}"; known kinds: ${STORE_KINDS.join(", ")}`);
    }
    return table;
  }

  #checkKind(object: { kind?: unknown; metadata?: { name?: unknown } }): Kind {
    const kind = object?.kind as Kind;
    this.#table(kind);
    const name = object.metadata?.name;
    if (typeof name !== "string" || name === "") {
      throw new InvalidObjectError(`a ${String(kind)} needs metadata.name`);
    }
    return kind;
  }
}
