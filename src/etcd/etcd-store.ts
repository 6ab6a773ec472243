/**
 * The etcd store backend of `memplane serve --store etcd://…` (docs/scale-out.md). The engine
 * ticks on its in-memory store as always; this backend loads it from etcd at start, writes its
 * changes through ({@link EtcdWriteThrough}) — at once for an API write, which is acknowledged
 * only after its transaction commits, and every `statusPeriodMs` for what the ticks wrote
 * (status and events) — checkpoints the engine every `checkpointPeriodMs`, and serves lists and
 * watches from etcd itself, so `resourceVersion` is etcd's mod revision and a watch resumes from
 * any revision etcd has not compacted. Every etcd call goes through the connection's guard: while
 * etcd is down, calls fail at once with EtcdUnavailableError (HTTP 503) and the guard reconnects
 * with back-off; what was not committed stays pending and goes with the next commit.
 */
import type { IKeyValue } from "etcd3";
import type { Kind, StoredObject } from "../api/types.js";
import type { Engine } from "../engine/engine.js";
import { storeOf } from "../engine/apply-validated.js";
import { checkpointOf, loadFromEtcd, restoreFromEtcd, writeCheckpoint, type LoadedState } from "./checkpoint.js";
import { rangePrefix, type EtcdCall } from "./ranges.js";
import type { EtcdConnection } from "./connection.js";
import { DEFAULT_ETCD_PREFIX, etcdTarget } from "./options.js";
import { connectionProblem } from "./errors.js";
import { KeyLayout, decodeObject } from "./keys.js";
import { EtcdWriteThrough, type FlushResult } from "./write-through.js";

/** Default real milliseconds between publications of tick-written status to etcd. */
export const DEFAULT_STATUS_PERIOD_MS = 1_000;
/**
 * After a crash, etcd may hold Events of ticks after the last checkpoint (published with their
 * status before the crash). The simulation goes on from the checkpoint and makes them again when
 * it runs those ticks, so they are deleted from etcd (and from what is loaded) first.
 */
async function dropEventsAfterCheckpoint(etcd: EtcdConnection, keys: KeyLayout, loaded: LoadedState): Promise<void> {
  const tick = loaded.checkpoint?.clock.tick;
  if (tick === undefined) return;
  const after = (o: StoredObject): boolean => o.kind === "Event" && typeof (o as { tick?: unknown }).tick === "number" && (o as unknown as { tick: number }).tick > tick;
  const gone = loaded.objects.filter(after).map((o) => keys.keyOf(o));
  if (gone.length === 0) return;
  for (let i = 0; i < gone.length; i += 100) {
    const batch = gone.slice(i, i + 100);
    await etcd.guard.call("delete Events after the checkpoint", async () => etcd.client.kv.txn({ compare: [], success: await Promise.all(batch.map((k) => etcd.client.delete().key(k).op())), failure: [] }));
  }
  loaded.objects = loaded.objects.filter((o) => !after(o));
  for (const k of gone) loaded.modRevisions.delete(k);
}

/** Default real milliseconds between engine checkpoints (when ticks ran). */
export const DEFAULT_CHECKPOINT_PERIOD_MS = 10_000;

/** Options of {@link EtcdStore.open}. */
export interface EtcdStoreOptions {
  /** Key prefix (default `/memplane`). */
  prefix?: string;
  /** Operations per transaction (default 128, etcd's `--max-txn-ops`). */
  maxOpsPerTxn?: number;
  /** Real ms between status publications (default 1 000). */
  statusPeriodMs?: number;
  /** Real ms between checkpoints (default 10 000). */
  checkpointPeriodMs?: number;
  /** Told about a periodic publication or checkpoint that failed (retried at the next period). */
  onError?: (message: string) => void;
}

/** A watch asked to resume from a revision etcd has compacted away. */
export class CompactedRevisionError extends Error {
  constructor(readonly resourceVersion: number) {
    super(`too old resource version: ${resourceVersion} (etcd has compacted its history past it)`);
    this.name = "CompactedRevisionError";
  }
}

/** One change a watch sees. */
export interface EtcdWatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: StoredObject;
}

/** An engine kept in etcd. */
export class EtcdStore {
  readonly #timers: NodeJS.Timeout[] = [];
  #checkpointedTick: number;
  /** The generation of the last checkpoint written (grows with every one). */
  #generation = 0;
  readonly #call: EtcdCall = (what, fn) => this.etcd.guard.call(what, fn);
  #closed?: Promise<void>;

