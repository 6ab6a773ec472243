/**
 * The targets of issue 13 (core v2, part 2), checked against benchmark results: each says what
 * was asked, whether it is a hard minimum or a goal, what was measured, and whether it was met.
 * Targets the results cannot speak to (a size not run, worker threads not there) are skipped.
 */
import * as os from "node:os";
import type { SizeResult, WorkerRun } from "./harness.js";
import type { RunCliResult } from "./run-cli.js";
import { workersFor } from "../src/engine/workers-option.js";

/** One target and its outcome. */
export interface TargetCheck {
  target: string;
  /** A hard minimum of the issue (else a goal). */
  hard: boolean;
  actual: string;
  met: boolean;
}

const MIB_PER_GIB = 1024;
const s = (ms: number): string => (ms / 1000).toFixed(2);
const measured = (run: WorkerRun | undefined): run is WorkerRun & { busy: NonNullable<WorkerRun["busy"]> } =>
  run !== undefined && run.supported && run.busy !== undefined && run.busy.ticks > 0;

/** `100k VMs`, `1M VMs`, `1000 VMs`. */
function sizeLabel(vms: number): string {
  if (vms === 1_000_000) return "1M VMs";
  if (vms === 100_000) return "100k VMs";
  return `${vms} VMs`;
}

/**
 * The 2-worker lines of one size, when 2 workers were measured there: shards disjoint and
 * non-empty (one shard per worker), and busy wall < 0.7× the 1-worker one — the hard minimums
 * at 100k VMs; at other sizes the same checks, as goals, so a short run shows them too.
 */
function twoWorkerChecks(r: SizeResult, add: (hard: boolean, target: string, actual: string, met: boolean) => void): void {
  const two = r.workerRuns.find((w) => w.workers === 2);
  if (!measured(two)) return;
  const hard = r.vms === 100_000;
  const c = two.shardCheck;
  const shards = two.shards ?? [];
  const hosts = shards.map((s) => `w${s.worker} ${s.hosts}h`).join(" ");
  add(
    hard,
    `${sizeLabel(r.vms)}, 2 workers: shards disjoint and non-empty`,
    c === undefined ? "no shard counters" : `${shards.length} shard(s) (${hosts}), disjoint ${c.disjoint}, non-empty ${c.nonEmpty}`,
    c !== undefined && c.disjoint && c.nonEmpty && c.everyWorker,
  );
  // on fewer shards than workers the engine did not run 2 threads: its ratio says nothing about them
  const threaded = c !== undefined && c.everyWorker;
  const factor = two.busy.medianMs / r.busy.medianMs;
  const ratio = `${factor.toFixed(2)}× (${two.busy.medianMs.toFixed(0)} ÷ ${r.busy.medianMs.toFixed(0)} ms)${threaded ? "" : `; ran on ${shards.length} shard(s), not 2`}`;
  add(hard, `${sizeLabel(r.vms)}: 2-worker busy wall < 0.7× 1-worker`, ratio, threaded && factor < 0.7);
  if (hard) {
    const overKernel = two.busy.medianMs / r.kernel.medianMs;
    add(false, "100k VMs: 2-worker busy wall ≤ 2.5× kernel wall", `${overKernel.toFixed(1)}×`, overKernel <= 2.5);
  }
}

/** The busy tick (≤ 400 ms wall) and RSS (≤ 1 GiB) of one measured configuration, as words, and whether both hold. */
function tickAndRss(run: WorkerRun & { busy: NonNullable<WorkerRun["busy"]> }): { actual: string; met: boolean } {
  const b = run.busy;
  const rss = run.rssMiB ?? Number.NaN;
  const peak = run.peakRssMiB !== undefined && Number.isFinite(run.peakRssMiB) ? `, peak ${run.peakRssMiB.toFixed(0)}` : "";
  return { actual: `${b.medianMs.toFixed(0)} ms (cpu ${b.medianCpuMs.toFixed(0)} ms), RSS ${rss.toFixed(0)} MiB${peak}`, met: b.medianMs <= 400 && rss <= MIB_PER_GIB };
}

/**
 * The two hard minimums that must hold together — a 100k busy tick ≤ 400 ms wall and RSS ≤ 1 GiB
 * — judged on the engine a user gets at 100k VMs without options (as many workers as the
 * machine has cores: engine/workers-option.ts), with a line per other configuration measured.
 */
