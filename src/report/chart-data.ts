/**
 * The data the report's charts draw, derived from a metrics series and embedded once in the
 * page as compact JSON: x in simulated seconds, memory in MiB, missing samples as null, and a
 * column whose every point is the same number written as that one number.
 *
 * Host charts keep at most `maxPoints` points (every k-th sample plus the last). VM charts share
 * a budget of {@link VM_CHART_VALUE_BUDGET} values, so a 10 000-VM report stays a file a browser
 * opens in seconds: each VM chart gets `budget / (VMs × series)` points, at least
 * {@link MIN_VM_POINTS} and at most `maxPoints`. The summary tables still use every sample.
 */
import type { MetricsSeries } from "../metrics/metrics-series.js";

/** Points per chart before the report thins them. */
export const DEFAULT_MAX_POINTS = 2000;

/** Values all VM charts together may embed (VMs × {@link VM_CHART_SERIES} × points). */
export const VM_CHART_VALUE_BUDGET = 4_000_000;

/** Fewest points a VM chart is thinned to, however many VMs there are. */
export const MIN_VM_POINTS = 60;

/** Series per VM chart, in embedding order. */
export const VM_CHART_SERIES = ["memory", "consumed", "balloon", "compressed", "swapped", "active", "entitlement", "stall"] as const;

/** A chart column: one value per point, or one number when every point has it. */
export type Column = (number | null)[] | number;

/** One host chart: free memory against the state thresholds, and the state per point. */
export interface HostChartData {
  name: string;
  free: Column;
  minFree: Column;
  clear: Column;
  soft: Column;
  hard: Column;
  low: Column;
  /** State rank per point (0 = high … 4 = low). */
  state: Column;
}

/**
 * One VM chart, columns in {@link VM_CHART_SERIES} order: MEMSZ, consumed, balloon, compressed,
 * swapped, active, entitlement (MiB) and stall (%).
 */
export type VmChartColumns = Column[];

/** Everything the charts need. */
export interface ChartData {
  /** Simulated seconds of each host-chart point. */
  t: number[];
  hosts: HostChartData[];
  /** Simulated seconds of each VM-chart point. */
  vmT: number[];
  /** `namespace/name` of each VM, sorted. */
  vmKeys: string[];
  /** Chart columns of each VM, in `vmKeys` order. */
  vms: VmChartColumns[];
  /** Hosts in each state (high … low) at each host-chart point. */
  statesOverTime: number[][];
}

/** Which samples the charts keep: every k-th and the last. */
export function chartIndices(length: number, maxPoints: number = DEFAULT_MAX_POINTS): number[] {
  const k = Math.max(1, Math.ceil(length / Math.max(2, maxPoints - 1)));
  const out: number[] = [];
  for (let i = 0; i < length; i += k) out.push(i);
  if (length > 0 && out[out.length - 1] !== length - 1) out.push(length - 1);
  return out;
}

/** Points per VM chart for `vms` VMs under the shared budget. */
export function vmChartPoints(vms: number, maxPoints: number = DEFAULT_MAX_POINTS): number {
  const share = Math.floor(VM_CHART_VALUE_BUDGET / Math.max(1, vms * VM_CHART_SERIES.length));
  return Math.max(2, Math.min(maxPoints, Math.max(MIN_VM_POINTS, share)));
}

/** A column as one number when every point holds the same number. */
function compact(values: (number | null)[]): Column {
  const first = values[0];
  if (first === null || first === undefined) return values;
  for (const v of values) if (v !== first) return values;
  return first;
}

/** Pages → MiB: 2 decimals below 10 MiB, 1 below 100 MiB, whole MiB above (the page is for reading, the CSV for numbers). */
function toMiB(pages: number): number | null {
  if (Number.isNaN(pages)) return null;
  const mib = pages / 256;
  const abs = Math.abs(mib);
  const scale = abs < 10 ? 100 : abs < 100 ? 10 : 1;
  return Math.round(mib * scale) / scale;
}

/** Builds the chart data of a series. */
export function chartData(series: MetricsSeries, maxPoints: number = DEFAULT_MAX_POINTS): ChartData {
  const idx = chartIndices(series.length, maxPoints);
  const vmIdx = chartIndices(series.length, vmChartPoints(series.vms.size, maxPoints));
  const mib = (col: readonly number[], at: readonly number[] = idx): Column => compact(at.map((i) => toMiB(col[i]!)));
  const raw = (col: readonly number[], at: readonly number[] = idx): Column =>
    compact(
      at.map((i) => {
        const v = col[i]!;
        return Number.isNaN(v) ? null : Math.round(v * 100) / 100;
      }),
    );
  const hostNames = [...series.hosts.keys()].sort();
  const statesOverTime = [0, 1, 2, 3, 4].map(() => idx.map(() => 0));
  for (const name of hostNames) {
    const state = series.hosts.get(name)!.state;
    idx.forEach((i, p) => {
      const rank = state[i]!;
      if (rank >= 0 && rank <= 4) statesOverTime[rank]![p]!++;
    });
  }
  const vmKeys = [...series.vms.keys()].sort();
  return {
    t: idx.map((i) => series.ticks[i]! * series.tickSeconds),
    hosts: hostNames.map((name) => {
      const c = series.hosts.get(name)!;
      return { name, free: mib(c.free), minFree: mib(c.minFree), clear: mib(c.clear), soft: mib(c.soft), hard: mib(c.hard), low: mib(c.low), state: raw(c.state) };
    }),
    vmT: vmIdx.map((i) => series.ticks[i]! * series.tickSeconds),
    vmKeys,
    vms: vmKeys.map((key) => {
      const c = series.vms.get(key)!;
      return [
        mib(c.memory, vmIdx),
        mib(c.consumed, vmIdx),
        mib(c.balloon, vmIdx),
        mib(c.compressed, vmIdx),
        mib(c.swapped, vmIdx),
        mib(c.active, vmIdx),
        mib(c.entitlement, vmIdx),
        raw(c.memoryStallPercent, vmIdx),
      ];
    }),
    statesOverTime,
  };
}
