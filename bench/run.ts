/**
 * `npm run bench [-- --sizes 1000,10000,100000 --ticks 60 --seed 1 --workers 1,2 --full
 * --max-rss-mib N --run-cli VMS --out bench/results/latest.json]`:
 * runs the engine through the public library API on generated clusters and prints a table of
 * apply/validate time, busy and steady tick times, VM-ticks per second, busy ticks with 1 and 2
 * worker threads and their shards, RSS, the raw-kernel floor and the engine ÷ kernel ratios,
 * JSON log writing, optionally `memplane run` on a generated cluster, and the targets — then
 * writes the same as JSON. Benchmarks are not tests: nothing here runs in `npm test`.
 */
import "reflect-metadata";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runSize, type SizeResult, type WorkerRun } from "./harness.js";
import { measureRunCli, type RunCliResult } from "./run-cli.js";
import { formatShards } from "./workers.js";
import { BENCH_VMS_PER_HOST } from "./clusters.js";
import { count, ms } from "./stats.js";
import { checkTargets, type TargetCheck } from "./targets.js";

/** Command-line options of the benchmark. */
export interface BenchOptions {
  /** Cluster sizes in VMs (100 per host); empty with `--sizes none` (e.g. for `--run-cli` alone). */
  sizes: number[];
  ticks: number;
  seed: number;
  out: string;
  /** Worker counts whose busy ticks are timed (default 1 and 2; rows say "n/a" on an engine without worker threads). */
  workers: number[];
  /** Run the YAML, steady and without-status phases at every size (by default only up to 100k VMs). */
  full: boolean;
  /** Stop stepping an engine whose RSS goes over this many MiB (default 8192: a 1M-VM engine that does not fit stops instead of taking the machine). */
  maxRssMiB: number;
  /** VMs of the generated cluster `memplane run` is timed on (`--run-cli`); undefined: not measured. */
  runCliVms?: number;
}

const USAGE =
  "usage: npm run bench -- [--sizes 1000,10000,100000|none] [--ticks 60] [--seed 1] [--workers 1,2] [--full] [--max-rss-mib 8192] [--run-cli 100000] [--out FILE]";

/** Parses `--sizes a,b,c --ticks n --seed s --workers 1,2 --full --max-rss-mib m --run-cli v --out file`. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = { sizes: [1000, 10_000, 100_000], ticks: 60, seed: 1, out: "bench/results/latest.json", workers: [1, 2], full: false, maxRssMiB: 8192 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    const need = (): string => {
      if (value === undefined) throw new Error(`${flag} needs a value`);
      i++;
      return value;
    };
    const whole = (text: string, min: number): number => {
      const n = Number(text);
      if (!Number.isSafeInteger(n) || n < min) throw new Error(`${flag}: expected a whole number ≥ ${min}, got "${text}"`);
      return n;
    };
    if (flag === "--sizes") {
      const list = need();
      options.sizes = list === "none" ? [] : list.split(",").map((s) => whole(s.trim(), 1));
    } else if (flag === "--workers") options.workers = need().split(",").map((s) => whole(s.trim(), 1));
    else if (flag === "--full") options.full = true;
    else if (flag === "--max-rss-mib") options.maxRssMiB = whole(need(), 64);
    else if (flag === "--run-cli") options.runCliVms = whole(need(), 1);
    else if (flag === "--ticks") options.ticks = whole(need(), 1);
    else if (flag === "--seed") options.seed = whole(need(), 0);
    else if (flag === "--out") options.out = need();
    else throw new Error(`unknown flag ${flag}; ${USAGE}`);
  }
  return options;
}

/** The machine the numbers were taken on, and node's flags (`npm run bench` passes --single-threaded-gc, docs/performance.md). */
export function machine(): { cpu: string; cores: number; node: string; nodeFlags: string[]; platform: string; loadAverage: number[] } {
  return { cpu: os.cpus()[0]?.model ?? "unknown", cores: os.availableParallelism(), node: process.version, nodeFlags: process.execArgv, platform: `${os.type()} ${os.release()}`, loadAverage: os.loadavg() };
}

/** MiB as a whole number; "—" when not measured. */
function mib(x: number | undefined): string {
  return x !== undefined && Number.isFinite(x) ? x.toFixed(0) : "—";
}

/** A ratio as `12.3×`; "—" when a side was not measured. */
function times(ratio: number, digits = 1): string {
  return Number.isFinite(ratio) ? ratio.toFixed(digits) + "×" : "—";
}

