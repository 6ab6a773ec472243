/**
 * Simulated durations and timestamps: one grammar for every duration memplane reads (manifest
 * fields, `--tick`, `--duration`, the engine's `tickSeconds`) and for the simulated time it
 * prints. Durations are written Go-style (`90s`, `5m`, `1h30m`, `250ms`); a bare number is
 * seconds. Simulated time is printed the same way (`1m30s`), which is what logs and a
 * Scenario's `startedAt` show (object timestamps are RFC 3339: api/timestamps.ts).
 *
 * Bounds: a duration is a whole number of microseconds (the resolution simulated time is
 * printed at) from 0 to {@link MAX_DURATION_SECONDS} (87600h, ten years of 365 days). Anything
 * {@link parseDuration} accepts prints with {@link formatSimTime} and parses back to the very
 * same number, so a stored value can never turn into one the engine cannot read.
 */

/** Nanoseconds per unit, for the units a duration may use (exact, for BigInt arithmetic). */
const UNIT_NANOS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  "µs": 1_000n,
  "μs": 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/**
 * The duration grammar as a regular expression source (shared with `schemas/*.json`): one or more
 * `<number><unit>` terms (`1h30m`, `2.5s`, `250us`), or a bare number of seconds.
 */
export const DURATION_PATTERN = "^(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$|^([0-9]+(\\.[0-9]*)?|\\.[0-9]+)$";

