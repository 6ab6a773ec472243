/**
 * `memplane serve [--state DIR] [--listen 127.0.0.1:PORT] [--https-port N] [--speed X] [--token-file F]
 * [--allow-remote] [--allowed-hosts H,…] [--max-watches N] [--max-watches-per-client N]
 * [--max-connections N]` — the live control plane: loads the saved simulation (or starts an
 * empty one), ticks it in real time scaled by `--speed`, and serves the Kubernetes-like HTTP API
 * (docs/server.md). The state directory stays locked while it runs; every acknowledged write is
 * saved before the answer (a write that cannot be saved is rolled back), the rest every few
 * seconds, and SIGINT/SIGTERM stop ticking, save and exit 0.
 */
import * as path from "node:path";
import { InvalidArgumentError, Option, type Command } from "commander";
import { formatSimTime } from "../../api/duration.js";
import type { CliContext } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { addEtcdOptions } from "../etcd-options.js";
import { addStateOption, cliWorkers, parseDurationOption, workersOption, workersSetting } from "../options.js";
import type { EtcdFlags } from "../../etcd/options.js";
import { openStateDirectory } from "../session.js";
import { untilSignal } from "../signals.js";
import { DEFAULT_SHARDS, openEtcdBacking, openStateBacking, type ServeBacking } from "./serve-backing.js";
import { DEFAULT_CHECKPOINT_TICKS, DEFAULT_LEASE_TTL_SECONDS } from "../../etcd/workers/defaults.js";

/** Where `serve` listens by default: loopback, a free port. */
export const DEFAULT_LISTEN = "127.0.0.1:0";

/** Parsed flags of `serve`. */
interface ServeOptions extends Partial<EtcdFlags> {
  state: string;
  workers?: number;
  listen: string;
  speed: number;
  tokenFile?: string;
  allowRemote: boolean;
  allowedHosts: string[];
  maxWatches?: number;
  maxWatchesPerClient?: number;
  maxConnections?: number;
  httpsPort: number;
  statusPeriod?: number;
  checkpointPeriod?: number;
  etcdMaxTxnOps?: number;
  shards?: number;
  localWorker: boolean;
  leaseTtl?: number;
  shardCheckpointTicks?: number;
}

/** `HOST:PORT`, `[IPv6]:PORT`, `:PORT` or `PORT` (host 127.0.0.1); port 0 picks a free one. */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value.trim()) ?? /^()()(\d+)$/.exec(value.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || !Number.isInteger(port) || port > 65535) {
    throw new InvalidArgumentError("expected HOST:PORT, e.g. 127.0.0.1:8080 (port 0 picks a free port).");
  }
  return { host: m[1] || m[2] || "127.0.0.1", port };
}

/** A speed factor: simulated seconds per real second, 0.001 to 1e6 (0 pauses the clock). */
export function parseSpeed(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1e6 || (n > 0 && n < 0.001)) {
    throw new InvalidArgumentError("expected a number of simulated seconds per real second from 0.001 to 1000000, e.g. 1, 10 or 0.5 (0 pauses).");
  }
  return n;
}

/** A port: 0 (a free one) to 65535. */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65535) throw new InvalidArgumentError("expected a port from 0 to 65535 (0 picks a free port).");
  return n;
}

/** A limit: a whole number ≥ 1. */
export function parseLimit(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number ≥ 1.");
  return n;
}

/** `--allowed-hosts a.example,b.example:8443` (repeatable): the names, each checked. */
function collectAllowedHosts(value: string, previous: string[]): string[] {
  const entries = value.split(",").map((v) => v.trim()).filter((v) => v !== "");
  if (entries.length === 0) throw new InvalidArgumentError("expected NAME, NAME:PORT or *, comma-separated.");
  return [...previous, ...entries];
}

/** A real period such as `1s`, `500ms` or `1m`: 10 ms to 1 h, in milliseconds. */
export function parseRealPeriod(value: string): number {
  const ms = Math.round(parseDurationOption(value) * 1000);
  if (ms < 10 || ms > 3_600_000) throw new InvalidArgumentError("expected a period from 10ms to 1h, e.g. 1s or 10s.");
  return ms;
}

