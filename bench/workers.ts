/**
 * Engines for the benchmark with a chosen number of worker threads (issue 13, item 4:
 * `createEngine({ workers })` and `engine.workerShards()`), detected at run time: an engine
 * without the `workers` option runs everything on the main thread and the rows of 2 and more
 * workers say "n/a"; an engine that accepts it but runs fewer threads reports fewer shards, which
 * the rows and targets show. Every engine the benchmark makes goes through {@link createBenchEngine},
 * so the single-thread figures stay single-thread when the engine's default is more workers. */
import { createEngine, EngineOptionError, type Engine, type EngineOptions } from "../src/index.js";

/** One worker's shard, as `engine.workerShards()` reports it. */
export interface WorkerShard {
  worker: number;
  hosts: number;
  vms: number;
  ticks: number;
}

/** An engine and whether it runs with the worker count asked for. */
export interface BenchEngine {
  engine: Engine;
  /** False when this engine has no `workers` option (it runs everything on the main thread). */
  workersSupported: boolean;
}

type WorkerEngine = Engine & { workerShards?: () => readonly WorkerShard[]; close?: () => unknown };

/**
 * `createEngine({ ...options, workers })`; when the engine does not know the `workers` option,
 * the same engine without it (`workersSupported: false`).
 */
export function createBenchEngine(options: EngineOptions, workers: number): BenchEngine {
  try {
    return { engine: createEngine({ ...options, workers } as EngineOptions), workersSupported: true };
  } catch (e) {
    // an engine without worker threads names the option it does not know (quoted)
    if (!(e instanceof EngineOptionError) || e.option.replace(/"/g, "") !== "workers") throw e;
    return { engine: createEngine(options), workersSupported: false };
  }
}

/** The engine's per-worker shard counters, or undefined when it has none. */
export function workerShards(engine: Engine): readonly WorkerShard[] | undefined {
  const shards = (engine as WorkerEngine).workerShards;
  return typeof shards === "function" ? shards.call(engine).map((s) => ({ ...s })) : undefined;
}


/** What the shard counters say about the split of a cluster over workers. */
export interface ShardCheck {
  /** Every worker has at least one host and one VM. */
  nonEmpty: boolean;
  /** The workers' hosts and VMs add up to the cluster's, with none counted twice (the counters are sums, so this is the disjointness they can show). */
  disjoint: boolean;
  /** Every worker stepped every measured tick. */
  everyTick: boolean;
  /** One shard per worker asked for (an engine that runs fewer threads than asked reports fewer). */
  everyWorker: boolean;
}

/** Checks shard counters against the cluster (`hosts`, `vms`), the ticks the engine ran and the `workers` it was asked for. */
export function checkShards(shards: readonly WorkerShard[], hosts: number, vms: number, ticks: number, workers: number): ShardCheck {
  const sum = (f: (s: WorkerShard) => number): number => shards.reduce((s, x) => s + f(x), 0);
  const ids = new Set(shards.map((s) => s.worker));
  return {
    nonEmpty: shards.length > 0 && shards.every((s) => s.hosts > 0 && s.vms > 0),
    disjoint: ids.size === shards.length && sum((s) => s.hosts) === hosts && sum((s) => s.vms) === vms,
    everyTick: shards.every((s) => s.ticks >= ticks),
    everyWorker: shards.length === workers,
  };
}

/** Shard counters in one cell: `w0 500 hosts / 50.0k VMs, w1 …`. */
export function formatShards(shards: readonly WorkerShard[] | undefined, count: (n: number) => string): string {
  if (shards === undefined) return "n/a";
  return shards.map((s) => `w${s.worker} ${s.hosts}h/${count(s.vms)}`).join(", ");
}

/** Above this many VMs a measured engine is dropped rather than closed (see {@link releaseEngine}). */
const CLOSE_AT_MOST_VMS = 200_000;

/**
 * Lets go of a measured engine of `vms` VMs. Up to 200 000 VMs it ends its worker threads at once
 * (`engine.close()`), so that they are gone before the next measurement — and before a test
 * process exits. A larger one is only dropped, its threads ending when it is collected:
 * `close()` first takes the whole simulation back to this thread, and at 1M VMs on 2 workers
 * that is more than the main thread's heap holds (session 8's run died there, after its
 * measurements, before it wrote them).
 */
export function releaseEngine(engine: Engine, vms: number): void {
  const close = (engine as WorkerEngine).close;
  if (vms <= CLOSE_AT_MOST_VMS && typeof close === "function") close.call(engine);
}
