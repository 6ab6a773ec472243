/**
 * The per-tick metrics series: compact columnar samples (one number array per object and
 * metric, all aligned on one `ticks` column), in 4 KiB pages except where a metric says
 * otherwise. A sample of an object that did not exist at that tick is NaN (null in JSON).
 *
 * Retention is bounded: at most `maxSamples` samples (default {@link DEFAULT_MAX_SAMPLES}), and
 * at most {@link MAX_VALUES} numbers in all, are kept. When the series is full the sampling stride doubles and every sample whose tick is
 * not a multiple of the new stride is dropped, so the series always spans the whole
 * simulation at a resolution of `stride` ticks (1 for the first 20 000 ticks, 2 up to 40 000,
 * and so on). Strides are powers of two and samples sit on multiples of the stride, so a
 * series continued across `run`/`step` invocations is the same as one recorded in one go.
 */
import type { HostMemoryState } from "../api/types.js";

/** Samples kept before the stride doubles. */
export const DEFAULT_MAX_SAMPLES = 20_000;

/**
 * Values (samples × columns) kept before the stride doubles, whatever maxSamples says: bounds
 * `metrics.json` to a few tens of MB on big clusters (200 VMs keep about 2 100 samples).
 */
export const MAX_VALUES = 4_000_000;

/** The `format` field of a serialised series. */
export const METRICS_FORMAT = "memplane-metrics/v1";

/** Host metrics, in sampling order. `state` is the rank in {@link HOST_STATE_NAMES}; the rest are pages. */
export const HOST_METRICS = ["capacity", "free", "minFree", "clear", "soft", "hard", "low", "state"] as const;
/** A host metric name. */
export type HostMetric = (typeof HOST_METRICS)[number];

/**
 * VirtualMachine metrics (esxtop names: memory MEMSZ, consumed CNSM, balloon MCTLSZ, compressed
 * ZIP, swapped SWCUR, active ACTV, entitlement SZTGT). Pages, except `memoryStallPercent`.
 */
export const VM_METRICS = [
  "memory",
  "consumed",
  "balloon",
  "compressed",
  "swapped",
  "guestSwapped",
  "active",
  "entitlement",
  "memoryStallPercent",
] as const;
/** A VirtualMachine metric name. */
export type VmMetric = (typeof VM_METRICS)[number];

/** Host states by rank, as the `state` metric encodes them (0 = high … 4 = low). */
export const HOST_STATE_NAMES: readonly HostMemoryState[] = ["high", "clear", "soft", "hard", "low"];

/** One object's columns: metric name → samples aligned on {@link MetricsSeriesData.ticks}. */
export type ObjectColumns<M extends string> = Record<M, number[]>;

/** The JSON form of a series (NaN written as null). */
export interface MetricsSeriesData {
  format: typeof METRICS_FORMAT;
  /** Simulated seconds per tick. */
  tickSeconds: number;
  /** Ticks between samples (a power of two). */
  stride: number;
  maxSamples: number;
  /** The tick of each sample. */
  ticks: number[];
  /** Host name → columns. */
  hosts: Record<string, ObjectColumns<HostMetric>>;
  /** `namespace/name` → columns. */
  vms: Record<string, ObjectColumns<VmMetric>>;
}

/** A series that cannot be read (wrong format or shape). */
export class MetricsFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MetricsFormatError";
  }
}

/** Mutable columnar storage with bounded retention; see the module comment. */
export class MetricsSeries {
  /** Ticks between samples. */
  stride = 1;
  readonly ticks: number[] = [];
  readonly hosts = new Map<string, ObjectColumns<HostMetric>>();
  readonly vms = new Map<string, ObjectColumns<VmMetric>>();

  constructor(
    /** Simulated seconds per tick. */
    readonly tickSeconds: number,
    /** Samples kept before the stride doubles (≥ 2). */
    readonly maxSamples: number = DEFAULT_MAX_SAMPLES,
  ) {
    if (!Number.isSafeInteger(maxSamples) || maxSamples < 2) throw new RangeError(`maxSamples must be a whole number ≥ 2, got ${maxSamples}`);
  }

