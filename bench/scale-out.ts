/**
 * `npm run bench:scale-out [-- --workers 1,2,4 --vms 1000,10000 --ticks 20 --warmup 5 --seed 1
 * --quick --json --out FILE --cpu-prof DIR]`: the simulation workers on etcd (issue 17, docs/scale-out.md)
 * measured against the single-process engine. For each cluster size (a generated busy,
 * overcommitted cluster, 100 VMs per host, as in `npm run bench`) it times the single-process
 * engine of a file-backed `serve`, then for each worker count a `serve --store … --no-local-worker
 * --shards max(N, 2)` with N `memplane worker` processes on a fresh throwaway etcd
 * (bench/scale-out-row.ts says exactly what is timed). It prints a table (`--json`: the JSON
 * instead) and writes the JSON to `--out` (default bench/results/scale-out.json) after every row;
 * `--cpu-prof DIR` writes a V8 CPU profile of every server and worker process there.
 * Needs `etcd` on PATH (exit 1 naming the fix when it is not). `--quick`: 1 and 2 workers, 200
 * VMs, 5 ticks. Benchmarks are not tests: test/bench/scale-out.test.ts only checks the shape.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { busyHostGroups, jsonChunks } from "./clusters.js";
import { EtcdNotInstalledError, findEtcdBinary } from "./etcd-process.js";
import { KEY_KINDS } from "./key-bytes.js";
import { machine } from "./run.js";
import { measureEtcdRow, measureSingleRow, type ScaleOutRow } from "./scale-out-row.js";

/** Command-line options of the scale-out bench. */
export interface ScaleOutOptions {
  /** Worker process counts (one etcd row each). */
  workers: number[];
  /** Cluster sizes in VMs (100 per host). */
  vms: number[];
  /** Ticks of the timed step. */
  ticks: number;
  /** Ticks stepped before it (the first admits every VM). */
  warmupTicks: number;
  seed: number;
  /** Print the JSON instead of the table. */
  json: boolean;
  out: string;
  /** The built CLI (default dist/src/cli/main.js). */
  cliPath?: string;
  /** Write V8 CPU profiles of every server and worker process into this directory. */
  cpuProfDir?: string;
}

/** The whole report. */
export interface ScaleOutReport {
  machine: ReturnType<typeof machine>;
  options: Omit<ScaleOutOptions, "cliPath">;
  rows: ScaleOutRow[];
  complete: boolean;
}

const USAGE = "usage: npm run bench:scale-out -- [--workers 1,2,4] [--vms 1000,10000] [--ticks 20] [--warmup 5] [--seed 1] [--quick] [--json] [--out FILE] [--cpu-prof DIR]";

/** Parses the flags (see the module comment); `--quick` sets workers 1,2, 200 VMs and 5 ticks unless given too. */
export function parseScaleOutArgs(argv: readonly string[]): ScaleOutOptions {
  const options: ScaleOutOptions = { workers: [1, 2, 4], vms: [1000, 10_000], ticks: 20, warmupTicks: 5, seed: 1, json: false, out: "bench/results/scale-out.json" };
  const given = new Set<string>();
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const need = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value; ${USAGE}`);
      return v;
    };
    const whole = (text: string, min: number): number => {
      const n = Number(text.trim());
      if (text.trim() === "" || !Number.isSafeInteger(n) || n < min) throw new Error(`${flag}: expected a whole number ≥ ${min}, got "${text}"`);
      return n;
    };
    given.add(flag);
    if (flag === "--workers") options.workers = need().split(",").map((s) => whole(s, 1));
    else if (flag === "--vms") options.vms = need().split(",").map((s) => whole(s, 100));
    else if (flag === "--ticks") options.ticks = whole(need(), 1);
    else if (flag === "--warmup") options.warmupTicks = whole(need(), 1);
    else if (flag === "--seed") options.seed = whole(need(), 0);
    else if (flag === "--out") options.out = need();
    else if (flag === "--cpu-prof") options.cpuProfDir = need();
    else if (flag === "--json") options.json = true;
    else if (flag === "--quick") quick = true;
    else throw new Error(`unknown flag ${flag}; ${USAGE}`);
  }
  if (quick) {
    if (!given.has("--workers")) options.workers = [1, 2];
    if (!given.has("--vms")) options.vms = [200];
    if (!given.has("--ticks")) options.ticks = 5;
  }
  return options;
}

/** Writes the busy cluster of `vms` VMs as `generate -o json --output DIR/` would (files of 1 000 objects). */
function writeCluster(vms: number, seed: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "memplane-scale-out-cluster-"));
  jsonChunks(busyHostGroups(vms, seed)).forEach((text, i) => fs.writeFileSync(path.join(dir, `cluster-${String(i + 1).padStart(4, "0")}.json`), text));
  return dir;
}

/** Runs every row (see the module comment); `onRow` hears each as it is measured. */
export async function runScaleOut(options: ScaleOutOptions, progress: (line: string) => void = () => {}, onRow: (report: ScaleOutReport) => void = () => {}): Promise<ScaleOutReport> {
  if (findEtcdBinary() === undefined) throw new EtcdNotInstalledError();
  const cliPath = path.resolve(options.cliPath ?? "dist/src/cli/main.js");
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is not there: build first (npm run build)`);
  const { cliPath: _omit, ...shown } = options;
  const report: ScaleOutReport = { machine: machine(), options: shown, rows: [], complete: false };
  for (const vms of options.vms) {
    const clusterDir = writeCluster(vms, options.seed);
    const size = Math.ceil(vms / 100) * 100;
    try {
      const base = { vms: size, ticks: options.ticks, warmupTicks: options.warmupTicks, clusterDir, cliPath, cpuProfDir: options.cpuProfDir };
      progress(`${size} VMs: single-process engine (file-backed serve)`);
      report.rows.push(await measureSingleRow({ ...base, workers: 0 }, progress));
      onRow(report);
      for (const workers of options.workers) {
        progress(`${size} VMs: ${workers} worker process${workers === 1 ? "" : "es"} on etcd`);
        report.rows.push(await measureEtcdRow({ ...base, workers }, progress));
        onRow(report);
      }
    } finally {
      fs.rmSync(clusterDir, { recursive: true, force: true });
    }
  }
  report.complete = true;
  return report;
}

