/**
 * Writes the engine's in-memory store through to etcd. The store stays the synchronous cache the
 * engine ticks on; every change it makes (an HTTP write, a tick's status and events) marks the
 * object's key dirty, and {@link EtcdWriteThrough.flush} writes the dirty keys as they are *now*
 * (the latest version, or a delete when the object is gone), so an object changed twice between
 * flushes costs one put. The puts go in transactions of at most `maxOpsPerTxn` operations
 * (etcd's `--max-txn-ops`, 128 by default) and of at most 1 MiB of values (under its
 * `--max-request-bytes`), each guarded by comparing every key's mod revision
 * with the one this writer last saw: a key someone else changed fails the transaction
 * ({@link EtcdConflictError}) instead of being overwritten. After each commit the objects are
 * restamped in the cache with the transaction's revision, so `resourceVersion` is etcd's mod
 * revision everywhere. Flushes run one at a time, in order.
 */
import type { EtcdConnection } from "./connection.js";
import type { Subscription } from "rxjs";
import type { Kind } from "../api/types.js";
import { STORE_KINDS, type MemoryStore } from "../store/memory-store.js";
import { encodeObject, type KeyLayout, type ObjectIdent } from "./keys.js";
import { MAX_REQUEST_VALUE_BYTES } from "./ranges.js";

/** etcd's default `--max-txn-ops`: operations per list (compares, then-ops) of one transaction. */
export const DEFAULT_MAX_TXN_OPS = 128;

/** A key changed in etcd by another writer since this one last wrote or read it. */
export class EtcdConflictError extends Error {
  constructor(readonly key: string) {
    super(`${key} was changed in etcd by another writer (is a second memplane serve using the same --etcd-prefix?); nothing of this transaction was written`);
    this.name = "EtcdConflictError";
  }
}

/** What one flush wrote. */
export interface FlushResult {
  /** Objects put or deleted. */
  writes: number;
  /** Transactions committed. */
  transactions: number;
  /** The revision of the last commit (unchanged when nothing was dirty). */
  revision: number;
}

/** Keeps etcd in step with a {@link MemoryStore}; call {@link EtcdWriteThrough.close} when done. */
export class EtcdWriteThrough {
  #dirty = new Map<string, ObjectIdent>();
  /** key → the mod revision this writer last saw (0: absent). */
  readonly #modRevisions = new Map<string, number>();
  #queue: Promise<unknown> = Promise.resolve();
  #revision: number;
  readonly #subscription: Subscription;

