/**
 * Records a {@link MetricsSeries} from a running engine: attached to `engine.ticks$`, it samples
 * at the end of every tick on the series' stride, per host (capacity, free, minFree, the
 * clear/soft/hard/low thresholds in pages, state) and per VM (memory, consumed, balloon,
 * compressed, swapped, guestSwapped, active, entitlement, memoryStallPercent), reading the
 * memory model directly (no status parsing), so a sample costs a few array pushes per object.
 *
 * ```ts
 * const recorder = MetricsRecorder.attach(engine);
 * engine.step(600);
 * recorder.series.toJSON();   // columnar, JSON-serialisable
 * recorder.detach();
 * ```
 */
import type { Engine } from "../engine/engine.js";
import { thresholdPages } from "../hypervisor/formulas.js";
import { compressedOf, swappedOf } from "../hypervisor/ledger.js";
import type { MemoryModelReader } from "../hypervisor/model-api.js";
import { HOST_STATE_NAMES, MetricsSeries } from "./metrics-series.js";

/** Options of {@link MetricsRecorder.attach}. */
export interface MetricsRecorderOptions {
  /** Continue this series (e.g. loaded from a state directory) instead of starting a new one. */
  series?: MetricsSeries;
  /** Samples kept before the stride doubles (new series only). */
  maxSamples?: number;
}

/** Samples an engine's hosts and VMs into a {@link MetricsSeries} at the end of each tick. */
export class MetricsRecorder {
  #subscription: { unsubscribe(): void } | undefined;
  #samplesSinceMark = 0;

  private constructor(
    private readonly engine: Engine,
    /** The series being recorded. */
    readonly series: MetricsSeries,
  ) {}

  /** Starts recording `engine`'s ticks. */
  static attach(engine: Engine, options: MetricsRecorderOptions = {}): MetricsRecorder {
    const series = options.series ?? new MetricsSeries(engine.options.tickSeconds, options.maxSamples);
    // a series saved ahead of the simulation (a crash between the two writes) loses the extra samples
    series.truncateAfter(engine.tick);
    const recorder = new MetricsRecorder(engine, series);
    recorder.#subscription = engine.ticks$.subscribe((summary) => recorder.sample(summary.tick));
    return recorder;
  }

  /** Samples recorded since the last {@link markSaved} (or attach): 0 means nothing to save. */
  get unsavedSamples(): number {
    return this.#samplesSinceMark;
  }

  /** Notes that the series was saved. */
  markSaved(): void {
    this.#samplesSinceMark = 0;
  }

  /** Stops recording. */
  detach(): void {
    this.#subscription?.unsubscribe();
    this.#subscription = undefined;
  }

  /** Takes the sample of `tick` from the memory model (skipped off the stride or if already taken). */
  sample(tick: number): void {
    const series = this.series;
    if (!series.wants(tick)) return;
    const model = this.engine.model;
    const i = series.begin(tick);
    if (i < 0) return;
    for (const h of model.hosts()) {
      const c = series.host(h.name);
      const mf = h.spec.minFree;
      const s = h.spec.states;
      c.capacity[i] = h.spec.capacity;
      c.free[i] = h.free;
      c.minFree[i] = mf;
      c.clear[i] = thresholdPages(s.clear, mf);
      c.soft[i] = thresholdPages(s.soft, mf);
      c.hard[i] = thresholdPages(s.hard, mf);
      c.low[i] = thresholdPages(s.low, mf);
      c.state[i] = HOST_STATE_NAMES.indexOf(h.state);
    }
    for (const v of model.allVms()) {
      const c = series.vm(`${v.namespace}/${v.name}`);
      c.memory[i] = v.memory;
      c.consumed[i] = model.consumed(v);
      c.balloon[i] = v.balloon;
      c.compressed[i] = compressedOf(v);
      c.swapped[i] = swappedOf(v);
      c.guestSwapped[i] = v.guestSwapped;
      c.active[i] = model.active(v);
      c.entitlement[i] = v.entitlement;
      c.memoryStallPercent[i] = v.phase === "Running" ? v.stallPercent : 0; // as status reports it
    }
    this.#samplesSinceMark++;
  }
}
