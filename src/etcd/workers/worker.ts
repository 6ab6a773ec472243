/**
 * A simulation worker (`memplane worker --store etcd://…`, or the one `serve` runs itself;
 * docs/scale-out.md, *Simulation workers*): it joins through an etcd lease, holds the shards of
 * hosts the coordinator gives it (an owner key on its lease, claimed in a transaction), runs each
 * as a {@link ShardRuntime} answering the coordinator's calls, and checkpoints each shard every
 * few ticks. A shard whose worker died is claimed by another, which restores the last checkpoint
 * and runs the calls since again — their answers are already written, so nothing is answered
 * twice. Every write of a shard's answer or checkpoint is a transaction fenced on its owner key:
 * a worker that lost its lease cannot write for a shard it no longer holds.
 */
import * as os from "node:os";
import { Range, type Etcd3, type IKeyValue, type Lease, type Watcher } from "etcd3";
import { dispatchShardCall, ShardRuntime } from "../../composition/shards/shard-runtime.js";
import type { EtcdConnection } from "../connection.js";
import { isTransient } from "../errors.js";
import { backoffDelay } from "../guard.js";
import { setTimeout as sleep } from "node:timers/promises";
import { CHANGING_CALLS, type ShardAnswer, type ShardCallMessage, type ShardCheckpoint } from "./answers.js";
import { lastNumber, pad, SimKeys } from "./keys.js";
import { decode, encode, type Fence, FenceLostError, putValue, readValue } from "./wire.js";
import { errorText, retrying } from "./retrying.js";

import { DEFAULT_LEASE_TTL_SECONDS } from "./defaults.js";

/** Options of a {@link SimulationWorker}. */
export interface SimulationWorkerOptions {
  /** The worker's name (unique among live workers); default `<hostname>-<pid>`. */
  name?: string;
  /** Its lease in seconds (default {@link DEFAULT_LEASE_TTL_SECONDS}). */
  leaseTtlSeconds?: number;
  /** Hears one line per thing worth an operator's eye (joined, holds a shard, lost etcd …). */
  log?: (line: string) => void;
}

/** The run the coordinator started (keys.ts: `sim/run`). */
export interface RunInfo {
  run: number;
  shards: number;
  /** A shard is checkpointed after every tick that is a multiple of this. */
  checkpointTicks: number;
}

/** A shard this worker holds. */
interface Held {
  shard: number;
  /** Undefined when the checkpoint could not be restored (`broken` says why). */
  runtime: ShardRuntime | undefined;
  /** Why the shard cannot run here: every call is answered with this error, so the tick fails instead of waiting. */
  broken?: string;
  /** The last call run. */
  lastSeq: number;
  /** Calls answered before this worker took the shard (a replay does not answer them again). */
  answered: Set<number>;
  /** The last call run was a tick's first phase: no checkpoint until its second. */
  midTick: boolean;
  /** The coordinator gave the shard to another worker: release it at the next tick boundary. */
  releasing: boolean;
  fence: Fence;
}