const DURATION_RE = new RegExp(DURATION_PATTERN);
const TERM_RE = /([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h)/g;

/** The longest duration accepted, in seconds: 87600h, ten years of 365 days. */
export const MAX_DURATION_SECONDS = 87_600 * 3600;

/** The resolution of durations and simulated time, in seconds: one microsecond. */
export const DURATION_RESOLUTION_SECONDS = 1e-6;

/** The same bound in nanoseconds. */
const MAX_DURATION_NANOS = BigInt(MAX_DURATION_SECONDS) * 1_000_000_000n;

/** Longer texts are never durations (the longest sensible one is far shorter). */
const MAX_DURATION_CHARS = 64;

/** What error messages say is accepted. */
export const DURATION_HELP =
  "expected a duration like 90s, 5m, 1h30m, 2.5s, 250ms or 250us, or a number of seconds; whole microseconds from 0 to 87600h (10 years)";

/** A duration the user wrote that cannot be understood or is out of bounds. */
export class DurationError extends Error {
  /** The offending input, as given. */
  readonly input: unknown;

  constructor(input: unknown, problem: string) {
    super(`invalid duration ${describeInput(input)}: ${problem}`);
    this.name = "DurationError";
    this.input = input;
  }
}

function describeInput(input: unknown): string {
  if (typeof input !== "string") return String(input);
  return JSON.stringify(input.length > 40 ? `${input.slice(0, 37)}...` : input);
}

/** A duration text as exact nanoseconds (grammar only, no bounds). Throws {@link DurationError}. */
function textToNanos(input: string): bigint {
  const text = input.trim();
  if (text === "") throw new DurationError(input, `is empty; ${DURATION_HELP}`);
  if (text.startsWith("-")) throw new DurationError(input, `must not be negative; ${DURATION_HELP}`);
  if (text.length > MAX_DURATION_CHARS || !DURATION_RE.test(text)) throw new DurationError(input, DURATION_HELP);
  if (/^[0-9.]+$/.test(text)) return termToNanos(input, text, "s");
  let nanos = 0n;
  for (const [, value, unit] of text.matchAll(TERM_RE)) nanos += termToNanos(input, value!, unit!);
  return nanos;
}

/** One `<number><unit>` term as exact nanoseconds. */
function termToNanos(input: string, value: string, unit: string): bigint {
  const [whole = "", fraction = ""] = value.split(".");
  const scaled = BigInt(`${whole}${fraction}` || "0") * UNIT_NANOS[unit]!;
  const divisor = 10n ** BigInt(fraction.length);
  if (scaled % divisor !== 0n) throw new DurationError(input, finerThanResolution());
  return scaled / divisor;
}

function finerThanResolution(): string {
  return "is finer than 1us, the resolution of simulated time";
}

/** Exact nanoseconds (a whole number of microseconds) as seconds. */
function nanosToSeconds(input: string, nanos: bigint): number {
  if (nanos % 1000n !== 0n) throw new DurationError(input, finerThanResolution());
  return Number(nanos / 1000n) / 1e6;
}

/** A number of seconds, checked: finite, not negative, whole microseconds. Returns it unchanged. */
function checkSeconds(input: number): number {
  if (!Number.isFinite(input)) throw new DurationError(input, `must be finite; ${DURATION_HELP}`);
  if (input < 0) throw new DurationError(input, `must not be negative; ${DURATION_HELP}`);
  if (input > MAX_DURATION_SECONDS) return input; // too long: the caller says so
  // whole microseconds: exactly the number formatSimTime's rounding gives back
  if (Math.round(input * 1e6) / 1e6 !== input) throw new DurationError(input, finerThanResolution());
  return input + 0; // -0 → 0
}

/**
 * Parses a duration to seconds. A duration is a whole number of microseconds from 0 to
 * {@link MAX_DURATION_SECONDS}; `formatSimTime(parseDuration(x))` parses back to the same number.
 * Throws {@link DurationError}.
 */
export function parseDuration(input: string | number): number {
  if (typeof input === "number") {
    const seconds = checkSeconds(input);
    if (seconds > MAX_DURATION_SECONDS) throw new DurationError(input, tooLong());
    return seconds;
  }
  if (typeof input !== "string") throw new DurationError(input, DURATION_HELP);
  const nanos = textToNanos(input);
  if (nanos > MAX_DURATION_NANOS) throw new DurationError(input, tooLong());
  return nanosToSeconds(input, nanos);
}

function tooLong(): string {
  return "must be at most 87600h (10 years of simulated time)";
}

/**
 * Parses a simulated timestamp (`startedAt`, and `creationTimestamp` in states saved before
 * RFC 3339 timestamps: simulated time since the start, as {@link formatSimTime} prints it). The grammar of durations, without the upper bound:
 * a simulation may run longer than any one duration in it. Throws {@link DurationError}.
 */
export function parseSimTime(input: string): number {
  if (typeof input !== "string") throw new DurationError(input, DURATION_HELP);
  return nanosToSeconds(input, textToNanos(input));
}

/** True when the input parses as a duration. */
export function isDuration(input: unknown): input is string | number {
  if (typeof input !== "string" && typeof input !== "number") return false;
  try {
    parseDuration(input);
    return true;
  } catch {
    return false;
  }
}

/** The shortest tick the engine runs, in seconds (1ms). */
export const MIN_TICK_SECONDS = 0.001;

/** The longest tick the engine runs, in seconds (24h). */
export const MAX_TICK_SECONDS = 86_400;

/**
 * Why `seconds` cannot be the engine's tick length, or undefined when it can: a tick is a
 * duration (whole microseconds) from {@link MIN_TICK_SECONDS} (1ms) to {@link MAX_TICK_SECONDS} (24h).
 */
export function tickLengthProblem(seconds: unknown): string | undefined {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) return "must be a finite number of seconds";
  if (seconds < MIN_TICK_SECONDS || seconds > MAX_TICK_SECONDS) return "must be from 1ms to 24h (0.001 to 86400 seconds)";
  if (Math.round(seconds * 1e6) / 1e6 !== seconds) return "must be a whole number of microseconds";
  return undefined;
}

/**
 * Formats simulated seconds Go-style: `0s`, `42s`, `1m30s`, `1h0m5s`; a fractional part is kept
 * on the seconds (`1.5s`, `0.25s`, `1m30.5s`), to the microsecond.
 */
export function formatSimTime(seconds: number): string {
  if (!Number.isFinite(seconds)) throw new RangeError(`simulated time must be finite, got ${seconds}`);
  if (seconds < 0) return `-${formatSimTime(-seconds)}`;
  const micros = Math.round(seconds * 1e6);
  const wholeSeconds = Math.floor(micros / 1e6);
  const fraction = micros - wholeSeconds * 1e6;
  const h = Math.floor(wholeSeconds / 3600);
  const m = Math.floor((wholeSeconds % 3600) / 60);
  const s = wholeSeconds % 60;
  const secondsText = fraction === 0 ? `${s}` : `${s}.${String(fraction).padStart(6, "0").replace(/0+$/, "")}`;
  if (h > 0) return `${h}h${m}m${secondsText}s`;
  if (m > 0) return `${m}m${secondsText}s`;
  return `${secondsText}s`;
}
