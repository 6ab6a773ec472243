/**
 * What `memplane serve` keeps its simulation in: the state directory (`state.json` and
 * `log.jsonl`, locked while it runs) or, with `--store etcd://…`, etcd (docs/scale-out.md) —
 * then the state directory holds only the server's own files (the token, the endpoint).
 */
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
}

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
  flags: EtcdFlags & { statusPeriod?: number; checkpointPeriod?: number; etcdMaxTxnOps?: number },
  term: Terminal,
  env: NodeJS.ProcessEnv,
  workers?: number,
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
  try {
    const { createEngine } = await import("../../composition/create-engine.js");
    const engine = createEngine({ seed: DEFAULT_SEED, tickSeconds: DEFAULT_TICK_SECONDS, ...(workers !== undefined && { workers }) });
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
      close: once(async () => {
        try {
          await etcd.close();
        } finally {
          connection.close();
        }
      }),
    };
  } catch (err) {
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
