/**
 * One row of `npm run bench:scale-out`: a generated busy cluster stepped by `memplane serve
 * --store etcd://… --no-local-worker --speed 0 --shards max(N, 2)` and N `memplane worker`
 * processes on a fresh throwaway etcd ({@link measureEtcdRow}), or by the single-process engine
 * of a file-backed `memplane serve --speed 0` ({@link measureSingleRow}). Both: `apply --server`
 * the cluster (file by file), `step --server` the warm-up ticks, then time one `POST /clock/step?ticks=K` (the
 * request `memplane step --server --ticks K -q` sends, without the CLI's start-up), reading the
 * processes' CPU time and etcd's `/metrics` before and after; then one more tick with
 * `step --server --ticks 1 --log-format json`, its etcd puts counted by kind of key.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Etcd3 } from "etcd3";
import { SimKeys } from "../src/etcd/workers/keys.js";
import { childEnv, processCpuMs, runCli, startCli, type CliProcess } from "./cli-process.js";
import { delta, startBenchEtcd, type BenchEtcd } from "./etcd-process.js";
import { KeyBytesWatch, keyKind, type KeyBytes } from "./key-bytes.js";

/** The etcd prefix the bench's servers and workers use (serve's default). */
const PREFIX = "/memplane";

/** What a row runs. */
export interface RowSpec {
  /** VMs of the cluster in `clusterDir` (100 per host). */
  vms: number;
  /** Worker processes (etcd rows). */
  workers: number;
  ticks: number;
  warmupTicks: number;
  /** The generated cluster (`memplane apply -f DIR/`). */
  clusterDir: string;
  /** The built CLI. */
  cliPath: string;
  /** Write V8 CPU profiles of the server and the workers here (`node --cpu-prof`; written when they stop). */
  cpuProfDir?: string;
}

/** node's flags for a profiled process named `name`. */
function profileFlags(spec: RowSpec, name: string): string[] {
  if (spec.cpuProfDir === undefined) return [];
  const label = spec.workers === 0 ? `single-${spec.vms}` : `${spec.workers}w-${spec.vms}`;
  return ["--cpu-prof", `--cpu-prof-dir=${path.resolve(spec.cpuProfDir)}`, `--cpu-prof-name=${label}-${name}.cpuprofile`];
}

/** What etcd did during a row. */
export interface EtcdFigures {
  /** Median ms of one small put seen from a client, before the timed step (one commit: raft + WAL fsync). */
  commitMs: number;
  /** Puts per second of the timed step (`etcd_mvcc_put_total`). */
  putsPerSecond: number;
  /** MB (10⁶ bytes) of key + value put per second (`etcd_debugging_mvcc_total_put_size_in_bytes`). */
  putMBPerSecond: number;
  putsPerTick: number;
  /** MB put per tick of the timed step. */
  putMBPerTick: number;
  /** Write transactions committed per tick (the revision's growth). */
  revisionsPerTick: number;
  /** WAL fsyncs per tick, and the ms they took. */
  fsyncsPerTick: number;
  fsyncMsPerTick: number;
  /** MB per second etcd received over gRPC (requests of every kind). */
  receivedMBPerSecond: number;
  /** etcd's database file after the row, MiB. */
  dbMiB: number;
  /** Which shards each worker held during the timed step. */
  shardsOf: Record<string, number[]>;
  /** The one accounted tick: its puts and bytes by kind of key (the answers again by their call's method), and the status bytes per VM. */
  oneTick: { bytes: KeyBytes; answersByMethod: Record<string, { puts: number; bytes: number }>; statusBytesPerVm: number };
  /** Bytes (key + value, parts included) of every shard's latest checkpoint in etcd after the row, and the ticks between checkpoints. */
  checkpoint: { bytes: number; everyTicks: number };
}

/** One measured row. */
export interface ScaleOutRow {
  engine: "single process" | "etcd workers";
  /** Worker processes (0: the single-process engine). */
  workers: number;
  /** Shards of hosts (0: the single-process engine). */
  shards: number;
  vms: number;
  hosts: number;
  warmupTicks: number;
  ticks: number;
  /** `memplane apply --server -f DIR/` of the cluster, ms wall. */
  applyMs: number;
  /** The timed step, ms wall. */
  wallMs: number;
  msPerTick: number;
  /** VMs × ticks ÷ wall seconds of the timed step. */
  vmTicksPerSecond: number;
  /**
   * CPU ms per tick of the timed step: the server process (and its main thread alone, where the
   * engine runs; the rest is its other threads: the relay thread to etcd, GC helpers), all worker
   * processes together, etcd.
   */
  cpuMsPerTick: { server: number; serverMainThread: number; workers: number; etcd: number };
  /** Log entries of the accounted tick (the cluster is busy when they are many). */
  logEntriesPerTick: number;
  /** How each process ended when the bench stopped it (SIGTERM): `exit 0` is a clean stop. */
  exits: Record<string, string>;
  etcd?: EtcdFigures;
}

