/**
 * Simulated time. Nothing in the simulation reads the wall clock: the engine advances a
 * {@link ManualClock} one tick at a time (Excalibur's TestClock idea). {@link RealTimeClock}
 * lives outside the simulation and only decides *when* to call `engine.step(1)`.
 */
import { tickLengthProblem } from "../api/duration.js";

/** What the simulation knows about time. */
export interface SimulationClock {
  /** Ticks run so far (0 before the first tick). */
  readonly tick: number;
  /** Simulated seconds since the start: `tick × tickSeconds`. */
  readonly timeSeconds: number;
  /** Seconds per tick. */
  readonly tickSeconds: number;
}

/** A clock's state in an engine snapshot. */
export interface ClockState {
  tick: number;
  tickSeconds: number;
}

/** Rounds away binary floating-point noise (0.1 × 3 = 0.3, not 0.30000000000000004). */
function tidy(seconds: number): number {
  return Math.round(seconds * 1e9) / 1e9;
}

/** The simulation's clock: advanced one tick at a time by the controller manager. */
export class ManualClock implements SimulationClock {
  #tick = 0;
  #tickSeconds: number;

  constructor(tickSeconds = 1) {
    ManualClock.checkTickSeconds(tickSeconds);
    this.#tickSeconds = tickSeconds;
  }

  /** Throws a RangeError unless `tickSeconds` is a tick length the engine runs: whole microseconds from 1ms to 24h. */
  static checkTickSeconds(tickSeconds: number): void {
    const problem = tickLengthProblem(tickSeconds);
    if (problem !== undefined) throw new RangeError(`tickSeconds ${problem}, got ${String(tickSeconds)}`);
  }

  get tick(): number {
    return this.#tick;
  }

  get tickSeconds(): number {
    return this.#tickSeconds;
  }

  get timeSeconds(): number {
    return tidy(this.#tick * this.#tickSeconds);
  }

  /** Moves to the next tick. */
  advance(): void {
    this.#tick++;
  }

  /** The state for an engine snapshot. */
  getState(): ClockState {
    return { tick: this.#tick, tickSeconds: this.#tickSeconds };
  }

  /** Restores a state from {@link ManualClock.getState}. */
  setState(state: ClockState): void {
    if (!Number.isInteger(state.tick) || state.tick < 0) throw new RangeError(`clock tick must be a non-negative integer, got ${String(state.tick)}`);
    ManualClock.checkTickSeconds(state.tickSeconds);
    this.#tick = state.tick;
    this.#tickSeconds = state.tickSeconds;
  }
}

/** Timer functions, injectable so tests need no real time. */
export interface Timers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** Options of {@link RealTimeClock}. */
export interface RealTimeClockOptions {
  /** Called once per tick due, e.g. `() => engine.step(1)`. */
  step: () => void;
  /** Simulated seconds per tick (the engine's tickSeconds). */
  tickSeconds: number;
  /** Simulated seconds per real second (default 1; 10 = ten times faster than real time). */
  speed?: number;
  /** Timer functions (default: the global setInterval/clearInterval). */
  timers?: Timers;
}

/** The longest delay a Node.js timer takes, in ms (a longer one fires after 1 ms instead). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Drives a simulation in (scaled) real time for `memplane serve`: calls `step()` every
 * `tickSeconds / speed` real seconds. Outside the simulation: the engine itself never sees it.
 */
export class RealTimeClock {
  readonly #options: Required<RealTimeClockOptions>;
  #handle: unknown;

  constructor(options: RealTimeClockOptions) {
    ManualClock.checkTickSeconds(options.tickSeconds);
    const speed = options.speed ?? 1;
    if (typeof speed !== "number" || !Number.isFinite(speed) || speed <= 0 || !Number.isFinite((options.tickSeconds * 1000) / speed)) {
      throw new RangeError(`speed must be a positive number, got ${String(speed)}`);
    }
    this.#options = {
      step: options.step,
      tickSeconds: options.tickSeconds,
      speed,
      timers: options.timers ?? {
        setInterval: (cb, ms) => globalThis.setInterval(cb, ms),
        clearInterval: (h) => globalThis.clearInterval(h as ReturnType<typeof globalThis.setInterval>),
      },
    };
  }

  /** Real milliseconds between ticks. */
  get intervalMs(): number {
    return (this.#options.tickSeconds * 1000) / this.#options.speed;
  }

  /** True between start() and stop(). */
  get running(): boolean {
    return this.#handle !== undefined;
  }

  /**
   * Starts ticking; a second start() is a no-op. A tick longer than a timer can wait (about
   * 24.8 days of real time, e.g. `--speed 0.001` with 1h ticks) is split into equal waits.
   */
  start(): void {
    if (this.#handle !== undefined) return;
    const waits = Math.ceil(this.intervalMs / MAX_TIMER_MS);
    let waited = 0;
    this.#handle = this.#options.timers.setInterval(() => {
      if (++waited < waits) return;
      waited = 0;
      this.#options.step();
    }, this.intervalMs / waits);
  }

  /** Stops ticking; safe to call when stopped. */
  stop(): void {
    if (this.#handle === undefined) return;
    this.#options.timers.clearInterval(this.#handle);
    this.#handle = undefined;
  }
}