const n0 = (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString("en-US") : "—");
const n1 = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : "—");
const kb = (bytes: number): string => (Number.isFinite(bytes) ? (bytes / 1000).toFixed(1) + " kB" : "—");

/** The rows as a Markdown table (what docs/scale-out.md, *Measured*, shows), and the bytes of the accounted tick by kind of key. */
export function renderScaleOut(report: ScaleOutReport): string {
  const head =
    "| VMs | engine | shards | ms/tick | VM-ticks/s | CPU ms/tick server (main thread) / workers / etcd | etcd puts/s | etcd MB/s put | etcd txns/tick | fsyncs/tick | commit ms | status kB/tick | status B/VM | log entries/tick |";
  const lines = [head, "|" + "---|".repeat(14)];
  for (const r of report.rows) {
    const e = r.etcd;
    const engine = r.workers === 0 ? "single process" : `${r.workers} worker${r.workers === 1 ? "" : "s"}`;
    lines.push(
      `| ${n0(r.vms)} | ${engine} | ${r.shards || "—"} | ${n1(r.msPerTick)} | ${n0(r.vmTicksPerSecond)} | ${n1(r.cpuMsPerTick.server)} (${n1(r.cpuMsPerTick.serverMainThread)}) / ${n1(r.cpuMsPerTick.workers)} / ${e ? n1(r.cpuMsPerTick.etcd) : "—"} | ` +
        `${e ? n0(e.putsPerSecond) : "—"} | ${e ? e.putMBPerSecond.toFixed(2) : "—"} | ${e ? n1(e.revisionsPerTick) : "—"} | ${e ? n1(e.fsyncsPerTick) : "—"} | ${e ? e.commitMs.toFixed(2) : "—"} | ` +
        `${e ? (e.oneTick.bytes.objects.bytes / 1000).toFixed(0) : "—"} | ${e ? n0(e.oneTick.statusBytesPerVm) : "—"} | ${n0(r.logEntriesPerTick)} |`,
    );
  }
  const kinds = ["", "One accounted tick (step --ticks 1), etcd puts by kind of key (puts, key + value bytes); answers by their call; the shards' latest checkpoints:", ""];
  const methods = ["phase1", "phase2", "pull"];
  kinds.push(`| VMs | workers | ${KEY_KINDS.join(" | ")} | ${methods.map((m) => `answers: ${m}`).join(" | ")} | checkpoints in etcd |`, "|" + "---|".repeat(KEY_KINDS.length + methods.length + 3));
  for (const r of report.rows) {
    if (r.etcd === undefined) continue;
    const b = r.etcd.oneTick.bytes;
    const a = r.etcd.oneTick.answersByMethod;
    const cell = (c: { puts: number; bytes: number } | undefined): string => (c === undefined ? "0" : `${n0(c.puts)}, ${kb(c.bytes)}`);
    kinds.push(
      `| ${n0(r.vms)} | ${r.workers} | ${KEY_KINDS.map((k) => cell(b[k])).join(" | ")} | ${methods.map((m) => cell(a[m])).join(" | ")} | ${kb(r.etcd.checkpoint.bytes)} every ${r.etcd.checkpoint.everyTicks} ticks |`,
    );
  }
  return [...lines, ...kinds].join("\n") + "\n";
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const progress = (line: string): void => void process.stderr.write(line + "\n");
  let options: ScaleOutOptions;
  try {
    options = parseScaleOutArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`scale-out: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const save = (report: ScaleOutReport): void => {
    fs.mkdirSync(path.dirname(options.out), { recursive: true });
    fs.writeFileSync(options.out, JSON.stringify(report, null, 2) + "\n");
  };
  runScaleOut(options, progress, save).then(
    (report) => {
      save(report);
      process.stdout.write(options.json ? JSON.stringify(report, null, 2) + "\n" : renderScaleOut(report));
      progress(`written to ${options.out}`);
    },
    (e: unknown) => {
      process.stderr.write(`scale-out: ${(e as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