  /** Number of samples held. */
  get length(): number {
    return this.ticks.length;
  }

  /** The last sampled tick, or -1. */
  get lastTick(): number {
    return this.ticks.length === 0 ? -1 : this.ticks[this.ticks.length - 1]!;
  }

  /** True when `tick` falls on the stride and is after the last sample. */
  wants(tick: number): boolean {
    return tick % this.stride === 0 && tick > this.lastTick;
  }

  /**
   * Opens a new sample at `tick` (every column gets a NaN slot) and returns its index, or -1
   * when the series was full and, its stride doubled, `tick` is no longer on it.
   */
  begin(tick: number): number {
    if (!this.wants(tick)) return -1;
    if (this.isFull()) {
      do this.thin();
      while (this.isFull() && this.ticks.length > 1);
      if (tick % this.stride !== 0) return -1;
    }
    const index = this.ticks.length;
    this.ticks.push(tick);
    const x = Number.NaN;
    for (const c of this.hosts.values()) {
      c.capacity.push(x), c.free.push(x), c.minFree.push(x), c.clear.push(x), c.soft.push(x), c.hard.push(x), c.low.push(x), c.state.push(x);
    }
    for (const c of this.vms.values()) {
      c.memory.push(x), c.consumed.push(x), c.balloon.push(x), c.compressed.push(x), c.swapped.push(x);
      c.guestSwapped.push(x), c.active.push(x), c.entitlement.push(x), c.memoryStallPercent.push(x);
    }
    return index;
  }

  /** The columns of host `name`, created (NaN-filled up to now) when new. */
  host(name: string): ObjectColumns<HostMetric> {
    let cols = this.hosts.get(name);
    if (!cols) {
      cols = emptyHostColumns(this.ticks.length);
      this.hosts.set(name, cols);
    }
    return cols;
  }

  /** The columns of VM `key` (`namespace/name`), created (NaN-filled up to now) when new. */
  vm(key: string): ObjectColumns<VmMetric> {
    let cols = this.vms.get(key);
    if (!cols) {
      cols = emptyVmColumns(this.ticks.length);
      this.vms.set(key, cols);
    }
    return cols;
  }

  /** Drops every sample after `tick` (a metrics file saved ahead of a state that was not). */
  truncateAfter(tick: number): void {
    let n = this.ticks.length;
    while (n > 0 && this.ticks[n - 1]! > tick) n--;
    if (n === this.ticks.length) return;
    this.ticks.length = n;
    for (const cols of this.hosts.values()) for (const m of HOST_METRICS) cols[m].length = n;
    for (const cols of this.vms.values()) for (const m of VM_METRICS) cols[m].length = n;
    for (const [key, cols] of this.hosts) if (allNaN(cols.free)) this.hosts.delete(key);
    for (const [key, cols] of this.vms) if (allNaN(cols.consumed)) this.vms.delete(key);
  }

  /** Values per sample: one per column of every object. */
  get columns(): number {
    return this.hosts.size * HOST_METRICS.length + this.vms.size * VM_METRICS.length;
  }

  /** True when one more sample would exceed maxSamples or {@link MAX_VALUES}. */
  private isFull(): boolean {
    return this.ticks.length >= this.maxSamples || (this.ticks.length + 1) * this.columns > MAX_VALUES;
  }

  /** Doubles the stride and keeps only samples on it. */
  private thin(): void {
    this.stride *= 2;
    const keep: number[] = [];
    for (let i = 0; i < this.ticks.length; i++) if (this.ticks[i]! % this.stride === 0) keep.push(i);
    const pick = (col: number[]): void => {
      for (let j = 0; j < keep.length; j++) col[j] = col[keep[j]!]!;
      col.length = keep.length;
    };
    pick(this.ticks);
    for (const cols of this.hosts.values()) for (const m of HOST_METRICS) pick(cols[m]);
    for (const cols of this.vms.values()) for (const m of VM_METRICS) pick(cols[m]);
  }