/** Registers `serve` on the program. */
export function registerServe(program: Command, ctx: CliContext): void {
  const cmd = program
    .command("serve")
    .description("run the live control plane: tick in (scaled) real time and serve the Kubernetes-like HTTP API")
    .addOption(new Option("--listen <host:port>", "address to listen on (port 0 picks a free one)").default(DEFAULT_LISTEN).argParser(parseListen))
    .addOption(
      new Option("--https-port <port>", "port of the HTTPS listener on the same address, for kubectl and k9s (they send a token only over TLS; see memplane kubeconfig); 0 picks a free one")
        .default(0)
        .argParser(parsePort),
    )
    .addOption(new Option("--speed <x>", "simulated seconds per real second (10 = ten times faster; 0 pauses)").default(1).argParser(parseSpeed))
    .option("--token-file <file>", "read the bearer token from FILE instead of generating one into <state>/token (warns when others can read FILE)")
    .option("--allow-remote", "allow listening on a non-loopback address (prints a warning; traffic is not encrypted)", false)
    .addOption(
      new Option("--allowed-hosts <names>", "Host header values to answer besides localhost and IP addresses: NAME, NAME:PORT or * (comma-separated, repeatable)")
        .argParser(collectAllowedHosts)
        .default([]),
    )
    .addOption(new Option("--max-watches <n>", "open watches and log follows, all clients together (default 256)").argParser(parseLimit))
    .addOption(new Option("--max-watches-per-client <n>", "open watches and log follows per client address (default 64)").argParser(parseLimit))
    .addOption(new Option("--max-connections <n>", "open connections; more are closed at once (default 1024)").argParser(parseLimit))
    .option("--store <url>", "keep the cluster in etcd instead of <state>/state.json: etcd://HOST:PORT[,HOST:PORT…], etcds://… for TLS (docs/scale-out.md); <state> then holds only the token")
    .addOption(new Option("--status-period <duration>", "with --store: real time between publications of status to etcd (default 1s; docs/scale-out.md has the write budget)").argParser(parseRealPeriod))
    .addOption(new Option("--checkpoint-period <duration>", "with --store: real time between engine checkpoints in etcd (default 10s)").argParser(parseRealPeriod))
    .addOption(new Option("--etcd-max-txn-ops <n>", "with --store: operations per etcd transaction, at most etcd's --max-txn-ops (default 128, etcd's default)").argParser(parseLimit))
    .addOption(new Option("--shards <n>", `with --store: shards of hosts the simulation runs in, on simulation workers (default ${DEFAULT_SHARDS}; docs/scale-out.md, Simulation workers)`).argParser(parseLimit))
    .option("--no-local-worker", "with --store: run no simulation worker in this process; only memplane worker processes simulate")
    .addOption(new Option("--lease-ttl <seconds>", `with --store: the local worker's etcd lease, in seconds: how long its hosts wait after it died (default ${DEFAULT_LEASE_TTL_SECONDS})`).argParser(parseLimit))
    .addOption(new Option("--shard-checkpoint-ticks <n>", `with --store: checkpoint each shard in etcd every N ticks; a dead worker's hosts re-run at most N ticks (default ${DEFAULT_CHECKPOINT_TICKS})`).argParser(parseLimit))
    .addOption(workersOption());
  addEtcdOptions(cmd);
  addStateOption(cmd, ctx.env)
    .addHelpText(
      "after",
      "\nExamples:\n  memplane serve --state ./.memplane\n  memplane serve --listen 127.0.0.1:8080 --speed 10\n  memplane serve --store etcd://127.0.0.1:2379 --etcd-prefix /memplane --state ./.memplane\n  MEMPLANE_SERVER=http://127.0.0.1:8080 MEMPLANE_TOKEN=$(cat .memplane/token) memplane apply -f web.yaml\n  memplane get vms --server http://127.0.0.1:8080   # in the same directory: reads the token from ./.memplane/token\n",
    )
    .action(async (rawOpts: Omit<ServeOptions, "listen"> & { listen: string | { host: string; port: number } }) => {
      const opts = rawOpts;
      const listen = typeof opts.listen === "string" ? parseListen(opts.listen) : opts.listen;
      const term = ctx.terminal();
      const server = await import("../../server/index.js");
      if (!server.isLoopback(listen.host) && !opts.allowRemote) {
        throw new CliError(`refusing to listen on ${listen.host}, which is not a loopback address: pass --allow-remote to serve other machines`);
      }
      const badHost = server.invalidAllowedHost(opts.allowedHosts);
      if (badHost !== undefined) throw new CliError(`--allowed-hosts: ${badHost}`);
      const etcdFlags: string[] = ([
        "etcdPrefix", "etcdCa", "etcdCert", "etcdKey", "etcdUser", "etcdPasswordFile", "statusPeriod", "checkpointPeriod", "etcdMaxTxnOps", "shards", "leaseTtl", "shardCheckpointTicks",
      ] as const).filter((f) => opts[f] !== undefined);
      if (opts.store === undefined && !opts.localWorker) etcdFlags.push("localWorker");
      if (opts.store === undefined && etcdFlags.length > 0) {
        throw new UsageError(`${etcdFlags.map((f) => (f === "localWorker" ? "--no-local-worker" : "--" + f.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase()))).join(", ")} need${etcdFlags.length === 1 ? "s" : ""} --store etcd://HOST:PORT`);
      }
      if (opts.store !== undefined && opts.workers !== undefined) {
        throw new UsageError("--workers sets the worker threads of the in-process engine; with --store the simulation runs in --shards on simulation workers (docs/scale-out.md)");
      }
      // a state directory records metrics from the model every tick (see cliWorkers)
      const workers = cliWorkers(workersSetting(opts.workers, ctx.env), opts.store === undefined);
      const state = openStateDirectory(opts.state, ctx.env);
      const backing: ServeBacking =
        opts.store === undefined ? await openStateBacking(state, ctx, term, workers) : await openEtcdBacking(state, { ...opts, store: opts.store }, term, ctx.env);
      const engine = backing.engine;
      let running: Awaited<ReturnType<typeof server.startServer>> | undefined;
      try {
        let token: string;
        let tokenWhere: string;
        if (opts.tokenFile !== undefined) {
          try {
            token = server.readTokenFile(opts.tokenFile);
          } catch (err) {
            throw new CliError((err as Error).message);
          }
          tokenWhere = opts.tokenFile;
          const warning = server.tokenFileWarning(opts.tokenFile);
          if (warning !== undefined) term.warn(warning);
        } else {
          token = server.generateToken();
          try {
            server.writeTokenFile(path.join(state.dir, server.TOKEN_FILE), token);
          } catch (err) {
            throw new CliError((err as Error).message);
          }
          tokenWhere = path.join(state.displayName, server.TOKEN_FILE);
        }
        try {
          running = await server.startServer({
            engine,
            token,
            host: listen.host,
            port: listen.port,
            httpsPort: opts.httpsPort,
            allowRemote: opts.allowRemote,
            allowedHosts: opts.allowedHosts,
            limits: { maxWatches: opts.maxWatches, maxWatchesPerClient: opts.maxWatchesPerClient, maxConnections: opts.maxConnections },
            speed: opts.speed,
            persist: backing.persist,
            etcd: backing.etcd,
            ready: backing.ready,
            logHistory: backing.logHistory,
            onError: (message) => term.warn(message),
          });
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === "EADDRINUSE") throw new CliError(`cannot listen on ${listen.host}:${listen.port}: the address is already in use`);
          if (code === "EADDRNOTAVAIL") throw new CliError(`cannot listen on ${listen.host}:${listen.port}: no such local address`);
          if (code === "EACCES") throw new CliError(`cannot listen on ${listen.host}:${listen.port}: permission denied`);
          throw err;
        }
        if (!server.isLoopback(listen.host)) {
          term.warn(`listening on ${listen.host}, reachable from other machines: traffic is not encrypted (put a TLS proxy in front); clients must send a Host the server answers to (an IP address, or a name from --allowed-hosts)`);
        }
        if (running.httpsUrl !== undefined && running.certificate !== undefined) {
          server.writeEndpoint(state.dir, { url: running.url, httpsUrl: running.httpsUrl, certificate: running.certificate, pid: process.pid });
        }
        term.out(`memplane serving on ${running.url}\n`);
        term.err(
          `${backing.where} at tick ${engine.tick} (${formatSimTime(engine.timeSeconds)}); speed ${opts.speed}x; bearer token (for every request but /healthz) in ${tokenWhere}; ${running.httpsUrl === undefined ? "" : `kubectl: memplane kubeconfig --state ${state.displayName} (${running.httpsUrl}); `}Ctrl-C to stop\n`,
        );
        const signal = await untilSignal();
        const stopping = running;
        running = undefined;
        try {
          await stopping.close(); // stops ticking and saves
          await backing.close(); // etcd: commits and checkpoints
        } catch (err) {
          throw new CliError(
            `${signal}: stopped at tick ${engine.tick}, but saving to ${backing.where} failed: ${(err as Error).message} (what is there is the last successful save)`,
          );
        }
        term.err(`${signal}: stopped at tick ${engine.tick} (${formatSimTime(engine.timeSeconds)}); ${backing.saved}\n`);
      } finally {
        try {
          if (running) await running.close();
        } finally {
          server.removeEndpoint(state.dir);
          await backing.close().catch(() => undefined);
        }
      }
    });
}
