/**
 * The observable resource store's interfaces (docs/manifests.md, docs/library.md). Controllers depend on the
 * narrowest one they need: {@link ResourceReader} to read, {@link StatusWriter} to report.
 */
import type { Observable } from "rxjs";
import type { Condition, Kind, KindMap, ManifestObject, ObjectKey } from "../api/types.js";

/** A deeply read-only view: objects handed out by the store cannot be mutated. */
export type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [P in keyof T]: DeepReadonly<T[P]> }
    : T;

/** Options for {@link ResourceReader.list}. */
export interface ListOptions {
  /** Only this namespace (namespaced kinds). Absent: all namespaces. */
  namespace?: string;
  /** kubectl label selector: `app=web,tier!=db,env in (a,b),!legacy,team`. */
  labelSelector?: string;
}

/** A change seen by a watcher. */
export interface WatchEvent<K extends Kind = Kind> {
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: DeepReadonly<KindMap[K]>;
}

/** Read access to the store. */
export interface ResourceReader {
  /** The object, or undefined when it does not exist. */
  get<K extends Kind>(kind: K, name: string, namespace?: string): DeepReadonly<KindMap[K]> | undefined;
  /** Objects of a kind in a stable order (namespace, then name). */
  list<K extends Kind>(kind: K, options?: ListOptions): readonly DeepReadonly<KindMap[K]>[];
}

/** The status write path: never bumps generation. */
export interface StatusWriter {
  /**
   * Replaces the object's status. With `resourceVersion`, fails with a ConflictError when the
   * stored object has moved on. Returns the stored object; writing an equal status is a no-op.
   */
  updateStatus<K extends Kind>(
    kind: K,
    name: string,
    namespace: string | undefined,
    status: KindMap[K] extends { status?: infer S } ? S : never,
    options?: { resourceVersion?: string },
  ): DeepReadonly<KindMap[K]>;
}

/** Result of applying one object, as kubectl prints it. */
export type ApplyResult = "created" | "configured" | "unchanged";

/** One line of an apply's outcome. */
export interface ApplyOutcome {
  kind: ObjectKey["kind"];
  namespace?: string;
  name: string;
  result: ApplyResult;
}

/** The full store: reads, watches, desired-state writes and status writes. */
export interface ResourceStore extends ResourceReader, StatusWriter {
  /** Changes to one kind (or all kinds) from now on. Each subscriber is isolated from others' errors. */
  watch<K extends Kind>(kind?: K): Observable<WatchEvent<K>>;
  /** Creates an object; fails with AlreadyExistsError. */
  create<K extends Kind>(object: KindMap[K]): DeepReadonly<KindMap[K]>;
  /**
   * Replaces spec, labels and annotations (status is ignored). With metadata.resourceVersion set,
   * fails with ConflictError when stale. Fails with NotFoundError when missing.
   */
  update<K extends Kind>(object: KindMap[K]): DeepReadonly<KindMap[K]>;
  /** Deletes an object; returns false when it did not exist. */
  delete(kind: Kind, name: string, namespace?: string): boolean;
  /** Creates or updates each (already validated and defaulted) object; reports created/configured/unchanged. */
  apply(objects: readonly ManifestObject[], options?: ApplyOptions): ApplyOutcome[];
}

/** Options of `apply`. */
export interface ApplyOptions {
  /**
   * The caller hands the objects over and never touches them again (e.g. just parsed from a
   * manifest): they are frozen in place instead of copied. Default false (copied).
   */
  adopt?: boolean;
}