/** The results table, one column per size. */
export function renderTable(results: readonly SizeResult[]): string {
  const rows: [string, (r: SizeResult) => string][] = [
    ["VMs / hosts", (r) => `${count(r.vms)} / ${r.hosts}`],
    ["validate JSON (parse+validate) ms wall / cpu", (r) => `${ms(r.validateJsonMs)} / ${ms(r.validateJsonCpuMs)}`],
    ["apply JSON (parse+validate+store) ms wall / cpu", (r) => `${ms(r.applyJsonMs)} / ${ms(r.applyJsonCpuMs)}`],
    ["validate YAML ms wall / cpu", (r) => `${ms(r.validateMs)} / ${ms(r.validateCpuMs)}`],
    ["apply YAML ms wall / cpu", (r) => `${ms(r.applyMs)} / ${ms(r.applyCpuMs)}`],
    ["  YAML floor: js-yaml loadAll alone ms wall / cpu", (r) => `${ms(r.yamlLoadAllMs)} / ${ms(r.yamlLoadAllCpuMs)}`],
    ["first tick (admission) ms wall / cpu", (r) => `${ms(r.firstTickMs)} / ${ms(r.firstTickCpuMs)}`],
    ["busy tick median ms wall / cpu", (r) => `${ms(r.busy.medianMs)} / ${ms(r.busy.medianCpuMs)}`],
    ["busy tick p95 ms wall / cpu", (r) => `${ms(r.busy.p95Ms)} / ${ms(r.busy.p95CpuMs)}`],
    ["busy VM-ticks/s", (r) => count(r.busy.vmTicksPerSecond)],
    ["busy log entries/tick", (r) => r.busy.logsPerTick.toFixed(0)],
    ["hosts soft/hard/low at end", (r) => String(r.hostsUnderPressure)],
    ["steady tick median ms wall / cpu", (r) => `${ms(r.steady.medianMs)} / ${ms(r.steady.medianCpuMs)}`],
    ["steady tick p95 ms wall / cpu", (r) => `${ms(r.steady.p95Ms)} / ${ms(r.steady.p95CpuMs)}`],
    ["steady VM-ticks/s", (r) => count(r.steady.vmTicksPerSecond)],
    ["busy ÷ steady (cpu)", (r) => times(1 / r.steadyOverBusy)],
    ["kernel tick median ms wall / cpu", (r) => `${ms(r.kernel.medianMs)} / ${ms(r.kernel.medianCpuMs)}`],
    ["engine ÷ kernel (busy, 1 worker, cpu)", (r) => times(r.ratio)],
    ...workerRows(results),
    ["busy without status projection ms wall / cpu", (r) => `${ms(r.busyWithoutStatus.medianMs)} / ${ms(r.busyWithoutStatus.medianCpuMs)}`],
    ["  ÷ kernel (cpu)", (r) => times(r.busyWithoutStatus.medianCpuMs / r.kernel.medianCpuMs)],
    ["RSS MiB (after busy ticks)", (r) => r.rssMiB.toFixed(0)],
    ["heap used MiB", (r) => r.heapMiB.toFixed(0)],
    ["JSON log entries/s wall / cpu", (r) => `${count(r.logEntriesPerSecond)} / ${count(r.logEntriesPerCpuSecond)}`],
  ];
  if (results.some((r) => r.stoppedEarly !== undefined)) rows.push(["stepping stopped early", (r) => (r.stoppedEarly === undefined ? "no" : "yes (RSS)")]);
  const head = ["", ...results.map((r) => `${count(r.vms)} VMs`)];
  const body = rows.map(([label, f]) => [label, ...results.map(f)]);
  const widths = head.map((_, c) => Math.max(...[head, ...body].map((row) => row[c]!.length)));
  const line = (row: string[]): string => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ");
  return [line(head), ...body.map(line)].join("\n") + "\n";
}

/** The run of `workers` workers, if it was asked for. */
function workerRun(r: SizeResult, workers: number): WorkerRun | undefined {
  return r.workerRuns.find((w) => w.workers === workers);
}

/** `yes, yes` (disjoint, non-empty), with a note when fewer shards than workers came back. */
function shardVerdict(run: WorkerRun | undefined, workers: number): string {
  const c = run?.shardCheck;
  if (c === undefined) return "n/a";
  const verdict = `${c.disjoint ? "yes" : "NO"}, ${c.nonEmpty ? "yes" : "NO"}`;
  return c.everyWorker ? verdict : `${verdict} (${run!.shards!.length} shard(s) for ${workers})`;
}

