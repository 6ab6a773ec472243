/**
 * How many worker threads an engine runs its ticks on (docs/library.md, *Worker threads*): the
 * `workers` option when given, else the machine's cores for clusters of at least
 * {@link DEFAULT_WORKERS_MIN_VMS} VMs and one thread below.
 */
import { availableParallelism } from "node:os";

/** The cluster size from which an engine without a `workers` option uses every core. */
export const DEFAULT_WORKERS_MIN_VMS = 10_000;

/** The worker threads for `vmCount` VMs: `option` when given, else the default rule. */
export function workersFor(option: number | undefined, vmCount: number, cores: number = availableParallelism()): number {
  if (option !== undefined) return option;
  return vmCount >= DEFAULT_WORKERS_MIN_VMS ? Math.max(1, cores) : 1;
}