  constructor(
    private readonly etcd: EtcdConnection,
    private readonly store: MemoryStore,
    private readonly keys: KeyLayout,
    options: { revision: number; modRevisions: ReadonlyMap<string, number>; maxOpsPerTxn?: number },
  ) {
    this.#revision = options.revision;
    for (const [key, rev] of options.modRevisions) this.#modRevisions.set(key, rev);
    this.maxOpsPerTxn = options.maxOpsPerTxn ?? DEFAULT_MAX_TXN_OPS;
    if (!Number.isSafeInteger(this.maxOpsPerTxn) || this.maxOpsPerTxn < 1) throw new RangeError(`maxOpsPerTxn must be a whole number ≥ 1, got ${this.maxOpsPerTxn}`);
    this.#subscription = store.watch().subscribe((event) => {
      const m = event.object.metadata;
      const ident: ObjectIdent = { kind: event.object.kind as Kind, name: m.name, namespace: m.namespace };
      this.#dirty.set(this.keys.keyOf(event.object), ident);
    });
  }

  /** Operations per transaction. */
  readonly maxOpsPerTxn: number;

  /** The revision of the last commit (or of the load). */
  get revision(): number {
    return this.#revision;
  }

  /** Takes note of a revision this writer made outside a flush (the checkpoint's put). */
  noteRevision(revision: number): void {
    if (revision > this.#revision) this.#revision = revision;
  }

  /** How many keys wait for the next flush. */
  get pending(): number {
    return this.#dirty.size;
  }

  /** Writes every dirty key; resolves once all of them are committed (after any flush already running). */
  flush(): Promise<FlushResult> {
    const run = this.#queue.then(() => this.#flushOnce());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Marks every object of the store dirty (a first start on an empty prefix writes the engine's objects). */
  markAll(): void {
    for (const kind of STORE_KINDS) {
      for (const o of this.store.list(kind)) this.#dirty.set(this.keys.keyOf(o), { kind, name: o.metadata.name, namespace: o.metadata.namespace });
    }
  }

  /** Stops marking keys dirty (a flush already queued still runs). */
  close(): void {
    this.#subscription.unsubscribe();
  }

  async #flushOnce(): Promise<FlushResult> {
    const batch = [...this.#dirty];
    this.#dirty = new Map();
    let transactions = 0;
    let done = 0;
    try {
      for (let i = 0; i < batch.length; i += this.maxOpsPerTxn) {
        transactions += await this.#commit(batch.slice(i, i + this.maxOpsPerTxn));
        done = i + this.maxOpsPerTxn;
      }
    } catch (err) {
      // what was not committed is dirty again (unless changed since: then it is already)
      for (const [key, ident] of batch.slice(done)) if (!this.#dirty.has(key)) this.#dirty.set(key, ident);
      throw err;
    }
    return { writes: batch.length, transactions, revision: this.#revision };
  }

  /** One transaction: every key compared with its last seen mod revision, then put or deleted. */
  async #commit(chunk: readonly [string, ObjectIdent][]): Promise<number> {
    const written = chunk.map(([key, ident]) => {
      const object = this.store.get(ident.kind, ident.name, ident.namespace);
      return { key, ident, object, version: object?.metadata.resourceVersion, value: object === undefined ? undefined : Buffer.from(encodeObject(object)) };
    });
    const bytes = written.reduce((sum, w) => sum + w.key.length + (w.value?.length ?? 0), 0);
    if (bytes > MAX_REQUEST_VALUE_BYTES && chunk.length > 1) {
      // under etcd's request size limit too: halves, each its own transaction
      const half = Math.ceil(chunk.length / 2);
      return (await this.#commit(chunk.slice(0, half))) + (await this.#commit(chunk.slice(half)));
    }
    const compare = written.map(({ key }) => ({ key: Buffer.from(key), target: "Mod" as const, result: "Equal" as const, mod_revision: String(this.#modRevisions.get(key) ?? 0) }));
    const success = written.map(({ key, value }) =>
      value === undefined ? { request_delete_range: { key: Buffer.from(key) } } : { request_put: { key: Buffer.from(key), value } },
    );
    let answer = await this.etcd.guard.call("commit a transaction", () => this.etcd.client.kv.txn({ compare, success, failure: [] }));
    if (!answer.succeeded) {
      // a transaction whose answer was lost (etcd went away after committing) left our own values: adopt their revisions and retry once
      const changed = await this.#adoptOwn(written);
      if (changed !== undefined) throw new EtcdConflictError(changed);
      compare.forEach((c) => (c.mod_revision = String(this.#modRevisions.get(c.key.toString()) ?? 0)));
      answer = await this.etcd.guard.call("commit a transaction", () => this.etcd.client.kv.txn({ compare, success, failure: [] }));
      if (!answer.succeeded) throw new EtcdConflictError(written[0]!.key);
    }
    const revision = Number(answer.header.revision);
    this.#revision = revision;
    for (const { key, ident, object, version } of written) {
      if (object === undefined) this.#modRevisions.delete(key);
      else {
        this.#modRevisions.set(key, revision);
        this.store.restamp(ident.kind, ident.name, ident.namespace, version!, revision);
      }
    }
    return 1;
  }

  /**
   * Reads each key: one that holds what this writer meant to write (or is absent where it meant to
   * delete) is adopted at its current mod revision; the first key that holds anything else is
   * returned (someone else changed it).
   */
  async #adoptOwn(intended: readonly { key: string; value?: Buffer }[]): Promise<string | undefined> {
    for (const { key, value } of intended) {
      const found = await this.etcd.guard.call("read a key", () => this.etcd.client.get(key).exec());
      const kv = found.kvs[0];
      const now = kv === undefined ? 0 : Number(kv.mod_revision);
      if (now === (this.#modRevisions.get(key) ?? 0)) continue;
      const ours = value === undefined ? kv === undefined : kv !== undefined && Buffer.compare(kv.value, value) === 0;
      if (!ours) return key;
      if (now === 0) this.#modRevisions.delete(key);
      else this.#modRevisions.set(key, now);
    }
    return undefined;
  }
}