/** See the module comment. */
export class SimulationWorker {
  readonly name: string;
  readonly #client: Etcd3;
  readonly #keys: SimKeys;
  readonly #ttl: number;
  readonly #log: (line: string) => void;
  #lease: Lease | undefined;
  #leaseId = "";
  #run: RunInfo | undefined;
  readonly #assign = new Map<number, string>();
  readonly #owners = new Map<number, string>();
  readonly #held = new Map<number, Held>();
  /** The run key's watch. */
  readonly #watchers: Watcher[] = [];
  /** The current run's watches. */
  readonly #runWatchers: Watcher[] = [];
  #chain: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(
    private readonly etcd: EtcdConnection,
    options: SimulationWorkerOptions = {},
  ) {
    this.#client = etcd.client;
    this.#keys = new SimKeys(etcd.options.prefix);
    this.name = options.name ?? `${os.hostname()}-${process.pid}`;
    this.#ttl = options.leaseTtlSeconds ?? DEFAULT_LEASE_TTL_SECONDS;
    this.#log = options.log ?? (() => undefined);
  }

  /** Joins: takes a lease and the worker key, reads the run and follows it. */
  async start(): Promise<void> {
    await this.#register();
    const revision = await this.#load();
    const watcher = await this.#client.watch().key(this.#keys.run).startRevision(String(revision + 1)).create();
    this.#watchers.push(watcher);
    watcher.on("put", (kv: IKeyValue) => this.#enqueue(() => this.#onRun(kv)));
    watcher.on("error", () => undefined); // the client re-establishes watches itself
    if (this.#run !== undefined) await this.#followRun(this.#run.run, revision + 1);
    this.#log(`worker ${this.name} joined (lease ${this.#ttl}s)`);
  }

  /** Watches a run's assignments, owners and calls from `revision` on (and stops watching the last run's). */
  async #followRun(run: number, revision: number): Promise<void> {
    for (const w of this.#runWatchers.splice(0)) await w.cancel().catch(() => undefined);
    for (const prefix of [this.#keys.assignPrefix(run), this.#keys.ownerPrefix(run), this.#keys.inboxes(run)]) {
      const watcher = await this.#client.watch().prefix(prefix).startRevision(String(revision)).create();
      this.#runWatchers.push(watcher);
      watcher.on("put", (kv: IKeyValue) => this.#enqueue(() => this.#onPut(kv)));
      watcher.on("delete", (kv: IKeyValue) => this.#enqueue(() => this.#onDelete(kv)));
      watcher.on("error", () => undefined);
    }
  }

  /** The shards this worker holds now. */
  shards(): number[] {
    return [...this.#held.keys()].sort((a, b) => a - b);
  }

  /** Leaves: hands each shard back with a checkpoint (no replay for its next holder), then drops the lease. */
  async stop(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#enqueue(async () => {
      for (const h of [...this.#held.values()]) {
        if (h.midTick) continue; // the next holder replays from the last checkpoint
        try {
          await this.#checkpoint(h, true);
        } catch {
          // lost: the next holder replays from the last checkpoint
        }
      }
      this.#held.clear();
    });
    for (const w of [...this.#watchers, ...this.#runWatchers]) await w.cancel().catch(() => undefined);
    await this.#lease?.revoke().catch(() => undefined);
  }

  #enqueue(job: () => Promise<void>): Promise<void> {
    const next = this.#chain.then(job).catch((e: unknown) => {
      if (e instanceof FenceLostError) return; // the shard went to another worker
      this.#log(`worker ${this.name}: ${errorText(e)}`);
    });
    this.#chain = next;
    return next;
  }

  /** A lease (kept alive by the client) and the worker key on it, made only when no live worker has this name. */
  async #register(): Promise<void> {
    const key = this.#keys.worker(this.name);
    const value = JSON.stringify({ name: this.name, pid: process.pid, host: os.hostname() });
    const lease = this.#client.lease(this.#ttl, { autoKeepAlive: true });
    // only the registered lease's loss counts: a lease whose grant failed (etcd down while joining
    // again) emits "lost" too, and must not start another round of joining
    lease.on("lost", () => {
      if (this.#lease === lease) void this.#enqueue(() => this.#leaseLost(lease));
    });
    const id = await lease.grant();
    const r = await this.#client.if(key, "Create", "==", 0).then(this.#client.put(key).value(value).lease(id)).commit();
    if (!r.succeeded) {
      lease.release();
      await lease.revoke().catch(() => undefined);
      throw new Error(`a live worker named ${this.name} is already registered under ${this.#keys.workers} (give this one another --name, or wait ${this.#ttl}s for a dead one's lease to expire)`);
    }
    this.#lease = lease;
    this.#leaseId = id;
  }

  /** etcd dropped our lease (unreachable past its TTL): every shard may be someone else's now; join again. */
  async #leaseLost(lost: Lease): Promise<void> {
    if (this.#closed || this.#lease !== lost) return;
    this.#lease = undefined;
    this.#log(`worker ${this.name} lost its lease (etcd unreachable for ${this.#ttl}s); dropping its shards and joining again`);
    this.#held.clear();
    for (let attempt = 0; !this.#closed; attempt++) {
      try {
        await this.#register();
        break;
      } catch (e) {
        if (!isTransient(e) && !/already registered/.test(errorText(e))) throw e;
        await sleep(backoffDelay(attempt));
      }
    }
    this.#log(`worker ${this.name} joined again`);
    for (const shard of this.#assign.keys()) await this.#reconcile(shard);
  }

  /** The run and its assignments as they are now; returns the revision read at. */
  async #load(): Promise<number> {
    const r = await this.#client.get(this.#keys.run).exec();
    const revision = Number(r.header.revision);
    const kv = r.kvs[0];
    if (kv !== undefined) {
      this.#run = JSON.parse(kv.value.toString("utf8")) as RunInfo;
      const run = this.#run.run;
      for (const [prefix, into] of [
        [this.#keys.assignPrefix(run), this.#assign],
        [this.#keys.ownerPrefix(run), this.#owners],
      ] as const) {
        const kvs = await this.#client.getAll().prefix(prefix).revision(revision).strings();
        for (const [key, value] of Object.entries(kvs)) into.set(lastNumber(key), value);
      }
      for (const shard of this.#assign.keys()) await this.#enqueue(() => this.#reconcile(shard));
    }
    return revision;
  }

  /** A new run: every shard of the last one is gone. */
  async #onRun(kv: IKeyValue): Promise<void> {
    this.#run = JSON.parse(kv.value.toString("utf8")) as RunInfo;
    this.#held.clear();
    this.#assign.clear();
    this.#owners.clear();
    await this.#followRun(this.#run.run, Number(kv.mod_revision) + 1);
  }

  async #onPut(kv: IKeyValue): Promise<void> {
    const k = this.#keys.parse(kv.key.toString("utf8"));
    if (k === undefined || k.run !== this.#run?.run) return;
    if (k.kind === "assign") {
      this.#assign.set(k.shard, kv.value.toString("utf8"));
      await this.#reconcile(k.shard);
    } else if (k.kind === "owner") this.#owners.set(k.shard, kv.value.toString("utf8"));
    else if (k.kind === "in" && this.#held.has(k.shard)) await this.#pump(this.#held.get(k.shard)!);
  }

  async #onDelete(kv: IKeyValue): Promise<void> {
    const k = this.#keys.parse(kv.key.toString("utf8"));
    if (k === undefined || k.run !== this.#run?.run || k.kind !== "owner") return;
    this.#owners.delete(k.shard);
    const held = this.#held.get(k.shard);
    if (held !== undefined && this.#assign.get(k.shard) !== this.name) this.#held.delete(k.shard);
    await this.#reconcile(k.shard);
  }

  /** Claims a shard given to this worker once nobody holds it; releases one given to another. */
  async #reconcile(shard: number): Promise<void> {
    if (this.#closed || this.#lease === undefined) return;
    const mine = this.#assign.get(shard) === this.name;
    const held = this.#held.get(shard);
    if (mine && held === undefined && !this.#owners.has(shard)) await this.#claim(shard);
    else if (!mine && held !== undefined) {
      held.releasing = true;
      if (!held.midTick) await this.#release(held);
    }
  }

  async #claim(shard: number): Promise<void> {
    const run = this.#run!;
    const ownerKey = this.#keys.owner(run.run, shard);
    const c = this.#client;
    const claimed = await c.if(ownerKey, "Create", "==", 0).then(c.put(ownerKey).value(this.name).lease(this.#leaseId)).commit();
    if (!claimed.succeeded) return; // someone still holds it: its owner key's deletion brings us back
    this.#owners.set(shard, this.name);
    const stored = await c.get(this.#keys.checkpoint(run.run, shard)).buffer();
    if (stored === null) throw new Error(`shard ${shard} of run ${run.run} has no checkpoint`);
    const checkpoint = decode<ShardCheckpoint>(await readValue(c, stored));
    const outbox = this.#keys.outbox(run.run, shard);
    const answered = new Set((await c.getAll().prefix(outbox).keys()).map(lastNumber));
    const h: Held = { shard, runtime: undefined, lastSeq: checkpoint.seq, answered, midTick: false, releasing: false, fence: { key: ownerKey, value: this.name } };
    try {
      h.runtime = new ShardRuntime(checkpoint.init);
    } catch (e) {
      h.broken = `worker ${this.name} could not restore shard ${shard} from its checkpoint: ${errorText(e)}`;
      this.#log(h.broken);
    }
    this.#held.set(shard, h);
    if (checkpoint.seq === 0 && !answered.has(0)) await this.#answer(h, 0, h.broken === undefined ? { ok: true, value: null } : { ok: false, error: h.broken });
    if (h.runtime !== undefined) this.#log(`worker ${this.name} holds shard ${shard} from its checkpoint at tick ${h.runtime.tick}`);
    await this.#pump(h);
  }

  /** Runs the calls after the last one run, in order; answers those not answered yet. */
  async #pump(h: Held): Promise<void> {
    const run = this.#run!;
    const inbox = this.#keys.inbox(run.run, h.shard);
    const kvs = await this.#client.getAll().inRange({ start: inbox + pad(h.lastSeq + 1), end: Range.prefix(inbox).end }).sort("Key", "Ascend").buffers();
    for (const [key, stored] of Object.entries(kvs)) {
      if (this.#held.get(h.shard) !== h) return;
      const seq = lastNumber(key);
      if (seq !== h.lastSeq + 1) break;
      const call = decode<ShardCallMessage>(await readValue(this.#client, stored));
      const replay = h.answered.has(seq);
      if (h.runtime === undefined) {
        h.lastSeq = seq;
        if (!replay) await this.#answer(h, seq, { ok: false, error: h.broken! });
        continue;
      }
      if (replay && !CHANGING_CALLS.has(call.method)) {
        h.lastSeq = seq;
        continue;
      }
      let answer: ShardAnswer;
      try {
        answer = { ok: true, value: dispatchShardCall(h.runtime, call.method, call.payload, () => undefined) };
      } catch (e) {
        answer = { ok: false, error: errorText(e) };
      }
      h.lastSeq = seq;
      if (call.method === "phase1") h.midTick = true;
      if (!replay) await this.#answer(h, seq, answer);
      if (call.method === "phase2") {
        h.midTick = false;
        if (h.releasing) return this.#release(h);
        if (h.runtime.tick % run.checkpointTicks === 0) await this.#checkpoint(h, false);
      }
    }
  }

  async #answer(h: Held, seq: number, answer: ShardAnswer): Promise<void> {
    const run = this.#run!.run;
    await retrying(this.etcd, "write a shard's answer", () => putValue(this.#client, this.#keys.outbox(run, h.shard) + pad(seq), this.#keys.parts(run, h.shard, "out", seq), encode(answer), h.fence));
  }

  /** Gives a shard back with a checkpoint at its last call (its next holder replays nothing). */
  async #release(h: Held): Promise<void> {
    if (h.runtime === undefined) return;
    await this.#checkpoint(h, true);
    this.#held.delete(h.shard);
    this.#log(`worker ${this.name} handed shard ${h.shard} over at tick ${h.runtime.tick}`);
  }

  /**
   * Writes the shard's checkpoint at its last call and drops the calls, answers and parts it
   * makes unneeded — in the transaction that writes it (and, when `release`, drops the owner key).
   */
  async #checkpoint(h: Held, release: boolean): Promise<void> {
    if (h.runtime === undefined) return;
    const run = this.#run!.run;
    const k = this.#keys;
    const seq = h.lastSeq;
    const value = encode({ seq, init: h.runtime.checkpoint() } satisfies ShardCheckpoint);
    const inbox = k.inbox(run, h.shard);
    const outbox = k.outbox(run, h.shard);
    const drop = [
      { deleteRange: [inbox, inbox + pad(seq + 1)] as [string, string] },
      { deleteRange: [outbox, outbox + pad(seq)] as [string, string] },
      { deleteRange: [k.partsStart(run, h.shard, "in"), k.parts(run, h.shard, "in", seq + 1)] as [string, string] },
      { deleteRange: [k.partsStart(run, h.shard, "out"), k.parts(run, h.shard, "out", seq)] as [string, string] },
      { deleteRange: [k.partsStart(run, h.shard, "checkpoint"), k.parts(run, h.shard, "checkpoint", seq)] as [string, string] },
      ...(release ? [{ deleteRange: [h.fence.key, h.fence.key + "\u0000"] as [string, string] }] : []),
    ];
    await retrying(this.etcd, "write a shard checkpoint", () => putValue(this.#client, k.checkpoint(run, h.shard), k.parts(run, h.shard, "checkpoint", seq), value, h.fence, drop));
  }
}
