/**
 * The server's simulated clock as an operator drives it (docs/server.md, *Driving the clock*):
 * pause, resume, change speed and single-step a running `memplane serve` — for live demos and
 * classrooms — through `GET/PATCH /clock` and `POST /clock/step`, and `memplane clock` /
 * `memplane step --server` on the command line. Outside the simulation: the engine never sees
 * real time, only `step(1)` calls.
 */
import { formatSimTime } from "../api/duration.js";
import { RealTimeClock } from "../engine/clock.js";
import type { Engine } from "../engine/engine.js";
import { badRequest } from "./status.js";

/** The most ticks one `POST /clock/step` runs (a day of one-second ticks). */
export const MAX_STEP_TICKS = 86_400;
/** The fastest and slowest speeds an operator may set (simulated seconds per real second; 0 never ticks). */
export const SPEED_RANGE = { min: 0.001, max: 1e6 } as const;

/** The clock as `GET /clock` answers it. */
export interface ClockStatus {
  apiVersion: "memplane.io/v1alpha1";
  kind: "Clock";
  tick: number;
  time: string;
  timeSeconds: number;
  tickSeconds: number;
  /** Simulated seconds per real second; 0: the clock only moves when stepped. */
  speed: number;
  /** True when paused by an operator (or when speed is 0): it only moves when stepped. */
  paused: boolean;
}

/** An engine's clock as `GET /clock` shows it, at `speed` (0: moves only when stepped, so paused). */
export function clockStatus(engine: Pick<Engine, "tick" | "timeSeconds" | "options">, speed: number, paused: boolean): ClockStatus {
  return {
    apiVersion: "memplane.io/v1alpha1",
    kind: "Clock",
    tick: engine.tick,
    time: formatSimTime(engine.timeSeconds),
    timeSeconds: engine.timeSeconds,
    tickSeconds: engine.options.tickSeconds,
    speed,
    paused: paused || speed === 0,
  };
}

/** Why `value` is not a speed an operator may set (0, or SPEED_RANGE.min–max), or undefined when it is one; `shown` is what the user wrote. */
export function speedProblem(value: unknown, shown: unknown = value): string | undefined {
  if (typeof value === "number" && (value === 0 || (value >= SPEED_RANGE.min && value <= SPEED_RANGE.max))) return undefined;
  return `speed must be 0 (step by hand) or a number from ${SPEED_RANGE.min} to ${SPEED_RANGE.max} (simulated seconds per real second), got ${JSON.stringify(shown)}`;
}

/** What `PATCH /clock` may change. */
export interface ClockChange {
  paused?: boolean;
  speed?: number;
}

/** Pausable, re-speedable real-time ticking of one engine, plus stepping by hand. */
export class ServerClock {
  #speed: number;
  #paused = false;
  #timer: RealTimeClock | undefined;
  #started = false;

  constructor(
    private readonly engine: Engine,
    speed: number,
    private readonly tick: () => void,
  ) {
    this.#speed = speed;
  }

  /** Starts real-time ticking (unless paused or at speed 0). */
  start(): void {
    this.#started = true;
    this.#rearm();
  }

  /** Stops ticking for good (server close). */
  stop(): void {
    this.#started = false;
    this.#timer?.stop();
    this.#timer = undefined;
  }

  /** The clock's state now. */
  status(): ClockStatus {
    return clockStatus(this.engine, this.#speed, this.#paused);
  }

  /** Applies a change from `PATCH /clock` (validated first: a bad body changes nothing). */
  change(body: unknown): ClockStatus {
    const change = parseClockChange(body);
    if (change.speed !== undefined) this.#speed = change.speed;
    if (change.paused !== undefined) this.#paused = change.paused;
    this.#rearm();
    return this.status();
  }

  /** Steps `ticks` ticks now, paused or not (the timer's own ticks go on afterwards). */
  step(ticks: number): void {
    for (let i = 0; i < ticks; i++) this.tick();
  }

  #rearm(): void {
    this.#timer?.stop();
    this.#timer = undefined;
    if (!this.#started || this.#paused || this.#speed === 0) return;
    this.#timer = new RealTimeClock({ tickSeconds: this.engine.options.tickSeconds, speed: this.#speed, step: this.tick });
    this.#timer.start();
  }
}

/** A `PATCH /clock` body: `{"paused": true|false}` and/or `{"speed": N}` (0 or 0.001–1e6); anything else is a 400. */
export function parseClockChange(body: unknown): ClockChange {
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw badRequest('the body must be a JSON object such as {"paused": true} or {"speed": 10}');
  const out: ClockChange = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === "paused") {
      if (typeof value !== "boolean") throw badRequest(`paused must be true or false, got ${JSON.stringify(value)}`);
      out.paused = value;
    } else if (key === "speed") {
      const problem = speedProblem(value);
      if (problem !== undefined) throw badRequest(problem);
      out.speed = value as number;
    } else if (key !== "apiVersion" && key !== "kind") {
      throw badRequest(`unknown field ${JSON.stringify(key)}: a clock change has paused and speed`);
    }
  }
  return out;
}

/** `?ticks=N` of `POST /clock/step` (default 1, at most {@link MAX_STEP_TICKS}). */
export function parseStepTicks(value: string | null): number {
  if (value === null) return 1;
  const n = Number(value);
  if (value.trim() === "" || !Number.isSafeInteger(n) || n < 1 || n > MAX_STEP_TICKS) {
    throw badRequest(`ticks must be a whole number from 1 to ${MAX_STEP_TICKS}, got ${JSON.stringify(value)}`);
  }
  return n;
}
