/**
 * The `workers` engine option (docs/library.md, *Worker threads*): how many threads run the
 * per-host phases of a tick. One rule decides it, {@link workersFor}; the engine asks it when
 * a tick starts, so a cluster that grows past {@link DEFAULT_WORKERS_MIN_VMS} gets its threads
 * without a restart.
 */
import * as os from "node:os";

/** The most worker threads an engine takes. */
export const MAX_WORKERS = 256;

/** Clusters with at least this many VMs run on the machine's cores when `workers` is not given; smaller ones on one thread. */
export const DEFAULT_WORKERS_MIN_VMS = 10_000;

/** Why `value` is not a worker count (a whole number from 1 to {@link MAX_WORKERS}), or undefined when it is one. */
export function workersProblem(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 1 && value <= MAX_WORKERS) return undefined;
  return `must be a whole number of threads from 1 to ${MAX_WORKERS}`;
}

/**
 * The threads a tick runs on: `option` when given (a whole number from 1 to {@link MAX_WORKERS};
 * a RangeError otherwise), else `cores` (capped at {@link MAX_WORKERS}) for clusters of at least
 * {@link DEFAULT_WORKERS_MIN_VMS} VMs and 1 below.
 */
export function workersFor(option: number | undefined, vmCount: number, cores = os.availableParallelism()): number {
  if (option !== undefined) {
    const problem = workersProblem(option);
    if (problem !== undefined) throw new RangeError(`workers ${problem}, got ${String(option)}`);
    return option;
  }
  if (vmCount < DEFAULT_WORKERS_MIN_VMS) return 1;
  return Math.min(MAX_WORKERS, Math.max(1, Math.floor(cores)));
}
