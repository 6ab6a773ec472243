/**
 * What `memplane serve` keeps its simulation in: the state directory (`state.json` and
 * `log.jsonl`, locked while it runs) or, with `--store etcd://…`, etcd (docs/scale-out.md) —
 * then the state directory holds only the server's own files (the token, the endpoint).
 */
import * as os from "node:os";
import type { Engine } from "../../engine/engine.js";
import type { LogEntry } from "../../engine/log-entry.js";
import type { EtcdConnection, EtcdConnectionOptions, EtcdFlags, EtcdStore } from "../../etcd/index.js";
import { ensureDirectory } from "../../state/state-files.js";
import type { StateDirectory } from "../../state/index.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { etcdOptionsFromFlags } from "../etcd-options.js";
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
  /** Where the simulation lives, for messages: `state .memplane`, `etcd://127.0.0.1:2379 prefix /memplane`. */
  readonly where: string;
  /** What the stop message says was saved: `state saved to .memplane`. */
  readonly saved: string;
  /** After the server closed: commits and checkpoints (etcd) and releases what was held. Safe to call twice. */
  close(): Promise<void>;
  /** Why a tick cannot start now (simulation workers: none joined, etcd down), or undefined. */
  readonly ready?: () => string | undefined;
}

/** How `serve --store` runs the simulation on workers (docs/scale-out.md, *Simulation workers*). */
export interface WorkerFlags {
  /** Shards of hosts (default {@link DEFAULT_SHARDS}). */
  shards?: number;
  /** False with `--no-local-worker`: only `memplane worker` processes simulate. */
  localWorker?: boolean;
  /** The local worker's lease, in seconds. */
  leaseTtl?: number;
  /** A shard is checkpointed in etcd after every tick that is a multiple of this. */
  shardCheckpointTicks?: number;
}

/** Shards of hosts `serve --store` runs the simulation in when `--shards` is not given. */
export const DEFAULT_SHARDS = 2;

/** The file-backed simulation: the state directory, locked and loaded. */
export async function openStateBacking(state: StateDirectory, ctx: CliContext, term: Terminal, workers?: number): Promise<ServeBacking> {
  const session = await WriteSession.open(state, ctx.commandLine, { workers }, term, ctx.env);
  return {
    engine: session.engine,
    persist: () => session.save(),
    logHistory: state.readLog().entries,
    where: `state ${state.displayName}`,
    saved: `state saved to ${state.displayName}`,
    close: once(async () => session.close()),
  };
}

/** The etcd-backed simulation: the state directory for the token only, the cluster loaded from etcd. */
export async function openEtcdBacking(
  state: StateDirectory,
  flags: EtcdFlags & WorkerFlags & { statusPeriod?: number; checkpointPeriod?: number; etcdMaxTxnOps?: number },
  term: Terminal,
  env: NodeJS.ProcessEnv,
): Promise<ServeBacking> {
  const options: EtcdConnectionOptions = etcdOptionsFromFlags(flags.store, flags, env, (m) => term.warn(m)); // a bad combination: exit 2 before loading gRPC
  const etcdModule = await import("../../etcd/index.js");
  try {
    ensureDirectory(state.dir, state.displayName);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const shown = etcdModule.describeEtcd(options);
  let connection: EtcdConnection;
  try {
    connection = await etcdModule.connectEtcd(options, (up, error) => (up ? term.err(`etcd at ${shown} is back\n`) : term.warn(error?.message ?? `etcd at ${shown} is unavailable`)));
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const { WorkerPool, startLocalWorker } = await import("../../etcd/workers/index.js");
  const shards = flags.shards ?? DEFAULT_SHARDS;
  let pool: import("../../etcd/workers/index.js").WorkerPool | undefined;
  let local: Awaited<ReturnType<typeof startLocalWorker>> | undefined;
  try {
    pool = WorkerPool.start(options, { shards, ...(flags.shardCheckpointTicks !== undefined && { checkpointTicks: flags.shardCheckpointTicks }) });
    if (flags.localWorker !== false) local = await startLocalWorker(options, { name: `${os.hostname()}-${process.pid}-local`, ...(flags.leaseTtl !== undefined && { leaseTtlSeconds: flags.leaseTtl }) });
    const { createShardedEngine } = await import("../../composition/create-engine.js");
    const workers = pool;
    const engine = createShardedEngine({ seed: DEFAULT_SEED, tickSeconds: DEFAULT_TICK_SECONDS }, shards, (i) => workers.link(i));
    const etcd = await etcdModule.EtcdStore.open(connection, engine, {
      statusPeriodMs: flags.statusPeriod,
      checkpointPeriodMs: flags.checkpointPeriod,
      maxOpsPerTxn: flags.etcdMaxTxnOps,
      onError: (message) => term.warn(message),
    });
    return {
      engine,
      etcd,
      logHistory: [],
      where: shown,
      saved: `committed and checkpointed to ${shown}`,
      ready: () => workers.ready(),
      close: once(async () => {
        try {
          await etcd.close(); // its checkpoint asks the shards: before the workers go
        } finally {
          await local?.stop();
          workers.close();
          connection.close();
        }
      }),
    };
  } catch (err) {
    await local?.stop().catch(() => undefined);
    pool?.close();
    connection.close();
    if ((err as Error).name === "SnapshotError") throw new CliError(`the simulation in ${shown} cannot be loaded: ${(err as Error).message}`);
    throw new CliError((err as Error).message);
  }
}

/** `job` run at most once; later calls get the first call's promise. */
function once(job: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= job());
}
