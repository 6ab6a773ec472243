/**
 * One benchmark size: parses and validates the cluster's manifests as YAML and as JSON (and times
 * js-yaml alone on the YAML, the floor of any YAML reading), applies them through the public
 * library API, times busy and steady ticks with 1 worker and busy ticks with more (when the
 * engine has worker threads), runs the raw typed-array kernel over the same cluster in the same
 * process, and times JSON log writing. Returns plain numbers; a phase that was not run is NaN.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import * as yaml from "js-yaml";
import { parseManifestTextOrThrow, type Engine, type LogEntry, type ManifestObject } from "../src/index.js";
import { LOG_WRITE_CHUNK } from "../src/engine/log-format.js";
import { toLogLines } from "../src/state/log-file.js";
import { BENCH_VMS_PER_HOST, busyCluster, busyHostGroups, jsonChunks, steadyCluster, yamlChunks } from "./clusters.js";
import { buildKernelCluster, kernelTick } from "./kernel.js";
import { peakRssMiB, resetPeakRss } from "./peak-rss.js";
import { median, quantile, timed } from "./stats.js";
import { checkShards, createBenchEngine, releaseEngine, workerShards, type ShardCheck, type WorkerShard } from "./workers.js";

/** Sizes above this skip the YAML, steady and without-status phases unless `full` is set (a 1M-VM YAML read alone takes minutes). */
export const FULL_PHASES_MAX_VMS = 100_000;

/** Options of {@link runSize}. */
export interface SizeOptions {
  vms: number;
  /** Measured busy ticks and measured steady ticks (each). */
  ticks: number;
  seed: number;
  /** Warm-up ticks of the steady engine before measuring (default 20: admission, first touch and the sharing scan settle). */
  steadyWarmup?: number;
  /** Log entries to format and write for the JSON-log figure (default 200 000). */
  logEntries?: number;
  /** Worker counts to time busy ticks with (default 1 and 2); 1 is the main busy engine. */
  workers?: readonly number[];
  /** Run the YAML, steady and without-status phases (default: only up to {@link FULL_PHASES_MAX_VMS} VMs). */
  full?: boolean;
  /** Stop stepping an engine whose process RSS goes over this many MiB after a tick (default: no limit). */
  maxRssMiB?: number;
}

/** Busy ticks with a number of worker threads. */
export interface WorkerRun {
  workers: number;
  /** False when the engine has no worker threads (then only the 1-worker run is measured, on the main thread). */
  supported: boolean;
  /** Busy figures; undefined when not measured. */
  busy?: TickFigures;
  /** Per-worker shard counters after the busy ticks (`engine.workerShards()`), and what they show. */
  shards?: readonly WorkerShard[];
  shardCheck?: ShardCheck;
  /** Process RSS after the busy ticks (the main thread's heap collected; worker threads collect their own between ticks), MiB. */
  rssMiB?: number;
  /** The process's peak RSS during the busy ticks, MiB (NaN where the kernel does not say: bench/peak-rss.ts). */
  peakRssMiB?: number;
  /** The peak during apply and the first tick (which starts the shards), MiB. */
  firstTickPeakRssMiB?: number;
}

/** Per-tick timing of one phase. */
export interface TickFigures {
  ticks: number;
  /** Wall-clock milliseconds per tick. */
  medianMs: number;
  p95Ms: number;
  /** This process's CPU milliseconds per tick (steadier on a shared machine). */
  medianCpuMs: number;
  p95CpuMs: number;
  /** VMs × ticks per second at the median. */
  vmTicksPerSecond: number;
  /** Log entries per tick (mean). */
  logsPerTick: number;
}