/** Counts newlines of a file. */
function countLines(file: string): number {
  const text = fs.readFileSync(file);
  let n = 0;
  for (let i = text.indexOf(10); i !== -1; i = text.indexOf(10, i + 1)) n++;
  return n;
}

/** `POST /clock/step?ticks=N` with the token; resolves when the server answered 200. */
async function postStep(url: string, token: string, ticks: number): Promise<void> {
  const res = await fetch(`${url}/clock/step?ticks=${ticks}`, { method: "POST", headers: { Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(600_000) });
  const body = await res.text();
  if (!res.ok) throw new Error(`POST /clock/step?ticks=${ticks} answered ${res.status}: ${body.slice(0, 500)}`);
}

/** The current run (`sim/run`): which shards each worker is given (`assign/`), the bytes of the shards' checkpoints and their period. */
async function readRun(endpoint: string): Promise<{ shardsOf: Record<string, number[]>; checkpoint: EtcdFigures["checkpoint"] }> {
  const keys = new SimKeys(PREFIX);
  const client = new Etcd3({ hosts: endpoint });
  try {
    const run = (await client.get(keys.run).json()) as { run: number; checkpointTicks: number } | null;
    if (run === null) return { shardsOf: {}, checkpoint: { bytes: 0, everyTicks: Number.NaN } };
    const got = await client.getAll().prefix(keys.assignPrefix(run.run)).strings();
    const shardsOf: Record<string, number[]> = {};
    for (const [key, worker] of Object.entries(got)) (shardsOf[worker] ??= []).push(Number(key.slice(key.lastIndexOf("/") + 1)));
    let bytes = 0;
    // one key at a time: together they exceed gRPC's 4 MiB answer
    for (const key of await client.getAll().prefix(keys.runRoot(run.run)).keys()) {
      if (keyKind(key.slice(PREFIX.length + 1)) !== "checkpoints") continue;
      bytes += Buffer.byteLength(key) + ((await client.get(key).buffer())?.length ?? 0);
    }
    return { shardsOf, checkpoint: { bytes, everyTicks: run.checkpointTicks } };
  } finally {
    client.close();
  }
}

/** A served simulation the row steps: its URL, token and the processes whose CPU is counted. */
interface Served {
  url: string;
  env: NodeJS.ProcessEnv;
  token: string;
  server: CliProcess;
  workers: CliProcess[];
}

/**
 * Applies the cluster one file (1 000 objects, ≈ 0.4 MB) at a time — `apply --server -f DIR/`
 * sends every object in one all-or-nothing request, which the server refuses over its 1 MiB body
 * limit (413) above ≈ 2 500 VMs — then steps the warm-up ticks; returns the apply's ms.
 */
async function applyAndWarm(spec: RowSpec, s: Served): Promise<number> {
  const t = performance.now();
  for (const file of fs.readdirSync(spec.clusterDir).sort()) await runCli(spec.cliPath, ["apply", "--server", s.url, "-f", path.join(spec.clusterDir, file)], s.env);
  const applyMs = performance.now() - t;
  await runCli(spec.cliPath, ["step", "--server", s.url, "--ticks", String(spec.warmupTicks), "-q"], s.env);
  return applyMs;
}

/** Times the K-tick step; CPU per tick of server, workers and etcd. */
async function timedStep(spec: RowSpec, s: Served, etcdPid?: number): Promise<{ wallMs: number; cpuMsPerTick: ScaleOutRow["cpuMsPerTick"] }> {
  const cpu = (): ScaleOutRow["cpuMsPerTick"] => ({
    server: s.server.cpuMs(),
    serverMainThread: s.server.cpuMs(true),
    workers: s.workers.reduce((sum, w) => sum + w.cpuMs(), 0),
    etcd: etcdPid === undefined ? 0 : processCpuMs(etcdPid),
  });
  const before = cpu();
  const t = performance.now();
  await postStep(s.url, s.token, spec.ticks);
  const wallMs = performance.now() - t;
  const after = cpu();
  const per = (k: keyof typeof before): number => (after[k] - before[k]) / spec.ticks;
  return { wallMs, cpuMsPerTick: { server: per("server"), serverMainThread: per("serverMainThread"), workers: per("workers"), etcd: per("etcd") } };
}

/** One more tick through the CLI with its JSON log to a file: the log entries it wrote. */
async function accountedTick(spec: RowSpec, s: Served, dir: string): Promise<number> {
  const logFile = path.join(dir, "tick.jsonl");
  const fd = fs.openSync(logFile, "w");
  try {
    await runCli(spec.cliPath, ["step", "--server", s.url, "--ticks", "1", "--log-format", "json"], s.env, fd);
  } finally {
    fs.closeSync(fd);
  }
  return countLines(logFile);
}

function figures(spec: RowSpec, wallMs: number): Pick<ScaleOutRow, "vms" | "hosts" | "warmupTicks" | "ticks" | "wallMs" | "msPerTick" | "vmTicksPerSecond"> {
  return {
    vms: spec.vms,
    hosts: Math.ceil(spec.vms / 100),
    warmupTicks: spec.warmupTicks,
    ticks: spec.ticks,
    wallMs,
    msPerTick: wallMs / spec.ticks,
    vmTicksPerSecond: (spec.vms * spec.ticks) / (wallMs / 1000),
  };
}

/** Starts the server and waits for its URL and token. */
async function serve(spec: RowSpec, args: string[], state: string): Promise<Omit<Served, "workers">> {
  const server = startCli(spec.cliPath, ["serve", "--state", state, "--listen", "127.0.0.1:0", "--speed", "0", ...args], childEnv(), "memplane serve", profileFlags(spec, "serve"));
  try {
    const url = (await server.waitFor(/memplane serving on (\S+)/, 180_000))[1]!;
    const token = fs.readFileSync(path.join(state, "token"), "utf8").trim();
    return { url, token, server, env: childEnv({ MEMPLANE_TOKEN: token }) };
  } catch (err) {
    await server.stop(2000);
    throw err;
  }
}

/** The single-process engine: a file-backed `serve` (its default engine, no worker threads). */
export async function measureSingleRow(spec: RowSpec, progress: (line: string) => void): Promise<ScaleOutRow> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "memplane-scale-out-"));
  let served: Served | undefined;
  try {
    served = { ...(await serve(spec, [], path.join(dir, "state"))), workers: [] };
    const applyMs = await applyAndWarm(spec, served);
    progress(`  single process: applied in ${(applyMs / 1000).toFixed(1)} s; timing ${spec.ticks} ticks`);
    const { wallMs, cpuMsPerTick } = await timedStep(spec, served);
    const logEntriesPerTick = await accountedTick(spec, served, dir);
    const exits = { serve: await served.server.stop() };
    return { engine: "single process", workers: 0, shards: 0, applyMs, cpuMsPerTick, logEntriesPerTick, exits, ...figures(spec, wallMs) };
  } catch (err) {
    throw withOutputs(err, served === undefined ? [] : [["serve", served.server]]);
  } finally {
    await served?.server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `err` with the last output of each process appended (what a failed row needs to be understood). */
function withOutputs(err: unknown, processes: [string, CliProcess][]): Error {
  const text = processes.map(([name, p]) => `\n--- ${name} (${p.ended() ?? "running"}):\n${p.output().slice(-1500)}`).join("");
  return new Error(`${(err as Error).message}${text}`);
}

/** Stops the server first (it pulls from the workers as it stops), then the workers: how each ended. */
async function stopAll(served: Served | undefined, workers: CliProcess[]): Promise<Record<string, string>> {
  const exits: Record<string, string> = {};
  if (served !== undefined) exits.serve = await served.server.stop();
  const ends = await Promise.all(workers.map((w) => w.stop()));
  ends.forEach((e, i) => (exits[`w${i + 1}`] = e));
  return exits;
}

/** N worker processes and a server without a local worker on a fresh etcd (see the module comment). */
export async function measureEtcdRow(spec: RowSpec, progress: (line: string) => void): Promise<ScaleOutRow> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "memplane-scale-out-"));
  const shards = Math.max(spec.workers, 2);
  let etcd: BenchEtcd | undefined;
  let served: Served | undefined;
  const workers: CliProcess[] = [];
  try {
    etcd = await startBenchEtcd();
    const store = ["--store", etcd.url];
    served = { ...(await serve(spec, [...store, "--no-local-worker", "--shards", String(shards)], path.join(dir, "state"))), workers };
    for (let i = 1; i <= spec.workers; i++) workers.push(startCli(spec.cliPath, ["worker", ...store, "--name", `w${i}`], childEnv(), `memplane worker w${i}`, profileFlags(spec, `w${i}`)));
    await Promise.all(workers.map((w, i) => w.waitFor(new RegExp(`worker w${i + 1} joined`), 120_000)));
    const applyMs = await applyAndWarm(spec, served);
    // a worker the coordinator saw only after the first tick gets its share at the next tick boundary
    let { shardsOf } = await readRun(etcd.endpoint);
    for (let extra = 0; Object.keys(shardsOf).length < Math.min(spec.workers, shards) && extra < 3; extra++) {
      await runCli(spec.cliPath, ["step", "--server", served.url, "--ticks", "1", "-q"], served.env);
      ({ shardsOf } = await readRun(etcd.endpoint));
    }
    const commitMs = await KeyBytesWatch.commitMs(etcd.endpoint, PREFIX);
    progress(`  ${spec.workers} worker${spec.workers === 1 ? "" : "s"}, ${shards} shards: applied in ${(applyMs / 1000).toFixed(1)} s; shards ${JSON.stringify(shardsOf)}; etcd commit ${commitMs.toFixed(1)} ms; timing ${spec.ticks} ticks`);
    const before = await etcd.metrics();
    const { wallMs, cpuMsPerTick } = await timedStep(spec, served, etcd.pid);
    const after = await etcd.metrics();
    const d = (name: string): number => delta(before, after, name);
    const seconds = wallMs / 1000;
    const watch = new KeyBytesWatch(etcd.endpoint, PREFIX);
    await watch.start();
    const logEntriesPerTick = await accountedTick(spec, served, dir);
    const bytes = await watch.settle();
    const { checkpoint } = await readRun(etcd.endpoint);
    const exits = await stopAll(served, workers);
    const named: [string, CliProcess][] = [["serve", served.server], ...workers.map((w, i): [string, CliProcess] => [`w${i + 1}`, w])];
    for (const [name, p] of named) {
      if (exits[name] !== "exit 0") progress(`  warning: stopped with SIGTERM, ${name} ended ${exits[name]}; its last output:\n${p.output().slice(-1200).replace(/^/gm, "    ")}`);
    }
    return {
      engine: "etcd workers",
      workers: spec.workers,
      shards,
      applyMs,
      cpuMsPerTick,
      logEntriesPerTick,
      exits,
      ...figures(spec, wallMs),
      etcd: {
        commitMs,
        putsPerSecond: d("etcd_mvcc_put_total") / seconds,
        putMBPerSecond: d("etcd_debugging_mvcc_total_put_size_in_bytes") / 1e6 / seconds,
        putsPerTick: d("etcd_mvcc_put_total") / spec.ticks,
        putMBPerTick: d("etcd_debugging_mvcc_total_put_size_in_bytes") / 1e6 / spec.ticks,
        revisionsPerTick: d("etcd_debugging_mvcc_current_revision") / spec.ticks,
        fsyncsPerTick: d("etcd_disk_wal_fsync_duration_seconds_count") / spec.ticks,
        fsyncMsPerTick: (d("etcd_disk_wal_fsync_duration_seconds_sum") * 1000) / spec.ticks,
        receivedMBPerSecond: d("etcd_network_client_grpc_received_bytes_total") / 1e6 / seconds,
        dbMiB: (after.get("etcd_mvcc_db_total_size_in_bytes") ?? Number.NaN) / 2 ** 20,
        shardsOf,
        oneTick: { bytes, answersByMethod: watch.answersByMethod, statusBytesPerVm: bytes.objects.bytes / spec.vms },
        checkpoint,
      },
    };
  } catch (err) {
    throw withOutputs(err, [...(served === undefined ? [] : [["serve", served.server] as [string, CliProcess]]), ...workers.map((w, i): [string, CliProcess] => [`w${i + 1}`, w])]);
  } finally {
    await stopAll(served, workers);
    await etcd?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