/** Rows for every worker count that was run: busy median, shards, and the ratios to 1 worker and to the kernel. */
function workerRows(results: readonly SizeResult[]): [string, (r: SizeResult) => string][] {
  const counts = [...new Set(results.flatMap((r) => r.workerRuns.map((w) => w.workers)))].sort((a, b) => a - b);
  const rows: [string, (r: SizeResult) => string][] = [];
  for (const n of counts) {
    const run = (r: SizeResult): WorkerRun | undefined => workerRun(r, n);
    const measured = (r: SizeResult): boolean => run(r)?.busy !== undefined && (n === 1 || run(r)!.supported);
    rows.push([`${n} worker${n === 1 ? "" : "s"}: busy median ms wall / cpu`, (r) => (measured(r) ? `${ms(run(r)!.busy!.medianMs)} / ${ms(run(r)!.busy!.medianCpuMs)}` : "n/a")]);
    rows.push([`  shards (hosts/VMs per worker)`, (r) => formatShards(run(r)?.shards, count)]);
    rows.push([`  shards disjoint, non-empty`, (r) => shardVerdict(run(r), n)]);
    rows.push([`  RSS MiB after busy ticks / peak during them`, (r) => (measured(r) && run(r)!.rssMiB !== undefined ? `${mib(run(r)!.rssMiB)} / ${mib(run(r)!.peakRssMiB)}` : "n/a")]);
    rows.push([`  peak RSS MiB during apply and first tick`, (r) => (measured(r) ? mib(run(r)!.firstTickPeakRssMiB) : "n/a")]);
    if (n === 1) continue;
    rows.push([`  wall ÷ 1 worker`, (r) => (measured(r) ? times(run(r)!.busy!.medianMs / r.busy.medianMs, 2) : "n/a")]);
    rows.push([`  wall ÷ kernel wall`, (r) => (measured(r) ? times(run(r)!.busy!.medianMs / r.kernel.medianMs) : "n/a")]);
  }
  return rows;
}

function renderTargets(checks: readonly TargetCheck[]): string {
  return checks.map((c) => `${c.met ? "met " : "MISS"}  ${c.hard ? "hard" : "goal"}  ${c.target.padEnd(56)} ${c.actual}`).join("\n") + "\n";
}

/** Writes the report so far (after every size, so that a size that fails leaves the earlier ones). */
function writeReport(options: BenchOptions, m: ReturnType<typeof machine>, results: readonly SizeResult[], runCli: RunCliResult | undefined, done: boolean): void {
  const report = { date: new Date().toISOString(), complete: done, machine: { ...m, loadAverageAfter: os.loadavg() }, options, vmsPerHost: BENCH_VMS_PER_HOST, results, runCli, targets: checkTargets(results, runCli) };
  fs.mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
  fs.writeFileSync(options.out, JSON.stringify(report, null, 2) + "\n");
}

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const m = machine();
  const progress = (line: string): void => void process.stderr.write(line + "\n");
  progress(`memplane bench: ${m.cpu}, ${m.cores} cores, node ${m.node}${m.nodeFlags.length > 0 ? ` ${m.nodeFlags.join(" ")}` : ""}, load ${m.loadAverage.map((l) => l.toFixed(1)).join(" ")}; ${BENCH_VMS_PER_HOST} VMs/host, ${options.ticks} ticks, workers ${options.workers.join(",")}`);
  const results: SizeResult[] = [];
  for (const vms of options.sizes) {
    results.push(await runSize({ vms, ticks: options.ticks, seed: options.seed, workers: options.workers, maxRssMiB: options.maxRssMiB, ...(options.full ? { full: true } : {}) }, progress));
    writeReport(options, m, results, undefined, false);
  }
  const runCli = options.runCliVms === undefined ? undefined : measureRunCli({ vms: options.runCliVms, seed: options.seed }, progress);
  const checks = checkTargets(results, runCli);
  const note =
    "Apply/validate targets are judged on JSON manifests; YAML reading is bounded by js-yaml itself (its loadAll alone is the floor row).\n" +
    (results.some((r) => !r.full) ? "— : not measured (sizes above 100k VMs skip the YAML, steady and without-status phases unless --full).\n" : "");
  const cli = runCli === undefined ? "" : `memplane run -f <${count(runCli.vms)} VMs> --duration ${runCli.duration} --log-format json: ${(runCli.wallMs / 1000).toFixed(1)} s wall, ${(runCli.cpuMs / 1000).toFixed(1)} s cpu, ${count(runCli.logLines)} log lines\n`;
  process.stdout.write("\n" + (results.length > 0 ? renderTable(results) + note : "") + cli + "\n" + renderTargets(checks));
  writeReport(options, m, results, runCli, true);
  progress(`wrote ${options.out}`);
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  await main();
}
