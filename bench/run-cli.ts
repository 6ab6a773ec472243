/**
 * `memplane run` on a generated cluster, timed as a user runs it (issue 13's target: a 100k-VM
 * cluster, `--duration 10m --log-format json > file`, ≤ 2 min wall). Generates the cluster with
 * `memplane generate -o json --output DIR/` (the split files), then runs the built CLI in a
 * child process with stdout to a file, and reports wall time, the child's CPU time and the
 * log lines written. `npm run bench -- --sizes none --run-cli 100000`, or on its own:
 * `node dist/bench/run-cli.js [--vms 100000] [--duration 10m] [--seed 1] [--cpu-prof DIR] [--keep]`.
 */
import * as child from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BENCH_VMS_PER_HOST } from "./clusters.js";

/** Options of {@link measureRunCli}. */
export interface RunCliOptions {
  vms: number;
  seed: number;
  /** Simulated time to run (default `10m`). */
  duration?: string;
  /** Write a V8 CPU profile of the `run` process into this directory (`node --cpu-prof`). */
  cpuProfDir?: string;
  /** The built CLI (default `dist/src/cli/main.js` under the working directory). */
  cliPath?: string;
  /** Keep the generated cluster and the log file (their directory is in the result). */
  keep?: boolean;
}

/** What one timed `memplane run` took. */
export interface RunCliResult {
  vms: number;
  duration: string;
  /** Wall time of the `run` process, ms. */
  wallMs: number;
  /** CPU time (user + system) of the `run` process, ms; NaN where /proc is not there to read it. */
  cpuMs: number;
  /** Lines of the JSON log it wrote to stdout. */
  logLines: number;
  /** Bytes of that log. */
  logBytes: number;
  /** The scratch directory, when kept. */
  dir?: string;
}

/** CPU ms of this process's waited-for children so far (Linux /proc; NaN elsewhere). */
function childrenCpuMs(): number {
  try {
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields from the 3rd (state) on: cutime is the 16th of stat, cstime the 17th
    const ticks = Number(fields[13]) + Number(fields[14]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}

/** Runs the CLI synchronously; throws with its stderr when it fails. */
function cli(cliPath: string, args: readonly string[], stdout: number | "ignore", nodeFlags: readonly string[] = []): void {
  const r = child.spawnSync(process.execPath, [...nodeFlags, cliPath, ...args], { stdio: ["ignore", stdout, "pipe"], maxBuffer: 64 * 2 ** 20 });
  if (r.error !== undefined) throw r.error;
  if (r.status !== 0) throw new Error(`memplane ${args.join(" ")} exited ${r.status ?? r.signal}: ${r.stderr.toString().trim().slice(0, 2000)}`);
}

/** Counts newlines of a file without reading it whole. */
function countLines(file: string): number {
  const fd = fs.openSync(file, "r");
  const buf = Buffer.allocUnsafe(1 << 20);
  let lines = 0;
  try {
    for (let n = fs.readSync(fd, buf); n > 0; n = fs.readSync(fd, buf)) {
      for (let i = buf.indexOf(10); i !== -1 && i < n; i = buf.indexOf(10, i + 1)) lines++;
    }
  } finally {
    fs.closeSync(fd);
  }
  return lines;
}

/** Generates a cluster of `vms` VMs as split JSON files and times `memplane run` on it. */
export function measureRunCli(options: RunCliOptions, progress: (line: string) => void = () => {}): RunCliResult {
  const cliPath = path.resolve(options.cliPath ?? "dist/src/cli/main.js");
  const duration = options.duration ?? "10m";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "memplane-run-cli-"));
  try {
    const cluster = path.join(dir, "cluster") + path.sep;
    const hosts = Math.ceil(options.vms / BENCH_VMS_PER_HOST);
    cli(cliPath, ["generate", "--hosts", String(hosts), "--vms-per-host", String(BENCH_VMS_PER_HOST), "--seed", String(options.seed), "-o", "json", "--output", cluster], "ignore");
    progress(`run-cli: ${hosts * BENCH_VMS_PER_HOST} VMs generated into ${cluster}; memplane run --duration ${duration} --log-format json`);
    const logFile = path.join(dir, "log.jsonl");
    const fd = fs.openSync(logFile, "w");
    const flags = options.cpuProfDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${path.resolve(options.cpuProfDir)}`];
    const cpuBefore = childrenCpuMs();
    const start = performance.now();
    try {
      cli(cliPath, ["run", "-f", cluster, "--duration", duration, "--seed", String(options.seed), "--log-format", "json"], fd, flags);
    } finally {
      fs.closeSync(fd);
    }
    const wallMs = performance.now() - start;
    const result: RunCliResult = {
      vms: hosts * BENCH_VMS_PER_HOST,
      duration,
      wallMs,
      cpuMs: childrenCpuMs() - cpuBefore,
      logLines: countLines(logFile),
      logBytes: fs.statSync(logFile).size,
      ...(options.keep === true ? { dir } : {}),
    };
    progress(`run-cli: ${(wallMs / 1000).toFixed(1)} s wall, ${(result.cpuMs / 1000).toFixed(1)} s cpu, ${result.logLines} log lines`);
    return result;
  } finally {
    if (options.keep !== true) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Parses `--vms n --duration d --seed s --cpu-prof DIR --keep`. */
export function parseRunCliArgs(argv: readonly string[]): RunCliOptions {
  const options: RunCliOptions = { vms: 100_000, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const whole = (text: string): number => {
      const n = Number(text);
      if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag}: expected a whole number ≥ 1, got "${text}"`);
      return n;
    };
    if (flag === "--vms") options.vms = whole(value());
    else if (flag === "--seed") options.seed = whole(value());
    else if (flag === "--duration") options.duration = value();
    else if (flag === "--cpu-prof") options.cpuProfDir = value();
    else if (flag === "--keep") options.keep = true;
    else throw new Error(`unknown flag ${flag}; usage: node dist/bench/run-cli.js [--vms 100000] [--duration 10m] [--seed 1] [--cpu-prof DIR] [--keep]`);
  }
  return options;
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  try {
    const result = measureRunCli(parseRunCliArgs(process.argv.slice(2)), (line) => void process.stderr.write(line + "\n"));
    process.stdout.write(JSON.stringify(result, null, 2) + "\n");
  } catch (e) {
    process.stderr.write(`run-cli: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
