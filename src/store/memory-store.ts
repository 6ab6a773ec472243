/**
 * The in-memory observable resource store (docs/manifests.md, docs/library.md): what the apiserver + etcd are to
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
  type StoredMeta,
  type StoredObject,
} from "../api/types.js";
import { formatTimestamp } from "../api/timestamps.js";
import { STORE_ORDER } from "../api/kinds.js";
import { AlreadyExistsError, ConflictError, InvalidObjectError, NotFoundError } from "./errors.js";
import { adoptFrozen, cloneFrozen, cloneFrozenSharing, deepEqual, freezeShallow } from "./immutable.js";
import { matchesLabelSelector, parseLabelSelector } from "./label-selector.js";
import { addCell, assemble, compareCells, desiredContent, newTable, tablesOf, uidCounterOf, uidFor, type Cell, type Frozen, type KindTable } from "./kind-table.js";
import { WatchCounts, type StatusSource } from "./status-source.js";
import type { ApplyOptions, ApplyOutcome, DeepReadonly, ListOptions, ResourceStore, WatchEvent } from "./types.js";

/** Every kind the store holds, in its order (from the kind registry; profiles first, events last). */
export const STORE_KINDS: readonly Kind[] = STORE_ORDER;

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Current simulated seconds, for `creationTimestamp` (default: always 0). */
  now?: () => number;
  /** The `creationTimestamp` text of simulated second `seconds` (default: RFC 3339 from the default epoch). */
  stamp?: (seconds: number) => string;
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