  private constructor(
    private readonly etcd: EtcdConnection,
    private readonly engine: Engine,
    readonly keys: KeyLayout,
    private readonly writes: EtcdWriteThrough,
    options: EtcdStoreOptions,
  ) {
    this.#checkpointedTick = engine.tick;
    const onError = options.onError ?? (() => undefined);
    const every = (ms: number, job: () => Promise<unknown>, what: string): void => {
      let running = false;
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        job()
          .catch((err: unknown) => onError(`${what} failed (retrying in ${ms} ms): ${(err as Error).message}`))
          .finally(() => (running = false));
      }, ms);
      timer.unref();
      this.#timers.push(timer);
    };
    every(options.statusPeriodMs ?? DEFAULT_STATUS_PERIOD_MS, () => (this.writes.pending > 0 ? this.writes.flush() : Promise.resolve()), "publishing status to etcd");
    every(options.checkpointPeriodMs ?? DEFAULT_CHECKPOINT_PERIOD_MS, () => (this.engine.tick !== this.#checkpointedTick ? this.checkpoint() : Promise.resolve()), "checkpointing to etcd");
  }

  /**
   * Loads `engine` from etcd (the checkpoint and every object under the prefix) and starts
   * writing it through. On an empty prefix the engine stays as given and is written to etcd
   * first. The connection is the caller's to close.
   */
  static async open(etcd: EtcdConnection, engine: Engine, options: EtcdStoreOptions = {}): Promise<EtcdStore> {
    const keys = new KeyLayout(options.prefix ?? etcd.options.prefix ?? DEFAULT_ETCD_PREFIX);
    const loaded = await loadFromEtcd(etcd.client, (what, fn) => etcd.guard.call(what, fn), keys);
    await dropEventsAfterCheckpoint(etcd, keys, loaded);
    if (loaded.checkpoint !== undefined || loaded.objects.length > 0) restoreFromEtcd(engine, loaded);
    const writes = new EtcdWriteThrough(etcd, storeOf(engine), keys, { revision: loaded.revision, modRevisions: loaded.modRevisions, maxOpsPerTxn: options.maxOpsPerTxn });
    const store = new EtcdStore(etcd, engine, keys, writes, options);
    if (loaded.checkpoint === undefined && loaded.objects.length === 0) {
      writes.markAll(); // an empty prefix starts with the engine as given (an embedder's, already applied)
      await store.checkpoint();
    }
    return store;
  }

  /** The revision of the last commit this server made or read. */
  get revision(): number {
    return this.writes.revision;
  }

  /** Writes every pending change now; resolves once committed (an API write awaits this before answering). */
  commit(): Promise<FlushResult> {
    return this.writes.flush();
  }

  /** Commits pending changes, then writes the engine checkpoint. */
  async checkpoint(): Promise<void> {
    // etcd first: the engine's snapshot may ask simulation workers through etcd, and must not wait on an outage
    await this.#call("check etcd before a checkpoint", () => this.etcd.client.get(this.keys.checkpoint).exec());
    const tick = this.engine.tick;
    const text = checkpointOf(this.engine);
    await this.writes.flush();
    this.#generation = Math.max(this.#generation + 1, this.writes.revision);
    this.writes.noteRevision(await writeCheckpoint(this.etcd.client, this.#call, this.keys, text, this.#generation));
    this.#checkpointedTick = tick;
  }

  /** The objects of a kind (in one namespace) as etcd holds them, in list order, and the revision read at. */
  async list(kind: Kind, namespace?: string): Promise<{ objects: StoredObject[]; revision: number }> {
    const range = await rangePrefix(this.etcd.client, this.#call, this.keys.kindPrefix(kind, namespace));
    return { objects: range.kvs.map((kv) => decodeObject(kv.value, kv.mod_revision)), revision: range.revision };
  }

  /** One object as etcd holds it. */
  async get(kind: Kind, name: string, namespace?: string): Promise<StoredObject | undefined> {
    const range = await this.etcd.guard.call("read an object", () => this.etcd.client.get(this.keys.objectKey(kind, name, namespace)).exec());
    const kv = range.kvs[0];
    return kv === undefined ? undefined : decodeObject(kv.value, kv.mod_revision);
  }

  /**
   * Watches a kind (in one namespace) for changes after `afterRevision`. Throws
   * {@link CompactedRevisionError} before watching when etcd no longer has that revision.
   * `onEnd` is told when etcd cancels the watch (compaction overtook it, the client closed).
   * The answer cancels the watch and tells the revision up to which it has delivered everything.
   */
  async watch(
    kind: Kind,
    namespace: string | undefined,
    afterRevision: number,
    onEvent: (event: EtcdWatchEvent) => void,
    onEnd: (err?: Error) => void,
  ): Promise<{ cancel: () => void; revision: () => number }> {
    const prefix = this.keys.kindPrefix(kind, namespace);
    try {
      await this.etcd.guard.call("start a watch", () => this.etcd.client.getAll().prefix(prefix).revision(afterRevision).limit(1).keys());
    } catch (err) {
      if (/compacted/.test((err as Error).message)) throw new CompactedRevisionError(afterRevision);
      if (!/future revision/.test((err as Error).message)) throw err;
    }
    const watcher = await this.etcd.guard.call("start a watch", () => this.etcd.client.watch().prefix(prefix).startRevision(String(afterRevision + 1)).withPreviousKV().create());
    watcher.on("put", (kv: IKeyValue) => onEvent({ type: kv.version === "1" ? "ADDED" : "MODIFIED", object: decodeObject(kv.value, kv.mod_revision) }));
    watcher.on("delete", (kv: IKeyValue, previous?: IKeyValue) => {
      if (previous !== undefined) onEvent({ type: "DELETED", object: decodeObject(previous.value, kv.mod_revision) });
    });
    watcher.on("error", (err: Error) => onEnd(err));
    // etcd going away ends the watch: the client re-lists and resumes from its last resourceVersion, as from a restarted apiserver
    watcher.on("disconnected", (err: Error) => {
      const problem = connectionProblem(err, etcdTarget(this.etcd.options), "while watching");
      if (problem !== undefined) this.etcd.guard.markDown(problem);
      void watcher.cancel().catch(() => undefined);
      onEnd(err);
    });
    watcher.on("end", () => onEnd());
    // etcd3 keeps the revision to resume from (the last seen header's + 1) as lastRevision()
    return { cancel: () => void watcher.cancel().catch(() => undefined), revision: () => Math.max(afterRevision, (watcher.lastRevision() ?? 1) - 1) };
  }

  /** Stops the timers, commits what is pending and writes a last checkpoint. Safe to call twice. */
  close(): Promise<void> {
    return (this.#closed ??= (async () => {
      for (const t of this.#timers) clearInterval(t);
      await this.checkpoint();
      this.writes.close();
    })());
  }
}