  /** The JSON-serialisable form (JSON.stringify writes NaN as null). */
  toJSON(): MetricsSeriesData {
    return {
      format: METRICS_FORMAT,
      tickSeconds: this.tickSeconds,
      stride: this.stride,
      maxSamples: this.maxSamples,
      ticks: this.ticks,
      hosts: Object.fromEntries(this.hosts),
      vms: Object.fromEntries(this.vms),
    };
  }

  /** Reads a series written by {@link toJSON} (after a JSON round trip); throws MetricsFormatError. */
  static fromJSON(value: unknown): MetricsSeries {
    const data = value as Partial<MetricsSeriesData> | null;
    if (data === null || typeof data !== "object" || data.format !== METRICS_FORMAT) {
      throw new MetricsFormatError(`unknown format ${JSON.stringify((data as { format?: unknown } | null)?.format)} (expected ${METRICS_FORMAT})`);
    }
    const { tickSeconds, stride, maxSamples, ticks } = data;
    if (typeof tickSeconds !== "number" || !(tickSeconds > 0)) throw new MetricsFormatError("tickSeconds must be a positive number");
    if (typeof stride !== "number" || !Number.isSafeInteger(stride) || stride < 1 || (stride & (stride - 1)) !== 0) {
      throw new MetricsFormatError("stride must be a power of two");
    }
    if (typeof maxSamples !== "number" || !Number.isSafeInteger(maxSamples) || maxSamples < 2) throw new MetricsFormatError("maxSamples must be a whole number ≥ 2");
    if (!Array.isArray(ticks) || ticks.length > maxSamples || ticks.some((t, i) => !Number.isSafeInteger(t) || (i > 0 && t <= ticks[i - 1]!))) {
      throw new MetricsFormatError("ticks must be increasing whole numbers, at most maxSamples of them");
    }
    const series = new MetricsSeries(tickSeconds, maxSamples);
    series.stride = stride;
    series.ticks.push(...ticks);
    for (const [name, cols] of objectEntries(data.hosts, "hosts")) series.hosts.set(name, readColumns(cols, HOST_METRICS, ticks.length, `host ${name}`));
    for (const [key, cols] of objectEntries(data.vms, "vms")) series.vms.set(key, readColumns(cols, VM_METRICS, ticks.length, `vm ${key}`));
    return series;
  }
}

/** `length` NaNs. */
function nans(length: number): number[] {
  return new Array<number>(length).fill(Number.NaN);
}

/** Host columns as one object literal (a stable shape keeps per-tick writes fast). */
function emptyHostColumns(n: number): ObjectColumns<HostMetric> {
  return { capacity: nans(n), free: nans(n), minFree: nans(n), clear: nans(n), soft: nans(n), hard: nans(n), low: nans(n), state: nans(n) };
}

/** VM columns as one object literal. */
function emptyVmColumns(n: number): ObjectColumns<VmMetric> {
  return {
    memory: nans(n),
    consumed: nans(n),
    balloon: nans(n),
    compressed: nans(n),
    swapped: nans(n),
    guestSwapped: nans(n),
    active: nans(n),
    entitlement: nans(n),
    memoryStallPercent: nans(n),
  };
}

function allNaN(col: readonly number[]): boolean {
  return col.every((v) => Number.isNaN(v));
}

function objectEntries(value: unknown, what: string): [string, unknown][] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new MetricsFormatError(`"${what}" must be an object`);
  return Object.entries(value);
}

function readColumns<M extends string>(value: unknown, metrics: readonly M[], length: number, what: string): ObjectColumns<M> {
  if (value === null || typeof value !== "object") throw new MetricsFormatError(`${what} has no columns`);
  const cols = {} as ObjectColumns<M>;
  for (const m of metrics) {
    const col = (value as Record<string, unknown>)[m];
    // a metric added in a later version reads as "not sampled" in older files
    if (col === undefined) {
      cols[m] = new Array<number>(length).fill(Number.NaN);
      continue;
    }
    if (!Array.isArray(col) || col.length !== length) throw new MetricsFormatError(`${what}: column ${m} must have one value per tick`);
    cols[m] = col.map((v: unknown) => {
      if (v === null) return Number.NaN;
      if (typeof v !== "number") throw new MetricsFormatError(`${what}: column ${m} holds a non-number`);
      return v;
    });
  }
  return cols;
}
