/**
 * Where memplane keeps things in etcd, under one prefix (`--etcd-prefix`, default `/memplane`):
 *
 * - `<prefix>/objects/<plural>/<namespace>/<name>`: one key per object of a namespaced kind,
 *   `<prefix>/objects/<plural>/-/<name>` for a cluster-scoped one (`-` is no DNS-1123 name, so
 *   it cannot collide with a namespace). The value is the object as JSON — spec and status —
 *   without `metadata.resourceVersion`: that is the key's mod revision, stamped on read.
 * - `<prefix>/engine/checkpoint`: names the generation of the engine checkpoint — the engine
 *   snapshot minus the store's objects (clock, random generator, manager, memory model) — whose
 *   parts of ≤ 1 MiB are `<prefix>/engine/checkpoint-parts/<generation>/<n>` (checkpoint.ts).
 *
 * etcd returns a prefix range in byte order, which is the store's list order (namespace, then
 * name). Per-host keys for sharded workers (issue 17) go beside these, under `<prefix>/hosts/`.
 */
import { KIND_INFO } from "../api/kinds.js";
import { NAMESPACED_KINDS, type Kind, type StoredObject } from "../api/types.js";
import { MemoryStore } from "../store/memory-store.js";

/** The segment that stands for "no namespace" in a cluster-scoped object's key. */
const CLUSTER_SCOPE = "-";

/** Which object a key names. */
export interface ObjectIdent {
  kind: Kind;
  name: string;
  namespace?: string;
}

/** The keys of one prefix. */
export class KeyLayout {
  readonly #byPlural = new Map<string, Kind>();

  /** `prefix` without a trailing slash (`/memplane`); validated by the caller. */
  constructor(readonly prefix: string) {
    for (const kind of Object.keys(KIND_INFO) as Kind[]) this.#byPlural.set(KIND_INFO[kind].plural, kind);
  }

  /** Every object key starts with this. */
  get objects(): string {
    return `${this.prefix}/objects/`;
  }

  /** The key of the engine checkpoint. */
  get checkpoint(): string {
    return `${this.prefix}/engine/checkpoint`;
  }

  /** The prefix of one generation's checkpoint parts. */
  checkpointParts(generation: number): string {
    return `${this.prefix}/engine/checkpoint-parts/${String(generation).padStart(12, "0")}/`;
  }

  /** The key of part `n` of a checkpoint generation (zero-padded: parts read back in byte order). */
  checkpointPart(generation: number, n: number): string {
    return `${this.checkpointParts(generation)}${String(n).padStart(6, "0")}`;
  }

  /** The prefix of one kind's keys, or of one namespace's objects of that kind. */
  kindPrefix(kind: Kind, namespace?: string): string {
    const base = `${this.objects}${KIND_INFO[kind].plural}/`;
    return namespace !== undefined && NAMESPACED_KINDS.has(kind) ? `${base}${namespace}/` : base;
  }

  /** The key of one object (a namespaced kind without a namespace is in `default`, as in the store). */
  objectKey(kind: Kind, name: string, namespace?: string): string {
    const ns = MemoryStore.namespaceFor(kind, namespace) ?? CLUSTER_SCOPE;
    return `${this.objects}${KIND_INFO[kind].plural}/${ns}/${name}`;
  }

  /** The key of a stored object. */
  keyOf(object: { kind: string; metadata: { name: string; namespace?: string } }): string {
    return this.objectKey(object.kind as Kind, object.metadata.name, object.metadata.namespace);
  }

  /** The object a key names, or undefined for a key that is not an object key of this layout. */
  parse(key: string): ObjectIdent | undefined {
    if (!key.startsWith(this.objects)) return undefined;
    const parts = key.slice(this.objects.length).split("/");
    if (parts.length !== 3) return undefined;
    const kind = this.#byPlural.get(parts[0]!);
    if (kind === undefined) return undefined;
    return parts[1] === CLUSTER_SCOPE ? { kind, name: parts[2]! } : { kind, name: parts[2]!, namespace: parts[1]! };
  }
}

/** The value written for an object: its JSON without resourceVersion (etcd's mod revision is the version). */
export function encodeObject(object: unknown): string {
  const o = object as StoredObject;
  const { resourceVersion: _version, ...metadata } = o.metadata;
  return JSON.stringify({ ...o, metadata });
}

/** The object a value holds, stamped with the key's mod revision as its resourceVersion. */
export function decodeObject(value: Buffer | string, modRevision: string): StoredObject {
  const o = JSON.parse(value.toString()) as StoredObject;
  return { ...o, metadata: { ...o.metadata, resourceVersion: modRevision } } as StoredObject;
}
