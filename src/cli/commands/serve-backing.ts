/**
 * What `memplane serve` keeps its simulation in: the state directory (`state.json` and
 * `log.jsonl`, locked while it runs) or, with `--store etcd://…`, etcd (docs/scale-out.md) —
 * then the state directory holds only the server's own files (the token, the endpoint).
 */
import type { Etcd3 } from "etcd3";
import type { Engine } from "../../engine/engine.js";
import type { LogEntry } from "../../engine/log-entry.js";
import type { EtcdStore } from "../../etcd/index.js";
import { ensureDirectory } from "../../state/state-files.js";
import type { StateDirectory } from "../../state/index.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { DEFAULT_SEED, DEFAULT_TICK_SECONDS, WriteSession } from "../session.js";
import type { Terminal } from "../terminal.js";

/** The simulation `serve` runs and how it is kept. */
export interface ServeBacking {
  readonly engine: Engine;
  /** Saves to the state directory (file-backed only). */
  readonly persist?: () => void;
  /** The etcd backend (with `--store`). */
  readonly etcd?: EtcdStore;
  /** The log before this start (the state's log; none in etcd). */
  readonly logHistory: readonly LogEntry[];
  /** Where the simulation lives, for messages: `state .memplane`, `etcd 127.0.0.1:2379 (prefix /memplane)`. */
  readonly where: string;
  /** What the stop message says was saved: `state saved to .memplane`. */
  readonly saved: string;
  /** After the server closed: commits and checkpoints (etcd) and releases what was held. Safe to call twice. */
  close(): Promise<void>;
}

/** The file-backed simulation: the state directory, locked and loaded. */
export async function openStateBacking(state: StateDirectory, ctx: CliContext, term: Terminal): Promise<ServeBacking> {
  const session = await WriteSession.open(state, ctx.commandLine, {}, term, ctx.env);
  return {
    engine: session.engine,
    persist: () => session.save(),
    logHistory: state.readLog().entries,
    where: `state ${state.displayName}`,
    saved: `state saved to ${state.displayName}`,
    close: once(async () => session.close()),
  };
}

/** `--store` and `--etcd-prefix` as given. */
export interface StoreFlags {
  store: string;
  etcdPrefix?: string;
}

/** Parses `etcd://HOST:PORT[,HOST:PORT…]` into gRPC endpoints. */
export function parseStoreUrl(value: string): string[] {
  const m = /^etcd:\/\/(.+)$/.exec(value.trim());
  const hosts = m === null ? [] : m[1]!.split(",").map((h) => h.trim());
  if (hosts.length === 0 || hosts.some((h) => !/^[A-Za-z0-9.\-]+:\d{1,5}$|^\[[0-9A-Fa-f:]+\]:\d{1,5}$/.test(h))) {
    throw new CliError(`--store: expected etcd://HOST:PORT[,HOST:PORT…], e.g. etcd://127.0.0.1:2379, got ${JSON.stringify(value)}`);
  }
  return hosts.map((h) => `http://${h}`);
}

/** The etcd-backed simulation: the state directory for the token only, the cluster loaded from etcd. */
export async function openEtcdBacking(state: StateDirectory, flags: StoreFlags, term: Terminal): Promise<ServeBacking> {
  const hosts = parseStoreUrl(flags.store);
  const prefix = (flags.etcdPrefix ?? "/memplane").replace(/\/+$/, "");
  if (!/^\/[A-Za-z0-9._\-/]*$/.test(prefix) || prefix.length < 2) throw new CliError(`--etcd-prefix: expected a key prefix such as /memplane, got ${JSON.stringify(flags.etcdPrefix)}`);
  try {
    ensureDirectory(state.dir, state.displayName);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const { Etcd3 } = await import("etcd3");
  const { EtcdStore } = await import("../../etcd/index.js");
  const { createEngine } = await import("../../composition/create-engine.js");
  const shown = hosts.map((h) => h.replace(/^http:\/\//, "")).join(",");
  const client: Etcd3 = new Etcd3({ hosts, dialTimeout: 3_000 });
  let etcd: EtcdStore;
  try {
    const engine = createEngine({ seed: DEFAULT_SEED, tickSeconds: DEFAULT_TICK_SECONDS });
    etcd = await EtcdStore.open(client, engine, { prefix, onError: (message) => term.warn(message) });
    return {
      engine,
      etcd,
      logHistory: [],
      where: `etcd ${shown} (prefix ${prefix})`,
      saved: `committed and checkpointed to etcd ${shown} (prefix ${prefix})`,
      close: once(async () => {
        try {
          await etcd.close();
        } finally {
          client.close();
        }
      }),
    };
  } catch (err) {
    client.close();
    if ((err as Error).name === "SnapshotError") throw new CliError(`the simulation in etcd ${shown} under ${prefix} cannot be loaded: ${(err as Error).message}`);
    throw new CliError(`cannot reach etcd at ${shown}: ${(err as Error).message}`);
  }
}

/** `job` run at most once; later calls get the first call's promise. */
function once(job: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= job());
}
