/**
 * The coordinator's side of the simulation workers (docs/scale-out.md, *Simulation workers*),
 * run by `serve --store etcd://…` on a relay thread (relay-thread.ts) for the engine's
 * {@link ShardCoordinator}: it wins etcd's election for the prefix, starts a run, gives each shard
 * of hosts to a live worker (`assign/<shard>`; a dead worker's shards at once, a joining worker's
 * share at the next tick boundary), writes each call to a shard as `in/<seq>` and waits for the
 * holder's `out/<seq>`. Workers are seen through their lease-bound keys: a key that goes is a
 * worker whose lease expired.
 */
import * as os from "node:os";
import type { Campaign, Etcd3, IKeyValue, Watcher } from "etcd3";
import type { EtcdConnection } from "../connection.js";
import { EtcdUnavailableError } from "../errors.js";
import { describeEtcd } from "../options.js";
import { CHANGING_CALLS, type ShardAnswer, type ShardCallMessage, type ShardCheckpoint } from "./answers.js";
import { pad, SimKeys } from "./keys.js";
import { decode, encode, putValue, readValue } from "./wire.js";
import { errorText, retrying } from "./retrying.js";
import type { RunInfo } from "./worker.js";

import { DEFAULT_CHECKPOINT_TICKS } from "./defaults.js";

/** The coordinator's campaign lease, in seconds. */
const ELECTION_TTL_SECONDS = 5;

/** How long a call that changes nothing waits while no worker at all is live. */
const NO_WORKER_GRACE_MS = 5000;

/** One call to one shard, as the engine's shard links post it. */
export interface PoolCall extends ShardCallMessage {
  shard: number;
}

/** Options of a {@link PoolCoordinator}. */
export interface PoolCoordinatorOptions {
  /** Shards of hosts. */
  shards: number;
  /** A shard is checkpointed after every tick that is a multiple of this (default {@link DEFAULT_CHECKPOINT_TICKS}). */
  checkpointTicks?: number;
  /** How long to wait to win the election before giving up (another server coordinates). */
  electionTimeoutMs?: number;
  /** Hears one line per thing worth an operator's eye. */
  log?: (line: string) => void;
}