/** Everything measured for one cluster size. */
export interface SizeResult {
  vms: number;
  hosts: number;
  /** Parse + validate of the YAML text, no store (ms). */
  validateMs: number;
  /** engine.apply of the YAML texts: parse + validate + default + store (ms). */
  applyMs: number;
  /** The first tick (admission of every VM), ms. */
  firstTickMs: number;
  /** The same three as CPU milliseconds of this process. */
  validateCpuMs: number;
  applyCpuMs: number;
  firstTickCpuMs: number;
  /** Parse + validate of the same cluster as JSON `kind: List` texts (`generate -o json`), ms wall and CPU. */
  validateJsonMs: number;
  validateJsonCpuMs: number;
  /** engine.apply of the JSON texts into a fresh engine, ms wall and CPU. */
  applyJsonMs: number;
  applyJsonCpuMs: number;
  /** js-yaml's own `loadAll` of the YAML texts (no checks, no positions): the floor of YAML reading, ms wall and CPU. */
  yamlLoadAllMs: number;
  yamlLoadAllCpuMs: number;
  /** How many texts each format was split into. */
  yamlChunks: number;
  jsonChunks: number;
  busy: TickFigures;
  steady: TickFigures;
  /** Busy ticks of the same cluster with `vm-status` and `host-status` disabled (the model only, no status writes). */
  busyWithoutStatus: TickFigures;
  /** Hosts in soft, hard or low state at the end of the busy ticks. */
  hostsUnderPressure: number;
  kernel: { medianMs: number; p95Ms: number; medianCpuMs: number };
  /** Engine busy median ÷ kernel median (CPU time). */
  ratio: number;
  /** Steady median ÷ busy median, CPU time (lower is better; target ≤ 0.2). */
  steadyOverBusy: number;
  /** Resident set size after the busy ticks with the engine alive (after a full GC), MiB. */
  rssMiB: number;
  /** Heap used after the busy ticks (after a full GC), MiB. */
  heapMiB: number;
  /** Log entries written as log.jsonl is written (`toLogLines`, one write per 256 entries), per (wall) second. */
  logEntriesPerSecond: number;
  /** The same per CPU second of this process. */
  logEntriesPerCpuSecond: number;
  /** Busy ticks per worker count (the 1-worker run is the busy engine above). */
  workerRuns: WorkerRun[];
  /** Whether the YAML, steady and without-status phases ran (see {@link SizeOptions.full}). */
  full: boolean;
  /** Set when stepping stopped early because RSS went over `maxRssMiB`. */
  stoppedEarly?: string;
}

/** Figures of a phase that was not run: NaN everywhere (shown as "—"). */
export function notMeasured(): TickFigures {
  return { ticks: 0, medianMs: Number.NaN, p95Ms: Number.NaN, medianCpuMs: Number.NaN, p95CpuMs: Number.NaN, vmTicksPerSecond: Number.NaN, logsPerTick: Number.NaN };
}

type Sample = { ms: number; cpuMs: number };

function figures(samples: readonly Sample[], vms: number, logs: number): TickFigures {
  const wall = samples.map((s) => s.ms);
  const cpu = samples.map((s) => s.cpuMs);
  const med = median(wall);
  return {
    ticks: samples.length,
    medianMs: med,
    p95Ms: quantile(wall, 0.95),
    medianCpuMs: median(cpu),
    p95CpuMs: quantile(cpu, 0.95),
    vmTicksPerSecond: (vms * 1000) / med,
    logsPerTick: logs / Math.max(1, samples.length),
  };
}

let collect: (() => void) | undefined;

/** A full garbage collection between phases (exposes V8's gc without a node flag). */
function gc(): void {
  if (collect === undefined) {
    v8.setFlagsFromString("--expose-gc");
    collect = (globalThis as { gc?: () => void }).gc ?? (vm.runInNewContext("gc") as () => void);
  }
  collect();
}

/**
 * Ends the current job (one turn of the event loop) so that V8 lets go of what it keeps alive for
 * WeakRefs: a WeakRef's target stays alive until the job that made or dereferenced the WeakRef
 * ends (ECMAScript's *KeepDuringJob*), and inversify's container makes WeakRefs to its plan
 * nodes, which hold the engine's singletons. Run in one synchronous job, every engine the
 * benchmark made before stayed in memory (≈ 100 MiB of heap and 90 MiB of columns at 100k, from
 * the 1k and 10k sizes' engines) and counted in the RSS of the next. `memplane run` and a server
 * return to the event loop between ticks anyway.
 */
