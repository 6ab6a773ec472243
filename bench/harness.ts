/**
 * One benchmark size: parses and validates the cluster's manifests as YAML and as JSON (and times
 * js-yaml alone on the YAML, the floor of any YAML reading), applies them through the public
 * library API, times busy and steady ticks, runs the raw typed-array kernel over the same
 * cluster in the same process, and times JSON log writing. Returns plain numbers.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import * as yaml from "js-yaml";
import { createEngine, parseManifestTextOrThrow, type LogEntry } from "../src/index.js";
import { LOG_WRITE_CHUNK } from "../src/engine/log-format.js";
import { toLogLines } from "../src/state/log-file.js";
import { busyCluster, jsonChunks, steadyCluster, yamlChunks } from "./clusters.js";
import { buildKernelCluster, kernelTick } from "./kernel.js";
import { median, quantile, timed } from "./stats.js";

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
function measureEngine(engine: ReturnType<typeof createEngine>, objects: ReturnType<typeof busyCluster>, warmup: number, ticks: number, vms: number): TickFigures {
  gc();
  engine.apply(objects);
  engine.step(warmup);
  let logs = 0;
  const sub = engine.logs$.subscribe(() => logs++);
  const samples: Sample[] = [];
  for (let i = 0; i < ticks; i++) samples.push(timed(() => engine.step(1)));
  sub.unsubscribe();
  return figures(samples, vms, logs);
}

/** The raw kernel's tick times (wall and CPU ms) over `ticks` ticks after its first. */
function measureKernel(objects: ReturnType<typeof busyCluster>, ticks: number): { kernelSamples: number[]; kernelCpu: number[] } {
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

/**
 * The busy engine: applies the JSON texts (timed), runs the first and the busy ticks, reads RSS
 * and heap, and times log writing while it is alive. The engine is dropped on return; the texts
 * are dropped (from `holder`) before memory is read.
 */
function measureBusy(holder: { texts: string[] }, options: SizeOptions, progress: (line: string) => void) {
  const { vms, ticks, seed } = options;
  gc();
  const engine = createEngine({ seed });
  const { ms: applyJsonMs, cpuMs: applyJsonCpuMs } = timed(() => {
    for (const text of holder.texts) engine.apply(text);
  });
  progress(`  apply JSON ${applyJsonMs.toFixed(0)} ms`);
  holder.texts = []; // only the engine's own memory counts toward RSS below
  gc();

  let logs = 0;
  const logSample: LogEntry[] = [];
  const sub = engine.logs$.subscribe((e) => {
    logs++;
    if (logSample.length < 10_000) logSample.push(e);
  });
  const { ms: firstTickMs, cpuMs: firstTickCpuMs } = timed(() => engine.step(1));
  progress(`  first tick ${firstTickMs.toFixed(0)} ms`);
  logSample.length = 0; // the log of busy ticks (mostly EntitlementChanged), not of admission
  const busySamples: Sample[] = [];
  const logsBefore = logs;
  for (let i = 0; i < ticks; i++) busySamples.push(timed(() => engine.step(1)));
  const busyLogs = logs - logsBefore;
  sub.unsubscribe();
  // log lines are written while the simulation that made them is alive, as in `memplane run`,
  // and before the forced collection below: right after a full GC of a large heap, V8's
  // concurrent sweepers work through all of its pages on the machine's cores while the writer
  // runs (at 100k VMs ≈ 0.5 s of CPU, which halved the measured rate; docs/performance.md)
  const logRates = measureLogWriting(logSample, options.logEntries ?? 200_000);
  gc(); // live memory, not the garbage of the last tick
  const mem = process.memoryUsage();
  const hostsUnderPressure = engine.store
    .list("Host")
    .filter((h) => ["soft", "hard", "low"].includes((h.status as { state?: string } | undefined)?.state ?? "high")).length;
  const busy = figures(busySamples, vms, busyLogs);
  progress(`  busy median ${busy.medianMs.toFixed(1)} ms, p95 ${busy.p95Ms.toFixed(1)} ms, ${hostsUnderPressure} hosts under pressure`);
  progress(`  JSON log ${(logRates.wall / 1000).toFixed(0)}k entries/s`);
  return { applyJsonMs, applyJsonCpuMs, firstTickMs, firstTickCpuMs, busy, hostsUnderPressure, mem, logRates };
}

/**
 * Measures one cluster size. `progress` gets a line per phase (for stderr). The busy engine runs
 * first, applied from JSON on a clean heap, so that RSS and heap describe the simulation and
 * not the garbage of the YAML phases; those run after it is dropped.
 */
export function runSize(options: SizeOptions, progress: (line: string) => void = () => {}): SizeResult {
  const { vms, ticks, seed } = options;
  gc();
  let busyObjects = busyCluster(vms, seed);
  const hosts = busyObjects.filter((o) => o.kind === "Host").length;
  let jsonTexts = jsonChunks(busyObjects);
  const jsonChunkTotal = jsonTexts.length;
  const mib = (chunks: readonly string[]): string => (chunks.reduce((s, t) => s + t.length, 0) / 2 ** 20).toFixed(1);

  // the kernel first, on a quiet heap
  const { kernelSamples, kernelCpu } = measureKernel(busyObjects, ticks);
  busyObjects = [];
  progress(`${vms} VMs: ${jsonTexts.length} JSON chunk(s), ${mib(jsonTexts)} MiB`);
  progress(`  kernel median ${median(kernelSamples).toFixed(2)} ms`);

  gc();
  const { ms: validateJsonMs, cpuMs: validateJsonCpuMs } = timed(() => {
    for (const [i, text] of jsonTexts.entries()) parseManifestTextOrThrow(text, `chunk-${i}.json`);
  });
  progress(`  validate JSON ${validateJsonMs.toFixed(0)} ms`);

  const holder = { texts: jsonTexts };
  jsonTexts = [];
  const { applyJsonMs, applyJsonCpuMs, firstTickMs, firstTickCpuMs, busy, hostsUnderPressure, mem, logRates } = measureBusy(holder, options, progress);

  gc();
  let texts = yamlChunks(busyCluster(vms, seed));
  progress(`  ${texts.length} YAML chunk(s), ${mib(texts)} MiB`);
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
  let yamlEngine: ReturnType<typeof createEngine> | undefined = createEngine({ seed });
  const { ms: applyMs, cpuMs: applyCpuMs } = timed(() => {
    for (const text of texts) yamlEngine!.apply(text);
  });
  progress(`  apply YAML ${applyMs.toFixed(0)} ms`);
  const chunkCounts = { yamlChunks: texts.length, jsonChunks: jsonChunkTotal };
  yamlEngine = undefined;
  texts = [];

  const steady = measureEngine(createEngine({ seed }), steadyCluster(vms, seed), options.steadyWarmup ?? 20, ticks, vms);
  progress(`  steady median ${steady.medianMs.toFixed(2)} ms`);

  // the simulation without status projection: what an embedder that reads the model pays
  const busyWithoutStatus = measureEngine(createEngine({ seed, controllers: { disable: ["vm-status", "host-status"] } }), busyCluster(vms, seed), 1, ticks, vms);
  progress(`  busy without status projection median ${busyWithoutStatus.medianMs.toFixed(1)} ms`);

  const kernelMedian = median(kernelSamples);
  return {
    vms,
    hosts,
    validateMs,
    applyMs,
    firstTickMs,
    validateCpuMs,
    applyCpuMs,
    firstTickCpuMs,
    validateJsonMs,
    validateJsonCpuMs,
    applyJsonMs,
    applyJsonCpuMs,
    yamlLoadAllMs,
    yamlLoadAllCpuMs,
    ...chunkCounts,
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
  };
}
