/**
 * `memplane worker --store etcd://HOST:PORT[,…] [--name NAME] [--lease-ttl S] [--etcd-* …]` — a
 * simulation worker process (docs/scale-out.md, *Simulation workers*): joins the workers of the
 * `memplane serve --store …` on the same etcd and prefix, runs the shards of hosts it is given,
 * and on SIGINT/SIGTERM hands them back with a checkpoint and exits 0. It exits 1 with one
 * paragraph when etcd cannot be reached at start.
 */
import { Option, type Command } from "commander";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { addEtcdOptions, etcdOptionsFromFlags } from "../etcd-options.js";
import type { EtcdFlags } from "../../etcd/options.js";
import { DEFAULT_LEASE_TTL_SECONDS } from "../../etcd/workers/defaults.js";
import { parseLimit } from "./serve.js";
import { untilSignal } from "../signals.js";

/** Parsed flags of `worker`. */
interface WorkerOptions extends Omit<EtcdFlags, "store"> {
  store?: string;
  name?: string;
  leaseTtl?: number;
}

/** A worker name: letters, digits, `.`, `_` and `-` (it is a key segment in etcd). */
function parseName(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(value)) throw new CliError(`--name: expected 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit, got ${JSON.stringify(value)}`);
  return value;
}

/** Registers `worker` on the program. */
export function registerWorker(program: Command, ctx: CliContext): void {
  const cmd = program
    .command("worker")
    .description("run a simulation worker: join the workers of a memplane serve --store etcd://… and simulate the hosts it is given")
    .option("--store <url>", "the etcd the server keeps the cluster in: etcd://HOST:PORT[,HOST:PORT…], etcds://… for TLS (required)")
    .option("--name <name>", "this worker's name among the live workers (default <hostname>-<pid>)")
    .addOption(new Option("--lease-ttl <seconds>", `etcd lease of this worker, in seconds: how long its hosts wait after it died (default ${DEFAULT_LEASE_TTL_SECONDS})`).argParser(parseLimit));
  addEtcdOptions(cmd).addHelpText(
    "after",
    "\nExamples:\n  memplane serve --store etcd://127.0.0.1:2379 --no-local-worker --speed 0   # in one terminal\n  memplane worker --store etcd://127.0.0.1:2379 --name w1                     # in two more\n  memplane worker --store etcd://127.0.0.1:2379 --name w2\n",
  );
  cmd.action(async (opts: WorkerOptions) => {
    if (opts.store === undefined) throw new CliError("worker needs --store etcd://HOST:PORT: the etcd the server keeps the cluster in");
    const name = opts.name === undefined ? undefined : parseName(opts.name);
    const term = ctx.terminal();
    const options = etcdOptionsFromFlags(opts.store, opts, ctx.env, (m) => term.warn(m));
    const etcdModule = await import("../../etcd/index.js");
    const { SimulationWorker } = await import("../../etcd/workers/index.js");
    const shown = etcdModule.describeEtcd(options);
    let connection: Awaited<ReturnType<typeof etcdModule.connectEtcd>>;
    try {
      connection = await etcdModule.connectEtcd(options, (up, error) => (up ? term.err(`etcd at ${shown} is back\n`) : term.warn(error?.message ?? `etcd at ${shown} is unavailable`)));
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    // the etcd client's background work may reject while etcd is away: a warning, not the end (it reconnects)
    process.on("unhandledRejection", (e) => term.warn(`etcd: ${e instanceof Error ? e.message : String(e)}`));
    const worker = new SimulationWorker(connection, {
      ...(name !== undefined && { name }),
      ...(opts.leaseTtl !== undefined && { leaseTtlSeconds: opts.leaseTtl }),
      log: (line) => term.err(`${line}\n`),
    });
    try {
      await worker.start();
    } catch (err) {
      connection.close();
      throw new CliError(`the worker could not join at ${shown}: ${(err as Error).message}`);
    }
    const signal = await untilSignal();
    await worker.stop();
    connection.close();
    term.err(`${signal}: worker ${worker.name} handed its shards back and left\n`);
  });
}
