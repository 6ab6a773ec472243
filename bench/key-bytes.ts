/**
 * What a measured step writes to etcd, by kind of key: a watch on the whole prefix that adds up
 * the puts (key + value bytes) it sees — the objects (the status publication: VMs, hosts, Events),
 * the shard calls and answers of the simulation workers (`sim/runs/…/in|out`), their checkpoints,
 * the engine checkpoint, and the rest (worker keys, assignments, the election) — and the answers
 * again by the method of their call (`phase1`, `phase2`, `pull`, …; the call's value says which).
 * Key layout: docs/scale-out.md, src/etcd/workers/keys.ts; values: src/etcd/workers/wire.ts.
 */
import * as v8 from "node:v8";
import { Etcd3, type IKeyValue, type Watcher } from "etcd3";

/** Kinds of key a put is counted under. */
export const KEY_KINDS = ["objects", "calls", "answers", "checkpoints", "engine", "other"] as const;

/** One kind of key. */
export type KeyKind = (typeof KEY_KINDS)[number];

/** Puts and bytes (key + value) written, per kind of key. */
export type KeyBytes = Record<KeyKind, { puts: number; bytes: number }>;

/** The kind of a key relative to the prefix (`objects/…`, `sim/runs/…`, `engine/…`). */
export function keyKind(relative: string): KeyKind {
  if (relative.startsWith("objects/")) return "objects";
  if (relative.startsWith("engine/")) return "engine";
  if (!relative.startsWith("sim/runs/")) return "other";
  // src/etcd/workers/keys.ts: runs/<run>/in|out/<shard>/<seq>, checkpoint/<shard>, parts/<shard>/<what>-<seq>/<n>
  if (/^sim\/runs\/\d+\/(in\/|parts\/\d+\/in-)/.test(relative)) return "calls";
  if (/^sim\/runs\/\d+\/(out\/|parts\/\d+\/out-)/.test(relative)) return "answers";
  if (/^sim\/runs\/\d+\/(checkpoint\/|parts\/\d+\/checkpoint-)/.test(relative)) return "checkpoints";
  return "other";
}

/** Zero puts and bytes of every kind. */
export function emptyKeyBytes(): KeyBytes {
  return Object.fromEntries(KEY_KINDS.map((k) => [k, { puts: 0, bytes: 0 }])) as KeyBytes;
}

/** `<shard>/<seq>` of a shard call's, answer's or answer part's key, or undefined. */
function callOf(relative: string): string | undefined {
  const m = /^sim\/runs\/\d+\/(?:in\/|out\/|parts\/)(\d+)\/(?:out-)?(\d+)/.exec(relative);
  return m === null ? undefined : `${Number(m[1])}/${Number(m[2])}`;
}

/** The method of a call as stored (an inline value: a 0 byte, then V8's serialization of `{ method, payload }`). */
function methodOf(stored: Buffer): string {
  if (stored[0] !== 0) return "?";
  try {
    return String((v8.deserialize(stored.subarray(1)) as { method?: unknown }).method ?? "?");
  } catch {
    return "?";
  }
}

/** Counts the puts under a prefix from {@link start} until {@link settle}. */
export class KeyBytesWatch {
  readonly #client: Etcd3;
  readonly #prefix: string;
  #watcher: Watcher | undefined;
  #seen = 0;
  readonly #methods = new Map<string, string>();
  readonly counts = emptyKeyBytes();
  /** The answers' puts and bytes by the method of their call. */
  readonly answersByMethod: Record<string, { puts: number; bytes: number }> = {};

  constructor(endpoint: string, prefix: string) {
    this.#client = new Etcd3({ hosts: endpoint });
    this.#prefix = prefix.endsWith("/") ? prefix : prefix + "/";
  }

  /** Starts watching from the next revision. */
  async start(): Promise<void> {
    const watcher = await this.#client.watch().prefix(this.#prefix).create();
    this.#watcher = watcher;
    watcher.on("put", (kv: IKeyValue) => {
      const relative = kv.key.toString("utf8").slice(this.#prefix.length);
      const kind = keyKind(relative);
      const bytes = kv.key.length + kv.value.length;
      this.counts[kind].puts++;
      this.counts[kind].bytes += bytes;
      const call = kind === "calls" || kind === "answers" ? callOf(relative) : undefined;
      if (call !== undefined && kind === "calls" && relative.includes("/in/")) this.#methods.set(call, methodOf(kv.value));
      if (call !== undefined && kind === "answers") {
        const by = (this.answersByMethod[this.#methods.get(call) ?? "?"] ??= { puts: 0, bytes: 0 });
        by.puts++;
        by.bytes += bytes;
      }
      this.#seen = Math.max(this.#seen, Number(kv.mod_revision));
    });
    watcher.on("delete", (kv: IKeyValue) => void (this.#seen = Math.max(this.#seen, Number(kv.mod_revision))));
    watcher.on("error", () => undefined);
  }

  /** Waits (at most 10 s) until the watch has seen etcd's current revision, then stops it and closes the client. */
  async settle(): Promise<KeyBytes> {
    try {
      const revision = Number((await this.#client.get(`${this.#prefix}`).exec()).header.revision);
      const deadline = Date.now() + 10_000;
      while (this.#seen < revision && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await this.#watcher?.cancel().catch(() => undefined);
      this.#client.close();
    }
    return this.counts;
  }

  /** Sequential small puts (a bench key under the prefix, deleted after): the median ms of one commit, seen from a client. */
  static async commitMs(endpoint: string, prefix: string, n = 20): Promise<number> {
    const client = new Etcd3({ hosts: endpoint });
    const key = `${prefix}/bench/round-trip`;
    try {
      await client.put(key).value("warm");
      const ms: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await client.put(key).value(String(i));
        ms.push(performance.now() - t);
      }
      await client.delete().key(key);
      ms.sort((a, b) => a - b);
      return ms[Math.floor(ms.length / 2)]!;
    } finally {
      client.close();
    }
  }
}