/** See the module comment. */
export class PoolCoordinator {
  readonly #client: Etcd3;
  readonly #keys: SimKeys;
  readonly #log: (line: string) => void;
  readonly #shards: number;
  readonly #checkpointTicks: number;
  #campaign: Campaign | undefined;
  #leader = false;
  #closed = false;
  #run = 0;
  #started = false;
  /** Live workers by name. */
  readonly #live = new Set<string>();
  /** Shard → the worker it is given to ("" while nobody is). */
  #assign: string[] = [];
  #rebalanceDue = false;
  /** Per shard: the last call written. */
  #seq: number[] = [];
  /** Answers awaited, by `<shard>/<seq>`. */
  readonly #waiting = new Map<string, { resolve: (a: ShardAnswer) => void; since: number; method: string }>();
  /** The live workers' watch. */
  #watcher: Watcher | undefined;
  /** The current run's answers' watch. */
  #answers: Watcher | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly etcd: EtcdConnection,
    private readonly options: PoolCoordinatorOptions,
  ) {
    this.#client = etcd.client;
    this.#keys = new SimKeys(etcd.options.prefix);
    this.#log = options.log ?? (() => undefined);
    this.#shards = options.shards;
    this.#checkpointTicks = options.checkpointTicks ?? DEFAULT_CHECKPOINT_TICKS;
  }

  /** Wins the election, reads the live workers and follows them and the shards' answers. */
  async start(): Promise<void> {
    // a short campaign lease: a server restarted after a crash wins once its predecessor's lease ran out
    const campaign = this.#campaignOnce();
    const timeoutMs = this.options.electionTimeoutMs ?? 2 * ELECTION_TTL_SECONDS * 1000;
    let timer: NodeJS.Timeout | undefined;
    const won = await Promise.race([campaign.wait().then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)))]);
    clearTimeout(timer);
    if (!won) {
      await campaign.resign().catch(() => undefined);
      throw new Error(
        `another memplane serve coordinates the simulation workers under ${describeEtcd(this.etcd.options)} (its election did not end within ${timeoutMs} ms); ` +
          "run one server per prefix, or give this one its own --etcd-prefix",
      );
    }
    this.#leader = true;
    const got = await this.#client.getAll().prefix(this.#keys.workers).exec();
    for (const kv of got.kvs) this.#live.add(kv.key.toString("utf8").slice(this.#keys.workers.length));
    const revision = Number(got.header.revision);
    const previous = await this.#client.get(this.#keys.run).json();
    this.#run = ((previous as RunInfo | null)?.run ?? 0) + 1;
    const watcher = await this.#client.watch().prefix(this.#keys.workers).startRevision(String(revision + 1)).create();
    this.#watcher = watcher;
    watcher.on("put", (kv: IKeyValue) => this.#onWorker(kv));
    watcher.on("delete", (kv: IKeyValue) => this.#onWorkerGone(kv));
    watcher.on("error", () => undefined); // the client re-establishes watches itself
    this.#timer = setInterval(() => this.#reportWaits(), 10_000);
    this.#timer.unref();
  }

  /**
   * Stands in the election. When the campaign fails (its lease lost while etcd was away), ticks
   * stop, and one new campaign stands a second later — again after each failure — until it wins.
   */
  #campaignOnce(): Campaign {
    const election = this.#client.namespace(this.#keys.electionNamespace).election("coordinator", ELECTION_TTL_SECONDS);
    const campaign = election.campaign(`${os.hostname()}-${process.pid}`);
    this.#campaign = campaign;
    let failed = false;
    campaign.on("error", (e: unknown) => {
      if (failed || this.#closed || this.#campaign !== campaign) return; // one stand-again per campaign
      failed = true;
      if (this.#leader) this.#log(`the coordinator lost its election (${errorText(e)}); ticks wait until it wins it back`);
      this.#leader = false;
      campaign.resign().catch(() => undefined);
      setTimeout(() => {
        if (this.#closed) return;
        this.#campaignOnce()
          .wait()
          .then(
            () => {
              this.#leader = true;
              this.#log("the coordinator won its election back; ticks go on");
            },
            () => undefined, // that campaign's own error event stands again
          );
      }, 1000).unref();
    });
    return campaign;
  }

  /** Why a tick cannot start now, or undefined when it can (etcd is asked: a tick must not start into an outage). */
  async ready(): Promise<string | undefined> {
    if (!this.#leader) return "this server is no longer the elected coordinator of the simulation workers";
    try {
      await this.etcd.guard.call("check etcd before a tick", () => this.#client.get(this.#keys.run).exec());
    } catch (e) {
      return `etcd at ${describeEtcd(this.etcd.options)} is unavailable (${errorText(e)}); the simulation workers wait for it`;
    }
    if (this.#live.size === 0) return `no simulation worker is live under ${describeEtcd(this.etcd.options)}: start one with memplane worker --store … (same --etcd-prefix)`;
    return undefined;
  }

  /** The workers live now, and the shards each is given. */
  workers(): { name: string; shards: number[] }[] {
    return [...this.#live].sort().map((name) => ({ name, shards: this.#assign.flatMap((w, i) => (w === name ? [i] : [])) }));
  }

  /**
   * Runs a batch of calls, one per shard, and answers them in order. A batch of `init`s starts a
   * new run; a batch of `phase1`s is a tick boundary, where a joined worker gets its share.
   */
  async calls(batch: readonly PoolCall[]): Promise<ShardAnswer[]> {
    if (batch.some((c) => c.method === "init")) await this.#newRun();
    else if (batch.some((c) => c.method === "phase1") && this.#rebalanceDue) await this.#rebalance();
    const answers = batch.map((c) => this.#call(c));
    return Promise.all(answers);
  }

  /** Stops following etcd and resigns. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#watcher?.cancel().catch(() => undefined);
    await this.#answers?.cancel().catch(() => undefined);
    await this.#campaign?.resign().catch(() => undefined);
  }

  async #call(c: PoolCall): Promise<ShardAnswer> {
    const run = this.#run;
    if (c.method === "init") {
      this.#seq[c.shard] = 0;
      const value = encode({ seq: 0, init: c.payload } as ShardCheckpoint);
      const key = this.#keys.checkpoint(run, c.shard);
      await retrying(this.etcd, "write a shard's start", () => putValue(this.#client, key, this.#keys.parts(run, c.shard, "checkpoint", 0), value, undefined));
      const answer = this.#answerOf(c.shard, 0, "init");
      await this.#give(c.shard, this.#leastLoaded());
      return answer;
    }
    const seq = ++this.#seq[c.shard]!;
    const changing = CHANGING_CALLS.has(c.method);
    const answer = changing ? this.#answerOf(c.shard, seq, c.method) : this.#answerOrNoWorker(c.shard, seq, c.method);
    const key = this.#keys.inbox(run, c.shard) + pad(seq);
    const put = (): Promise<void> => putValue(this.#client, key, this.#keys.parts(run, c.shard, "in", seq), encode({ method: c.method, payload: c.payload } satisfies ShardCallMessage), undefined);
    if (!changing) {
      // a read (a pull, a snapshot) fails at once when etcd is known to be away, or turns out to be
      // unreachable (the call was not sent: its number is given back); a tick's calls wait for etcd
      try {
        await this.etcd.guard.call("write a call to a shard", put);
        return answer;
      } catch (e) {
        if (!(e instanceof EtcdUnavailableError) || (e.problem !== "unreachable" && e.problem !== "closed")) {
          await retrying(this.etcd, "write a call to a shard", put);
          return answer;
        }
        this.#seq[c.shard] = seq - 1;
        this.#waiting.get(`${c.shard}/${seq}`)?.resolve({ ok: false, error: e.message }); // settles `answer` (and its watchdog)
        this.#waiting.delete(`${c.shard}/${seq}`);
        return answer;
      }
    }
    await retrying(this.etcd, "write a call to a shard", put);
    return answer;
  }

  #answerOf(shard: number, seq: number, method: string): Promise<ShardAnswer> {
    return new Promise((resolve) => this.#waiting.set(`${shard}/${seq}`, { resolve, since: Date.now(), method }));
  }

  /**
   * The answer of a call that changes nothing (a pull, a snapshot, counts): given up with an error
   * when no worker at all is live for {@link NO_WORKER_GRACE_MS} — a server stopping after its
   * workers must not wait forever. (A tick's calls wait for a worker: the tick cannot be undone.)
   */
  #answerOrNoWorker(shard: number, seq: number, method: string): Promise<ShardAnswer> {
    const answer = this.#answerOf(shard, seq, method);
    let alone = 0;
    let timer: NodeJS.Timeout | undefined;
    const givenUp = new Promise<ShardAnswer>((resolve) => {
      timer = setInterval(() => {
        alone = this.#live.size === 0 ? alone + 1 : 0;
        if (alone * 1000 < NO_WORKER_GRACE_MS) return;
        this.#waiting.delete(`${shard}/${seq}`);
        resolve({ ok: false, error: `no simulation worker is live to answer ${method} (waited ${NO_WORKER_GRACE_MS / 1000} s)` });
      }, 1000);
    });
    return Promise.race([answer, givenUp]).finally(() => clearInterval(timer));
  }

  /** A fresh run: new keys for every shard; the old run's keys go. */
  async #newRun(): Promise<void> {
    if (this.#started) this.#run++;
    this.#started = true;
    const run: RunInfo = { run: this.#run, shards: this.#shards, checkpointTicks: this.#checkpointTicks };
    this.#assign = Array.from({ length: this.#shards }, () => "");
    this.#seq = Array.from({ length: this.#shards }, () => 0);
    this.#rebalanceDue = false;
    const runs = `${this.#keys.root}runs/`;
    const revision = await retrying(this.etcd, "start a run of the simulation workers", async () => {
      await this.#client.delete().prefix(runs).exec();
      const put = await this.#client.put(this.#keys.run).value(JSON.stringify(run)).exec();
      return Number(put.header.revision);
    });
    await this.#answers?.cancel().catch(() => undefined);
    const answers = await this.#client.watch().prefix(this.#keys.outboxes(run.run)).startRevision(String(revision + 1)).create();
    this.#answers = answers;
    answers.on("put", (kv: IKeyValue) => this.#onAnswer(kv));
    answers.on("error", () => undefined);
  }

  /** Gives `shard` to `worker` ("" leaves it waiting for one). */
  async #give(shard: number, worker: string): Promise<void> {
    this.#assign[shard] = worker;
    if (worker === "") {
      this.#log(`shard ${shard} waits for a simulation worker`);
      return;
    }
    await retrying(this.etcd, "give a shard to a worker", () => this.#client.put(this.#keys.assign(this.#run, shard)).value(worker).exec());
  }

  #loads(): Map<string, number> {
    const loads = new Map([...this.#live].sort().map((w) => [w, 0]));
    for (const w of this.#assign) if (loads.has(w)) loads.set(w, loads.get(w)! + 1);
    return loads;
  }

  #leastLoaded(): string {
    let best = "";
    let least = Infinity;
    for (const [w, n] of this.#loads()) {
      if (n < least) {
        best = w;
        least = n;
      }
    }
    return best;
  }

  /** Moves shards from the busiest live workers to the idlest until they differ by at most one. */
  async #rebalance(): Promise<void> {
    this.#rebalanceDue = false;
    for (;;) {
      const loads = [...this.#loads()];
      if (loads.length < 2) return;
      const most = loads.reduce((a, b) => (b[1] > a[1] ? b : a));
      const least = loads.reduce((a, b) => (b[1] < a[1] ? b : a));
      if (most[1] - least[1] <= 1) return;
      const shard = this.#assign.lastIndexOf(most[0]);
      this.#log(`shard ${shard} moves from worker ${most[0]} to ${least[0]}`);
      await this.#give(shard, least[0]);
    }
  }

  #onWorker(kv: IKeyValue): void {
    const name = kv.key.toString("utf8").slice(this.#keys.workers.length);
    if (this.#live.has(name)) return;
    this.#live.add(name);
    this.#log(`simulation worker ${name} joined`);
    this.#rebalanceDue = true;
    this.#assign.forEach((w, shard) => {
      if (w === "" && this.#started) void this.#give(shard, name);
    });
  }

  #onWorkerGone(kv: IKeyValue): void {
    const name = kv.key.toString("utf8").slice(this.#keys.workers.length);
    if (!this.#live.delete(name)) return;
    const lost = this.#assign.flatMap((w, i) => (w === name ? [i] : []));
    this.#log(`simulation worker ${name} left${lost.length > 0 ? `; its shards ${lost.join(", ")} go to the others` : ""}`);
    for (const shard of lost) void this.#give(shard, this.#leastLoaded());
  }

  #onAnswer(kv: IKeyValue): void {
    const k = this.#keys.parse(kv.key.toString("utf8"));
    if (k === undefined || k.kind !== "out" || k.run !== this.#run) return;
    const waiter = this.#waiting.get(`${k.shard}/${k.seq}`);
    if (waiter === undefined) return;
    this.#waiting.delete(`${k.shard}/${k.seq}`);
    readValue(this.#client, kv.value).then(
      (bytes) => waiter.resolve(decode<ShardAnswer>(bytes)),
      (e: unknown) => waiter.resolve({ ok: false, error: `the answer of shard ${k.shard} could not be read: ${errorText(e)}` }),
    );
  }

  #reportWaits(): void {
    const now = Date.now();
    for (const [key, w] of this.#waiting) {
      if (now - w.since < 10_000) continue;
      const shard = Number(key.slice(0, key.indexOf("/")));
      const holder = this.#assign[shard] || "no live worker";
      this.#log(`shard ${shard} has not answered ${w.method} for ${Math.round((now - w.since) / 1000)} s (given to ${holder})`);
    }
  }
}