function tickAndRssChecks(r: SizeResult, cores: number, add: (hard: boolean, target: string, actual: string, met: boolean) => void): void {
  const defaultWorkers = workersFor(undefined, r.vms, cores);
  const runs = r.workerRuns.filter(measured).filter((w) => w.workers === 1 || w.supported);
  const byDefault = runs.find((w) => w.workers === defaultWorkers);
  const label = (n: number): string => `${n} worker${n === 1 ? "" : "s"}`;
  if (byDefault === undefined) add(true, `100k VMs, default (${label(defaultWorkers)}): busy ≤ 400 ms, RSS ≤ 1 GiB`, `not measured (--workers ${defaultWorkers})`, false);
  else {
    const { actual, met } = tickAndRss(byDefault);
    add(true, `100k VMs, default (${label(defaultWorkers)}): busy ≤ 400 ms, RSS ≤ 1 GiB`, actual, met);
  }
  for (const run of runs) {
    if (run === byDefault) continue;
    const { actual, met } = tickAndRss(run);
    add(false, `100k VMs, ${label(run.workers)}: busy ≤ 400 ms, RSS ≤ 1 GiB`, actual, met);
  }
}

/** Checks every target the given results can speak to (`cores`: the machine's, which decide the default engine's workers). */
export function checkTargets(results: readonly SizeResult[], runCli?: RunCliResult, cores = os.availableParallelism()): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const add = (hard: boolean, target: string, actual: string, met: boolean): void => void checks.push({ target, hard, actual, met });
  const largest = results.reduce<SizeResult | undefined>((a, r) => (a === undefined || r.vms > a.vms ? r : a), undefined);
  const smallest = results.reduce<SizeResult | undefined>((a, r) => (a === undefined || r.vms < a.vms ? r : a), undefined);
  const at100k = results.find((r) => r.vms === 100_000);
  if (at100k !== undefined) {
    tickAndRssChecks(at100k, cores, add);
    twoWorkerChecks(at100k, add);
    add(false, "100k VMs: busy CPU ≤ 4× kernel (1 thread)", `${at100k.ratio.toFixed(1)}×`, at100k.ratio <= 4);
    add(false, "100k VMs: RSS ≤ 600 MiB after the busy ticks", `${at100k.rssMiB.toFixed(0)} MiB`, at100k.rssMiB <= 600);
    // issue 6's apply/validate targets, judged on JSON (js-yaml alone is slower than them)
    add(false, "100k VMs: apply ≤ 3 s (JSON)", `${s(at100k.applyJsonMs)} s (cpu ${s(at100k.applyJsonCpuMs)} s); YAML ${s(at100k.applyMs)} s`, at100k.applyJsonMs <= 3000);
    add(false, "100k VMs: validate ≤ 2 s (JSON)", `${s(at100k.validateJsonMs)} s (cpu ${s(at100k.validateJsonCpuMs)} s)`, at100k.validateJsonMs <= 2000);
  }
  const at1m = results.find((r) => r.vms === 1_000_000);
  if (at1m !== undefined) {
    add(false, "1M VMs: apply ≤ 30 s (JSON, split files)", `${s(at1m.applyJsonMs)} s (cpu ${s(at1m.applyJsonCpuMs)} s)`, at1m.applyJsonMs <= 30_000);
    const stepped = at1m.busy.ticks > 0;
    add(false, "1M VMs: busy tick ≤ 1.5 s wall", stepped ? `${s(at1m.busy.medianMs)} s (cpu ${s(at1m.busy.medianCpuMs)} s)` : "not stepped", stepped && at1m.busy.medianMs <= 1500);
    add(false, "1M VMs: RSS ≤ 4 GiB", `${at1m.rssMiB.toFixed(0)} MiB${at1m.stoppedEarly === undefined ? "" : " (stepping stopped early)"}`, at1m.stoppedEarly === undefined && at1m.rssMiB <= 4 * MIB_PER_GIB);
  }
  for (const r of results) if (r !== at100k) twoWorkerChecks(r, add);
  if (largest !== undefined && smallest !== undefined && largest !== smallest && largest.busy.ticks > 0) {
    const perVm = (r: SizeResult): number => r.busy.medianCpuMs / r.vms;
    const growth = perVm(largest) / perVm(smallest);
    add(false, `per-VM-tick cpu ${smallest.vms}→${largest.vms} grows ≤ 1.3×`, `${growth.toFixed(2)}×`, growth <= 1.3);
  }
  for (const r of results) {
    if (r.steady.ticks === 0) continue;
    const factor = 1 / r.steadyOverBusy;
    add(false, `${r.vms} VMs: steady ≥ 10× cheaper than busy`, `${factor.toFixed(1)}×`, factor >= 10);
  }
  if (largest !== undefined && Number.isFinite(largest.logEntriesPerSecond)) {
    add(
      false,
      `JSON log writing ≥ 500k entries/s (${largest.vms} VMs alive)`,
      `${Math.round(largest.logEntriesPerSecond / 1000)}k/s (per cpu second ${Math.round(largest.logEntriesPerCpuSecond / 1000)}k/s)`,
      largest.logEntriesPerSecond >= 500_000,
    );
  }
  if (runCli !== undefined && runCli.vms === 100_000 && runCli.duration === "10m") {
    add(false, "memplane run of 100k VMs, 10m, JSON log ≤ 2 min wall", `${s(runCli.wallMs)} s (cpu ${s(runCli.cpuMs)} s)`, runCli.wallMs <= 120_000);
  }
  return checks;
}
