/**
 * The data the report's charts draw, derived from a metrics series: x in simulated seconds,
 * memory in MiB (2 decimals), missing samples as null, and at most `maxPoints` points per
 * chart (every k-th sample plus the last; the summary tables still use every sample).
 */
import type { MetricsSeries } from "../metrics/metrics-series.js";

/** Points per chart before the report thins them. */
export const DEFAULT_MAX_POINTS = 2000;

/** One host chart: free memory against the state thresholds, and the state per sample. */
export interface HostChartData {
  name: string;
  free: (number | null)[];
  minFree: (number | null)[];
  clear: (number | null)[];
  soft: (number | null)[];
  hard: (number | null)[];
  low: (number | null)[];
  /** State rank per sample (0 = high … 4 = low). */
  state: (number | null)[];
}

/** One VM chart: consumed / balloon / compressed / swapped (MiB) plus stall (%). */
export interface VmChartData {
  /** `namespace/name`. */
  key: string;
  memory: (number | null)[];
  consumed: (number | null)[];
  balloon: (number | null)[];
  compressed: (number | null)[];
  swapped: (number | null)[];
  stall: (number | null)[];
}

/** Everything the charts need. */
export interface ChartData {
  /** Simulated seconds of each point. */
  t: number[];
  hosts: HostChartData[];
  vms: VmChartData[];
}

/** Which samples the charts keep: every k-th and the last. */
export function chartIndices(length: number, maxPoints: number = DEFAULT_MAX_POINTS): number[] {
  const k = Math.max(1, Math.ceil(length / Math.max(2, maxPoints - 1)));
  const out: number[] = [];
  for (let i = 0; i < length; i += k) out.push(i);
  if (length > 0 && out[out.length - 1] !== length - 1) out.push(length - 1);
  return out;
}

/** Builds the chart data of a series. */
export function chartData(series: MetricsSeries, maxPoints: number = DEFAULT_MAX_POINTS): ChartData {
  const idx = chartIndices(series.length, maxPoints);
  const mib = (col: readonly number[]): (number | null)[] =>
    idx.map((i) => {
      const v = col[i]!;
      return Number.isNaN(v) ? null : Math.round((v / 256) * 100) / 100;
    });
  const raw = (col: readonly number[]): (number | null)[] =>
    idx.map((i) => {
      const v = col[i]!;
      return Number.isNaN(v) ? null : v;
    });
  return {
    t: idx.map((i) => series.ticks[i]! * series.tickSeconds),
    hosts: [...series.hosts.keys()].sort().map((name) => {
      const c = series.hosts.get(name)!;
      return { name, free: mib(c.free), minFree: mib(c.minFree), clear: mib(c.clear), soft: mib(c.soft), hard: mib(c.hard), low: mib(c.low), state: raw(c.state) };
    }),
    vms: [...series.vms.keys()].sort().map((key) => {
      const c = series.vms.get(key)!;
      return {
        key,
        memory: mib(c.memory),
        consumed: mib(c.consumed),
        balloon: mib(c.balloon),
        compressed: mib(c.compressed),
        swapped: mib(c.swapped),
        stall: raw(c.memoryStallPercent),
      };
    }),
  };
}