export function endJob(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Log entries per write in {@link measureLogWriting}: as the CLI's sinks write (≈ 256 KiB of JSON lines). */
const LOG_WRITE_BATCH = LOG_WRITE_CHUNK;

/**
 * Writes `n` log entries (cycling through `sample`) to a temp file the way a state directory's
 * `log.jsonl` is written (`toLogLines`, then one write per batch; no fsync, which measures the
 * disk rather than memplane); entries per wall and per CPU second.
 */
export function measureLogWriting(sample: readonly LogEntry[], n: number): { wall: number; cpu: number } {
  if (sample.length === 0) return { wall: Number.NaN, cpu: Number.NaN };
  const file = path.join(os.tmpdir(), `memplane-bench-${process.pid}.jsonl`);
  const fd = fs.openSync(file, "w");
  const batches: LogEntry[][] = [];
  for (let i = 0; i < n; i += LOG_WRITE_BATCH) {
    const batch: LogEntry[] = [];
    for (let j = i; j < Math.min(n, i + LOG_WRITE_BATCH); j++) batch.push(sample[j % sample.length]!);
    batches.push(batch);
  }
  try {
    const { ms, cpuMs } = timed(() => {
      for (const batch of batches) fs.writeSync(fd, toLogLines(batch));
    });
    return { wall: (n * 1000) / ms, cpu: (n * 1000) / cpuMs };
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
}

/** Applies `objects` to a fresh engine, runs `warmup` ticks, then times `ticks` ticks one by one. */
function measureEngine(engine: Engine, objects: ReturnType<typeof busyCluster>, warmup: number, ticks: number, vms: number): TickFigures {
  gc();
  engine.apply(objects);
  engine.step(warmup);
  let logs = 0;
  const sub = engine.logs$.subscribe(() => logs++);
  const samples: Sample[] = [];
  for (let i = 0; i < ticks; i++) samples.push(timed(() => engine.step(1)));
  sub.unsubscribe();
  releaseEngine(engine, vms);
  return figures(samples, vms, logs);
}

/** The raw kernel's tick times (wall and CPU ms) over `ticks` ticks after its first. */
function measureKernel(objects: Iterable<ManifestObject>, ticks: number): { kernelSamples: number[]; kernelCpu: number[] } {
  const kernel = buildKernelCluster(objects);
  const kernelSamples: number[] = [];
  const kernelCpu: number[] = [];
  kernelTick(kernel, 1, 1);
  for (let t = 2; t < ticks + 2; t++) {
    const s = timed(() => kernelTick(kernel, t, 1));
    kernelSamples.push(s.ms);
    kernelCpu.push(s.cpuMs);
  }
  return { kernelSamples, kernelCpu };
}

/** Process RSS in MiB. */
const rssMiB = (): number => process.memoryUsage.rss() / 2 ** 20;

/**
 * A busy engine with `workers` worker threads: applies the JSON texts (timed), runs the first
 * and the busy ticks (stopping early past `maxRssMiB`), reads RSS and heap after a full GC.
 * The texts are dropped (from `holder`) before memory is read. `onAlive` runs while the engine
 * is still alive (log writing is timed there, as in `memplane run`).
 */
function measureBusyEngine(holder: { texts: string[] }, workers: number, options: SizeOptions, progress: (line: string) => void, onAlive: (logSample: readonly LogEntry[]) => void = () => {}) {
  const { vms, ticks, seed } = options;
  const maxRss = options.maxRssMiB ?? Number.POSITIVE_INFINITY;
  const label = `${workers} worker${workers === 1 ? "" : "s"}`;
  gc();
  resetPeakRss();
  const { engine, workersSupported } = createBenchEngine({ seed }, workers);
  const { ms: applyJsonMs, cpuMs: applyJsonCpuMs } = timed(() => {
    for (const text of holder.texts) engine.apply(text);
  });
  progress(`  ${label}: apply JSON ${applyJsonMs.toFixed(0)} ms, RSS ${rssMiB().toFixed(0)} MiB`);
  holder.texts = []; // only the engine's own memory counts toward RSS below
  gc();

  let logs = 0;
  const logSample: LogEntry[] = [];
  const sub = engine.logs$.subscribe((e) => {
    logs++;
    if (logSample.length < 10_000) logSample.push(e);
  });
  const { ms: firstTickMs, cpuMs: firstTickCpuMs } = timed(() => engine.step(1));
  const firstTickPeakRssMiB = peakRssMiB();
  progress(`  ${label}: first tick ${firstTickMs.toFixed(0)} ms, RSS ${rssMiB().toFixed(0)} MiB (peak ${firstTickPeakRssMiB.toFixed(0)})`);
  resetPeakRss();
  logSample.length = 0; // the log of busy ticks (mostly EntitlementChanged), not of admission
  const busySamples: Sample[] = [];
  const logsBefore = logs;
  let stoppedEarly: string | undefined;
  for (let i = 0; i < ticks; i++) {
    if (rssMiB() > maxRss) {
      stoppedEarly = `${label}: stopped after ${i} busy tick(s): RSS ${rssMiB().toFixed(0)} MiB is over --max-rss-mib ${maxRss}`;
      progress(`  ${stoppedEarly}`);
      break;
    }
    busySamples.push(timed(() => engine.step(1)));
  }
  const busyLogs = logs - logsBefore;
  const busyPeakRssMiB = peakRssMiB();
  sub.unsubscribe();
  // log lines are written while the simulation that made them is alive, as in `memplane run`,
  // and before the forced collection below: right after a full GC of a large heap, V8's
  // concurrent sweepers work through all of its pages on the machine's cores while the writer
  // runs (at 100k VMs ≈ 0.5 s of CPU, which halved the measured rate; docs/performance.md)
  onAlive(logSample);
  gc(); // live memory, not the garbage of the last tick
  const mem = process.memoryUsage();
  const hostList = engine.store.list("Host");
  const hostsUnderPressure = hostList.filter((h) => ["soft", "hard", "low"].includes((h.status as { state?: string } | undefined)?.state ?? "high")).length;
  const busy = figures(busySamples, vms, busyLogs);
  const shards = workerShards(engine);
  const shardCheck = shards === undefined ? undefined : checkShards(shards, hostList.length, vms, busySamples.length + 1, workers);
  progress(`  ${label}: busy median ${busy.medianMs.toFixed(1)} ms, p95 ${busy.p95Ms.toFixed(1)} ms, ${hostsUnderPressure} hosts under pressure, RSS ${(mem.rss / 2 ** 20).toFixed(0)} MiB (peak ${busyPeakRssMiB.toFixed(0)})`);
  releaseEngine(engine, vms);
  const run: WorkerRun = { workers, supported: workersSupported, busy, shards, shardCheck, rssMiB: mem.rss / 2 ** 20, peakRssMiB: busyPeakRssMiB, firstTickPeakRssMiB };
  return { applyJsonMs, applyJsonCpuMs, firstTickMs, firstTickCpuMs, busy, hostsUnderPressure, mem, run, stoppedEarly };
}

/**
 * Measures one cluster size. `progress` gets a line per phase (for stderr). The busy engine runs
 * first, applied from JSON on a clean heap, so that RSS and heap describe the simulation and
 * not the garbage of the YAML phases; those run after it is dropped. Busy engines with more
 * workers follow, each applied from freshly generated texts.
 */
export async function runSize(options: SizeOptions, progress: (line: string) => void = () => {}): Promise<SizeResult> {
  const { vms, ticks, seed } = options;
  const full = options.full ?? vms <= FULL_PHASES_MAX_VMS;
  const workerCounts = [...new Set(options.workers ?? [1, 2])].sort((a, b) => a - b);
  // the cluster streams from the generator, host by host: at 1M VMs it is never held as objects
  const hosts = Math.ceil(vms / BENCH_VMS_PER_HOST);
  const busyObjects = function* (): Generator<ManifestObject> {
    for (const group of busyHostGroups(vms, seed)) yield* group;
  };
  const mib = (chunks: readonly string[]): string => (chunks.reduce((s, t) => s + t.length, 0) / 2 ** 20).toFixed(1);

  // the kernel first, on a quiet heap (and none of the engines made before this call alive)
  await endJob();
  gc();
  const { kernelSamples, kernelCpu } = measureKernel(busyObjects(), ticks);
  gc();
  let jsonTexts = jsonChunks(busyHostGroups(vms, seed));
  const jsonChunkTotal = jsonTexts.length;
  progress(`${vms} VMs: ${jsonTexts.length} JSON chunk(s), ${mib(jsonTexts)} MiB`);
  progress(`  kernel median ${median(kernelSamples).toFixed(2)} ms`);

  gc();
  const { ms: validateJsonMs, cpuMs: validateJsonCpuMs } = timed(() => {
    for (const [i, text] of jsonTexts.entries()) parseManifestTextOrThrow(text, `chunk-${i}.json`);
  });
  progress(`  validate JSON ${validateJsonMs.toFixed(0)} ms`);

  const holder = { texts: jsonTexts };
  jsonTexts = [];
  let logRates = { wall: Number.NaN, cpu: Number.NaN };
  const main = measureBusyEngine(holder, 1, options, progress, (sample) => {
    logRates = measureLogWriting(sample, options.logEntries ?? 200_000);
    progress(`  JSON log ${(logRates.wall / 1000).toFixed(0)}k entries/s`);
  });
  const { applyJsonMs, applyJsonCpuMs, firstTickMs, firstTickCpuMs, busy, hostsUnderPressure, mem } = main;
  let stoppedEarly = main.stoppedEarly;
  const workerRuns: WorkerRun[] = [];
  for (const workers of workerCounts) {
    if (workers === 1) workerRuns.push(main.run);
    else if (!main.run.supported) workerRuns.push({ workers, supported: false });
    else {
      await endJob(); // the engines measured before are garbage now, not live heap the next one's collector marks
      const extra = measureBusyEngine({ texts: jsonChunks(busyHostGroups(vms, seed)) }, workers, options, progress);
      workerRuns.push(extra.run);
      stoppedEarly ??= extra.stoppedEarly;
    }
  }

  await endJob();
  const yamlPhases = full ? measureYaml(vms, seed, progress) : undefined;
  await endJob();
  const steady = full ? measureEngine(createBenchEngine({ seed }, 1).engine, steadyCluster(vms, seed), options.steadyWarmup ?? 20, ticks, vms) : notMeasured();
  if (full) progress(`  steady median ${steady.medianMs.toFixed(2)} ms`);
  // the simulation without status projection: what an embedder that reads the model pays
  await endJob();
  const busyWithoutStatus = full
    ? measureEngine(createBenchEngine({ seed, controllers: { disable: ["vm-status", "host-status"] } }, 1).engine, busyCluster(vms, seed), 1, ticks, vms)
    : notMeasured();
  if (full) progress(`  busy without status projection median ${busyWithoutStatus.medianMs.toFixed(1)} ms`);

  const kernelMedian = median(kernelSamples);
  const nan = Number.NaN;
  return {
    vms,
    hosts,
    validateMs: yamlPhases?.validateMs ?? nan,
    applyMs: yamlPhases?.applyMs ?? nan,
    firstTickMs,
    validateCpuMs: yamlPhases?.validateCpuMs ?? nan,
    applyCpuMs: yamlPhases?.applyCpuMs ?? nan,
    firstTickCpuMs,
    validateJsonMs,
    validateJsonCpuMs,
    applyJsonMs,
    applyJsonCpuMs,
    yamlLoadAllMs: yamlPhases?.yamlLoadAllMs ?? nan,
    yamlLoadAllCpuMs: yamlPhases?.yamlLoadAllCpuMs ?? nan,
    yamlChunks: yamlPhases?.yamlChunks ?? 0,
    jsonChunks: jsonChunkTotal,
    busy,
    steady,
    busyWithoutStatus,
    hostsUnderPressure,
    kernel: { medianMs: kernelMedian, p95Ms: quantile(kernelSamples, 0.95), medianCpuMs: median(kernelCpu) },
    ratio: busy.medianCpuMs / median(kernelCpu),
    steadyOverBusy: steady.medianCpuMs / busy.medianCpuMs,
    rssMiB: mem.rss / 2 ** 20,
    heapMiB: mem.heapUsed / 2 ** 20,
    logEntriesPerSecond: logRates.wall,
    logEntriesPerCpuSecond: logRates.cpu,
    workerRuns,
    full,
    ...(stoppedEarly === undefined ? {} : { stoppedEarly }),
  };
}

/** The YAML phases: validate, js-yaml's loadAll alone, and apply into a fresh engine. */
function measureYaml(vms: number, seed: number, progress: (line: string) => void) {
  gc();
  let texts = yamlChunks(busyCluster(vms, seed));
  const mib = (texts.reduce((s, t) => s + t.length, 0) / 2 ** 20).toFixed(1);
  progress(`  ${texts.length} YAML chunk(s), ${mib} MiB`);
  const { ms: validateMs, cpuMs: validateCpuMs } = timed(() => {
    for (const [i, text] of texts.entries()) parseManifestTextOrThrow(text, `chunk-${i}.yaml`);
  });
  progress(`  validate YAML ${validateMs.toFixed(0)} ms`);

  gc();
  const { ms: yamlLoadAllMs, cpuMs: yamlLoadAllCpuMs } = timed(() => {
    for (const text of texts) yaml.loadAll(text);
  });
  progress(`  js-yaml loadAll alone ${yamlLoadAllMs.toFixed(0)} ms`);

  gc();
  const { engine } = createBenchEngine({ seed }, 1);
  const { ms: applyMs, cpuMs: applyCpuMs } = timed(() => {
    for (const text of texts) engine.apply(text);
  });
  progress(`  apply YAML ${applyMs.toFixed(0)} ms`);
  const yamlChunkCount = texts.length;
  releaseEngine(engine, vms);
  texts = [];
  return { validateMs, validateCpuMs, yamlLoadAllMs, yamlLoadAllCpuMs, applyMs, applyCpuMs, yamlChunks: yamlChunkCount };
}
