/**
 * Engines backed by the saved-state directory. Readers (`get`, `apply --dry-run`) restore the
 * last save without locking; writers (`apply`, `delete`, `step`, `run --state`) take the lock,
 * restore, stream the log entries they cause to the log file as they come (memory stays flat
 * however long they run), and save snapshot and log together.
 */
import * as path from "node:path";
import type { Engine } from "../engine/engine.js";
import type { MetricsRecorder } from "../metrics/metrics-recorder.js";
import { writeMetricsFile } from "../metrics/metrics-file.js";
import { StateDirectory, type SavedState, type StateWriter } from "../state/index.js";
import { CliError } from "./errors.js";
import { engineModule } from "./lazy.js";
import type { Terminal } from "./terminal.js";

/** Simulation settings a command may ask for; they cannot change once a state is saved. */
export interface EngineSettings {
  seed?: number;
  tickSeconds?: number;
  /** The instant tick 0 stands for in timestamps (RFC 3339; default DEFAULT_EPOCH). */
  epoch?: string;
  /** `--workers`: threads for the per-host phases of a tick; not saved (each command chooses). */
  workers?: number;
}

/** Defaults of a fresh simulation (docs/library.md). */
export const DEFAULT_SEED = 1;
/** Seconds per tick of a fresh simulation. */
export const DEFAULT_TICK_SECONDS = 1;

/** Opens the state directory named by `--state` (shown in messages as the user wrote it). */
export function openStateDirectory(dir: string, env: NodeJS.ProcessEnv): StateDirectory {
  const retention = Number(env.MEMPLANE_LOG_RETENTION);
  return new StateDirectory(path.resolve(dir), {
    displayName: dir,
    logRetention: Number.isSafeInteger(retention) && retention > 0 ? retention : undefined,
  });
}

/** Builds an engine: restored from `saved` when given, else fresh with `settings` (or the defaults). */
export async function buildEngine(saved: SavedState | undefined, settings: EngineSettings, stateName: string): Promise<Engine> {
  if (!saved) {
    const { createEngine } = await engineModule();
    return createEngine({
      seed: settings.seed ?? DEFAULT_SEED,
      tickSeconds: settings.tickSeconds ?? DEFAULT_TICK_SECONDS,
      ...(settings.epoch !== undefined && { epoch: settings.epoch }),
      ...(settings.workers !== undefined && { workers: settings.workers }),
    });
  }
  if (settings.seed !== undefined && settings.seed !== saved.seed) {
    throw new CliError(
      `the simulation saved in ${stateName} runs with --seed ${saved.seed}; it cannot change to ${settings.seed} (omit --seed, or use a new --state directory)`,
    );
  }
  if (settings.tickSeconds !== undefined && settings.tickSeconds !== saved.tickSeconds) {
    throw new CliError(
      `the simulation saved in ${stateName} runs with --tick ${saved.tickSeconds}s; it cannot change to ${settings.tickSeconds}s (omit --tick, or use a new --state directory)`,
    );
  }
  const { createEngine } = await engineModule();
  const engine = createEngine({ seed: saved.seed, tickSeconds: saved.tickSeconds, ...(settings.workers !== undefined && { workers: settings.workers }) });
  engine.restore(saved.engine as Parameters<Engine["restore"]>[0]);
  if (settings.epoch !== undefined && settings.epoch !== engine.options.epoch) {
    throw new CliError(
      `the simulation saved in ${stateName} runs with --epoch ${engine.options.epoch}; it cannot change to ${settings.epoch} (omit --epoch, or use a new --state directory)`,
    );
  }
  return engine;
}

/** An engine restored from the last save (or a fresh one), for commands that only read. */
export function readEngine(state: StateDirectory, settings: EngineSettings = {}): Promise<Engine> {
  return buildEngine(state.readState(), settings, state.displayName);
}

/** The engine's settings and position, in the form the state directory saves. */
function savedStateOf(engine: Engine, seed: number, tickSeconds: number): SavedState {
  return { seed, tickSeconds, tick: engine.tick, timeSeconds: engine.timeSeconds, engine: engine.snapshot() };
}

/** The metrics recorder of a write session; a damaged `metrics.json` is reported and started afresh. */
async function openMetrics(state: StateDirectory, engine: Engine, term: Terminal): Promise<MetricsRecorder> {
  const { MetricsRecorder, MetricsFileError, readMetricsFile } = await import("../metrics/index.js");
  let series;
  try {
    series = readMetricsFile(state.dir, engine.tick, state.displayName);
  } catch (err) {
    if (!(err instanceof MetricsFileError)) throw err;
    term.warn(err.message.replace(/ \(delete it.*\)$/, "; the metrics series starts afresh"));
  }
  return MetricsRecorder.attach(engine, { series });
}

/** A locked state directory with its engine; its log entries go to the state's log a tick at a time, committed by {@link WriteSession.save}. */
export class WriteSession {
  private readonly subscription: { unsubscribe(): void };

  private constructor(
    private readonly writer: StateWriter,
    /** The engine, restored from the state (or fresh). */
    readonly engine: Engine,
    /** The simulation's seed. */
    readonly seed: number,
    /** Simulated seconds per tick. */
    readonly tickSeconds: number,
    /** Records the per-tick metrics series, continued from the state's `metrics.json`. */
    readonly metrics: MetricsRecorder,
    private readonly dir: string,
  ) {
    // a tick's entries at its end, as one batch (entries nobody else reads are built only here)
    this.subscription = engine.ticks$.subscribe((summary) => writer.appendAll(summary.logEntries));
  }

  /** Locks and loads the state directory, printing load warnings (a dropped torn log line…). */
  static async open(state: StateDirectory, commandLine: string, settings: EngineSettings, term: Terminal, env: NodeJS.ProcessEnv): Promise<WriteSession> {
    const timeout = Number(env.MEMPLANE_LOCK_TIMEOUT_MS);
    const writer = await state.openWriter(commandLine, Number.isFinite(timeout) && timeout >= 0 ? { timeoutMs: timeout } : {});
    try {
      for (const warning of writer.warnings) term.warn(warning);
      const engine = await buildEngine(writer.state, settings, state.displayName);
      const seed = writer.state?.seed ?? settings.seed ?? DEFAULT_SEED;
      const tickSeconds = writer.state?.tickSeconds ?? settings.tickSeconds ?? DEFAULT_TICK_SECONDS;
      const metrics = await openMetrics(state, engine, term);
      return new WriteSession(writer, engine, seed, tickSeconds, metrics, state.dir);
    } catch (err) {
      writer.close();
      throw err;
    }
  }

  /** Saves the snapshot and commits the log entries emitted since the last save. */
  save(): void {
    if (this.metrics.unsavedSamples > 0) {
      // metrics.json first: state.json commits the save (a reader drops samples past its tick)
      writeMetricsFile(this.dir, this.metrics.series);
      this.metrics.markSaved();
    }
    this.writer.save(savedStateOf(this.engine, this.seed, this.tickSeconds));
  }

  /** Releases the lock; log entries emitted since the last save are dropped. */
  close(): void {
    this.subscription.unsubscribe();
    this.metrics.detach();
    this.writer.close();
  }
}