/** The in-memory {@link ResourceStore}, with snapshot/restore for engine snapshots. */
export class MemoryStore implements ResourceStore {
  readonly #tables = new Map<Kind, KindTable>();
  readonly #changes = new Subject<WatchEvent>();
  readonly #watches = new WatchCounts();
  readonly #now: () => number;
  readonly #stamp: (seconds: number) => string;
  /** Inside `apply(objects, { adopt: true })`: the objects are the store's to freeze in place. */
  #adopting = false;
  #resourceVersion = 0;
  #onStale: ((kind: Kind, namespace: string, name: string, source: StatusSource) => void) | undefined;
  #uidCounter = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.#now = options.now ?? (() => 0);
    this.#stamp = options.stamp ?? ((seconds) => formatTimestamp(seconds));
    for (const kind of STORE_KINDS) this.#tables.set(kind, newTable());
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
    const cell = this.#cell(table, kind, name, namespace);
    if (cell?.stale === true) this.#build(table, cell);
    return cell?.object as DeepReadonly<KindMap[K]> | undefined;
  }

  /**
   * The stored object as it is, without building a stale status (status-source.ts): for the
   * engine's own reads of metadata and spec (the model's sync, the controllers' object lists).
   */
  peek<K extends Kind>(kind: K, name: string, namespace?: string): DeepReadonly<KindMap[K]> | undefined {
    const table = this.#tables.get(kind);
    return table === undefined ? undefined : (this.#cell(table, kind, name, namespace)?.object as DeepReadonly<KindMap[K]> | undefined);
  }

  /** {@link list} without building stale statuses (see {@link peek}). */
  peekList<K extends Kind>(kind: K, options: ListOptions = {}): readonly DeepReadonly<KindMap[K]>[] {
    return this.#list(kind, this.#listAll(this.#table(kind)), options);
  }

  list<K extends Kind>(kind: K, options: ListOptions = {}): readonly DeepReadonly<KindMap[K]>[] {
    const table = this.#table(kind);
    return this.#list(kind, this.#listBuilt(table), options);
  }

  #list<K extends Kind>(kind: K, all: readonly Frozen[], options: ListOptions): readonly DeepReadonly<KindMap[K]>[] {
    let items = all;
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
    return this.#table(kind).size;
  }

  /**
   * Changes of one kind (or every kind). Opening a watch builds the stale statuses of its kind
   * (the watcher sees them as changes), and while it is open they are built once per tick
   * ({@link settleWatched}), so watchers see every tick's status changes.
   */
  watch<K extends Kind>(kind?: K): Observable<WatchEvent<K>> {
    const all = this.#changes.asObservable();
    const changes = (kind === undefined ? all : all.pipe(filter((e) => e.object.kind === kind))) as Observable<WatchEvent<K>>;
    const key = kind ?? "*";
    return new Observable<WatchEvent<K>>((subscriber) => {
      this.#watches.add(key, 1);
      const subscription = changes.subscribe(subscriber);
      for (const [k, table] of this.#tables) if (table.stale > 0 && (kind === undefined || k === kind)) this.#listBuilt(table);
      return () => {
        subscription.unsubscribe();
        this.#watches.add(key, -1);
      };
    });
  }

  /** Every change as it is made, not counted as a watch (for listeners like a watch history: no status is built for them). */
  changes(): Observable<WatchEvent> {
    return this.#changes.asObservable();
  }

  /**
   * Marks an object's status stale: `source` builds it when the object is next observed. The
   * source stays the object's (a status written later is passed through it too).
   */
  deferStatus(kind: Kind, name: string, namespace: string | undefined, source: StatusSource): void {
    const table = this.#table(kind);
    const cell = this.#cell(table, kind, name, namespace);
    if (cell === undefined) throw new NotFoundError(kind, name, MemoryStore.namespaceFor(kind, namespace));
    this.#onStale?.(kind, cell.namespace, name, source);
    cell.source = source;
    if (cell.stale !== true) {
      cell.stale = true;
      table.stale++;
    }
  }

  /** Calls `listener` on every {@link deferStatus} (a shard tells the main thread which statuses moved: composition/shards/). */
  onDeferStatus(listener: ((kind: Kind, namespace: string, name: string, source: StatusSource) => void) | undefined): void {
    this.#onStale = listener;
  }

  /** Holds a copy of another store's object as it is there (metadata, counters caught up: a snapshot must restore), with no event (a shard's replica); a status derived here is kept. */
  replicate(object: StoredObject): void {
    const kind = this.#checkKind(object);
    const table = this.#table(kind);
    const namespace = MemoryStore.namespaceFor(kind, object.metadata.namespace);
    const cell = this.#cell(table, kind, object.metadata.name, namespace);
    this.#resourceVersion = Math.max(this.#resourceVersion, Number(object.metadata.resourceVersion ?? 0));
    this.#uidCounter = Math.max(this.#uidCounter, uidCounterOf(object.metadata.uid ?? "") ?? 0);
    if (cell === undefined) {
      addCell(table, namespace ?? "", object.metadata.name, adoptFrozen(object) as Frozen);
      table.sortedCells = undefined;
    } else {
      const kept = cell.source === undefined ? object : ({ ...object, status: (cell.object as { status?: unknown }).status } as StoredObject);
      cell.object = adoptFrozen(kept) as Frozen;
    }
    table.listCache = undefined;
  }

  /** Builds the stale statuses of every kind with an open watch (in store order), once per tick. */
  settleWatched(): void {
    for (const [kind, table] of this.#tables) if (table.stale > 0 && this.#watches.watched(kind)) this.#listBuilt(table);
  }

  create<K extends Kind>(object: KindMap[K]): DeepReadonly<KindMap[K]> {
    const kind = this.#checkKind(object);
    const name = object.metadata.name;
    const namespace = MemoryStore.namespaceFor(kind, object.metadata.namespace);
    const table = this.#table(kind);
    if (this.#cell(table, kind, name, namespace) !== undefined) throw new AlreadyExistsError(kind, name, namespace);
    const stored = assemble(this.#adopting ? adoptFrozen : cloneFrozen, object, {
      namespace,
      uid: uidFor(++this.#uidCounter),
      generation: 1,
      resourceVersion: String(++this.#resourceVersion),
      creationTimestamp: this.#stamp(this.#now()),
    });
    addCell(table, namespace ?? "", name, stored);
    this.#emit("ADDED", stored);
    return stored as DeepReadonly<KindMap[K]>;
  }

  update<K extends Kind>(object: KindMap[K]): DeepReadonly<KindMap[K]> {
    const kind = this.#checkKind(object);
    const namespace = MemoryStore.namespaceFor(kind, object.metadata.namespace);
    const table = this.#table(kind);
    const cell = this.#cell(table, kind, object.metadata.name, namespace);
    if (cell === undefined) throw new NotFoundError(kind, object.metadata.name, namespace);
    const current = cell.object;
    const expected = object.metadata.resourceVersion;
    if (expected !== undefined && expected !== current.metadata.resourceVersion) {
      throw new ConflictError(kind, object.metadata.name, namespace, expected, current.metadata.resourceVersion!);
    }
    // field ownership (server-side apply) stays unless the write brings its own
    const given = (object.metadata as StoredMeta).managedFields;
    const managedFields = given ?? ((current.metadata as DeepReadonly<StoredMeta>).managedFields as StoredMeta["managedFields"]);
    if (managedFields !== given) object = { ...object, metadata: { ...object.metadata, managedFields } as StoredMeta };
    if (deepEqual(desiredContent(current as Readonly<Record<string, unknown>>), desiredContent(object as unknown as Record<string, unknown>))) {
      return current as DeepReadonly<KindMap[K]>;
    }
    const next = assemble(this.#adopting ? adoptFrozen : cloneFrozen, 
      object,
      {
        namespace,
        uid: current.metadata.uid,
        generation: (current.metadata.generation ?? 0) + 1,
        resourceVersion: String(++this.#resourceVersion),
        creationTimestamp: current.metadata.creationTimestamp,
      },
      (current as { status?: unknown }).status,
    );
    return this.#replace(table, cell, next) as DeepReadonly<KindMap[K]>;
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
    const cell = this.#cell(table, kind, name, ns);
    if (cell === undefined) throw new NotFoundError(kind, name, ns);
    const current = cell.object;
    if (options.resourceVersion !== undefined && options.resourceVersion !== current.metadata.resourceVersion) {
      throw new ConflictError(kind, name, ns, options.resourceVersion, current.metadata.resourceVersion!);
    }
    const currentStatus = (current as { status?: unknown }).status;
    // a derived status stays derived: the source's fields are laid over what is written
    if (cell.stale === true) {
      cell.stale = false;
      table.stale--;
    }
    const written = cell.source === undefined ? status : cell.source.statusOf(status);
    // structural sharing: only metadata and the changed parts of status are new
    const nextStatus = cloneFrozenSharing(written, currentStatus);
    if (nextStatus === currentStatus) return current as DeepReadonly<KindMap[K]>;
    const next = freezeShallow({
      ...current,
      metadata: freezeShallow({ ...current.metadata, resourceVersion: String(++this.#resourceVersion) }),
      status: nextStatus,
    }) as Frozen;
    return this.#replace(table, cell, next) as DeepReadonly<KindMap[K]>;
  }

  delete(kind: Kind, name: string, namespace?: string): boolean {
    const table = this.#tables.get(kind);
    if (table === undefined) return false;
    const cell = this.#cell(table, kind, name, namespace);
    if (cell === undefined) return false;
    const byName = table.cells.get(cell.namespace)!;
    byName.delete(name);
    if (byName.size === 0) table.cells.delete(cell.namespace);
    table.size--;
    if (cell.stale === true) {
      table.stale--;
      cell.stale = false; // a build under way (a watcher deleting it) skips it
    }
    table.sortedCells = undefined;
    table.listCache = undefined;
    const resourceVersion = String(++this.#resourceVersion);
    // as in Kubernetes, a DELETED event carries the deletion's resourceVersion, so a watcher resuming from it misses nothing
    if (this.#changes.observed) {
      const gone = cell.object;
      this.#emit("DELETED", freezeShallow({ ...gone, metadata: freezeShallow({ ...gone.metadata, resourceVersion }) }) as Frozen);
    }
    return true;
  }

  /**
   * Gives the object at resourceVersion `from` the version `to`, with no watch event: for a
   * backend that hands out versions itself (etcd's mod revisions) and stamps what it committed.
   * False when the object has moved on or is gone. The counter never falls below `to` again.
   */
  restamp(kind: Kind, name: string, namespace: string | undefined, from: string, to: number): boolean {
    if (to > this.#resourceVersion) this.#resourceVersion = to;
    const table = this.#tables.get(kind);
    const cell = table === undefined ? undefined : this.#cell(table, kind, name, namespace);
    if (cell === undefined || cell.object.metadata.resourceVersion !== from) return false;
    cell.object = freezeShallow({ ...cell.object, metadata: freezeShallow({ ...cell.object.metadata, resourceVersion: String(to) }) }) as Frozen;
    table!.listCache = undefined;
    return true;
  }

  apply(objects: readonly ManifestObject[], options: ApplyOptions = {}): ApplyOutcome[] {
    for (const object of objects) this.#checkKind(object); // all-or-nothing for malformed input
    this.#adopting = options.adopt === true;
    try {
      return this.#applyEach(objects);
    } finally {
      this.#adopting = false;
    }
  }

  #applyEach(objects: readonly ManifestObject[]): ApplyOutcome[] {
    return objects.map((object) => {
      const kind = this.#checkKind(object);
      const namespace = MemoryStore.namespaceFor(kind, object.metadata.namespace);
      const outcome = (result: ApplyOutcome["result"]): ApplyOutcome =>
        namespace === undefined
          ? { kind: object.kind, name: object.metadata.name, result }
          : { kind: object.kind, namespace, name: object.metadata.name, result };
      const current = this.get(kind, object.metadata.name, namespace);
      // apply ignores the caller's resourceVersion and status, as `kubectl apply` does
      if (current === undefined) {
        this.create(object); // create takes no resourceVersion or status from the caller
        return outcome("created");
      }
      const desired =
        object.metadata.resourceVersion === undefined ? object : ({ ...object, metadata: { ...object.metadata, resourceVersion: undefined } } as ManifestObject);
      const before = current.metadata.resourceVersion;
      const after = this.update(desired).metadata.resourceVersion;
      return outcome(before === after ? "unchanged" : "configured");
    });
  }

  /** A JSON-serialisable copy of every object and counter (stale statuses built first, unless `buildStatuses` is false: then as last built). */
  snapshot(buildStatuses = true): StoreSnapshot {
    const objects: StoredObject[] = [];
    for (const kind of STORE_KINDS) {
      const table = this.#table(kind);
      for (const o of buildStatuses ? this.#listBuilt(table) : this.#listAll(table)) objects.push(o as StoredObject);
    }
    // frozen objects are safe to share with JSON.stringify; callers that mutate must clone
    return { resourceVersion: this.#resourceVersion, uidCounter: this.#uidCounter, objects };
  }

  /** Replaces everything with a snapshot from {@link MemoryStore.snapshot}; watchers see no events. */
  restore(snapshot: StoreSnapshot): void {
    this.prepareRestore(snapshot)();
  }

  /**
   * Builds the tables of a snapshot without touching the store, and returns the function that
   * swaps them in (which cannot fail). Throws InvalidObjectError for a snapshot it cannot hold
   * (no objects list, an unknown kind, a missing name, the same object twice, bad counters);
   * checking what the objects say is the engine's job (engine/snapshot-check.ts).
   */
  prepareRestore(snapshot: StoreSnapshot): () => void {
    if (snapshot === null || typeof snapshot !== "object" || !Array.isArray(snapshot.objects)) {
      throw new InvalidObjectError("a store snapshot needs an objects array");
    }
    const { resourceVersion, uidCounter } = snapshot;
    if (!Number.isSafeInteger(resourceVersion) || resourceVersion < 0 || !Number.isSafeInteger(uidCounter) || uidCounter < 0) {
      throw new InvalidObjectError("a store snapshot needs whole resourceVersion and uidCounter numbers ≥ 0");
    }
    const tables = tablesOf(snapshot.objects, STORE_KINDS, (o) => this.#checkKind(o), MemoryStore.namespaceFor);
    return () => {
      for (const [kind, table] of tables) this.#tables.set(kind, table);
      this.#resourceVersion = resourceVersion;
      this.#uidCounter = uidCounter;
    };
  }

  #replace(table: KindTable, cell: Cell, next: Frozen): Frozen {
    cell.object = next;
    table.listCache = undefined;
    this.#emit("MODIFIED", next);
    return next;
  }

  #emit(type: WatchEvent["type"], object: Frozen): void {
    if (this.#changes.observed) this.#changes.next({ type, object });
  }

  /** Builds a stale cell's status (a new version only when the status moved). */
  #build(table: KindTable, cell: Cell): void {
    cell.stale = false;
    table.stale--;
    const current = cell.object;
    const currentStatus = (current as { status?: unknown }).status;
    const nextStatus = cloneFrozenSharing(cell.source!.statusOf(currentStatus), currentStatus);
    if (nextStatus === currentStatus) return;
    const metadata = freezeShallow({ ...current.metadata, resourceVersion: String(++this.#resourceVersion) });
    this.#replace(table, cell, freezeShallow({ ...current, metadata, status: nextStatus }) as Frozen);
  }

  /** Every object of a kind in list order, stale statuses built first. */
  #listBuilt(table: KindTable): readonly Frozen[] {
    if (table.stale > 0) {
      this.#listAll(table);
      for (const cell of table.sortedCells!) if (cell.stale === true) this.#build(table, cell);
    }
    return this.#listAll(table);
  }

  #listAll(table: KindTable): readonly Frozen[] {
    if (table.listCache !== undefined) return table.listCache;
    if (table.sortedCells === undefined) {
      const cells: Cell[] = [];
      for (const byName of table.cells.values()) for (const cell of byName.values()) cells.push(cell);
      table.sortedCells = cells.sort(compareCells);
    }
    const cells = table.sortedCells;
    const list = new Array<Frozen>(cells.length);
    for (let i = 0; i < cells.length; i++) list[i] = cells[i]!.object;
    table.listCache = Object.freeze(list);
    return table.listCache;
  }

  #cell(table: KindTable, kind: Kind, name: string, namespace: string | undefined): Cell | undefined {
    const ns = NAMESPACED_KINDS.has(kind) ? namespace || DEFAULT_NAMESPACE : "";
    return table.cells.get(ns)?.get(name);
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
