/**
 * Small statistics and formatting helpers for the benchmark: percentiles of tick times and
 * readable numbers for the table.
 */

/** The q-quantile (0…1) of samples by nearest rank; NaN for no samples. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** Median of samples. */
export function median(samples: readonly number[]): number {
  return quantile(samples, 0.5);
}

/** Milliseconds with 2 significant decimals below 10, 1 below 100, none above. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return "—";
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}

/** A count with k/M suffixes: 2.5M, 480k. */
export function count(value: number): string {
  if (!Number.isFinite(value)) return "—";
  if (value >= 1e6) return `${(value / 1e6).toFixed(value >= 1e7 ? 0 : 2)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(value >= 1e4 ? 0 : 1)}k`;
  return value.toFixed(0);
}

/**
 * Runs fn and returns its wall time and this process's CPU time (user + system, all threads,
 * so GC helper threads count) in milliseconds, and its result. On a machine shared with other
 * jobs the CPU time is the steadier figure.
 */
export function timed<T>(fn: () => T): { ms: number; cpuMs: number; value: T } {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = fn();
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { ms: wall, cpuMs: (used.user + used.system) / 1000, value };
}
