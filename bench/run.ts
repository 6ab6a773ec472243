/**
 * `npm run bench [-- --sizes 1000,10000,100000 --ticks 60 --seed 1 --out bench/results/latest.json]`:
 * runs the engine through the public library API on generated clusters and prints a table of
 * apply/validate time, busy and steady tick times, VM-ticks per second, RSS, the raw-kernel
 * floor and the engine ÷ kernel ratio, JSON log writing, and the targets — then writes
 * the same as JSON. Benchmarks are not tests: nothing here runs in `npm test`.
 */
import "reflect-metadata";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runSize, type SizeResult } from "./harness.js";
import { BENCH_VMS_PER_HOST } from "./clusters.js";
import { count, ms } from "./stats.js";
import { checkTargets, type TargetCheck } from "./targets.js";

/** Command-line options of the benchmark. */
export interface BenchOptions {
  sizes: number[];
  ticks: number;
  seed: number;
  out: string;
}

/** Parses `--sizes a,b,c --ticks n --seed s --out file`. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = { sizes: [1000, 10_000, 100_000], ticks: 60, seed: 1, out: "bench/results/latest.json" };
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
    if (flag === "--sizes") options.sizes = need().split(",").map((s) => whole(s.trim(), 1));
    else if (flag === "--ticks") options.ticks = whole(need(), 1);
    else if (flag === "--seed") options.seed = whole(need(), 0);
    else if (flag === "--out") options.out = need();
    else throw new Error(`unknown flag ${flag}; usage: npm run bench -- [--sizes 1000,10000,100000] [--ticks 60] [--seed 1] [--out FILE]`);
  }
  return options;
}

/** The machine the numbers were taken on. */
export function machine(): { cpu: string; cores: number; node: string; platform: string; loadAverage: number[] } {
  return { cpu: os.cpus()[0]?.model ?? "unknown", cores: os.availableParallelism(), node: process.version, platform: `${os.type()} ${os.release()}`, loadAverage: os.loadavg() };
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
    ["busy ÷ steady (cpu)", (r) => (1 / r.steadyOverBusy).toFixed(1) + "×"],
    ["kernel tick median ms wall / cpu", (r) => `${ms(r.kernel.medianMs)} / ${ms(r.kernel.medianCpuMs)}`],
    ["engine ÷ kernel (busy, cpu)", (r) => r.ratio.toFixed(1) + "×"],
    ["busy without status projection ms wall / cpu", (r) => `${ms(r.busyWithoutStatus.medianMs)} / ${ms(r.busyWithoutStatus.medianCpuMs)}`],
    ["  ÷ kernel (cpu)", (r) => (r.busyWithoutStatus.medianCpuMs / r.kernel.medianCpuMs).toFixed(1) + "×"],
    ["RSS MiB (after busy ticks)", (r) => r.rssMiB.toFixed(0)],
    ["heap used MiB", (r) => r.heapMiB.toFixed(0)],
    ["JSON log entries/s wall / cpu", (r) => `${count(r.logEntriesPerSecond)} / ${count(r.logEntriesPerCpuSecond)}`],
  ];
  const head = ["", ...results.map((r) => `${count(r.vms)} VMs`)];
  const body = rows.map(([label, f]) => [label, ...results.map(f)]);
  const widths = head.map((_, c) => Math.max(...[head, ...body].map((row) => row[c]!.length)));
  const line = (row: string[]): string => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ");
  return [line(head), ...body.map(line)].join("\n") + "\n";
}

function renderTargets(checks: readonly TargetCheck[]): string {
  return checks.map((c) => `${c.met ? "met " : "MISS"}  ${c.target.padEnd(48)} ${c.actual}`).join("\n") + "\n";
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
  process.stderr.write(`memplane bench: ${m.cpu}, ${m.cores} cores, node ${m.node}, load ${m.loadAverage.map((l) => l.toFixed(1)).join(" ")}; ${BENCH_VMS_PER_HOST} VMs/host, ${options.ticks} ticks\n`);
  const results: SizeResult[] = [];
  for (const vms of options.sizes) {
    results.push(runSize({ vms, ticks: options.ticks, seed: options.seed }, (line) => process.stderr.write(line + "\n")));
  }
  const checks = checkTargets(results);
  const note =
    "Apply/validate targets are judged on JSON manifests; YAML reading is bounded by js-yaml itself (its loadAll alone is the floor row).\n";
  process.stdout.write("\n" + renderTable(results) + note + "\n" + renderTargets(checks));
  const report = { date: new Date().toISOString(), machine: { ...m, loadAverageAfter: os.loadavg() }, options, vmsPerHost: BENCH_VMS_PER_HOST, results, targets: checks };
  fs.mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
  fs.writeFileSync(options.out, JSON.stringify(report, null, 2) + "\n");
  process.stderr.write(`wrote ${options.out}\n`);
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  await main();
}
