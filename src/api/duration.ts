/**
 * Simulated durations and timestamps. Manifests write durations Go-style (`90s`, `5m`, `1h30m`,
 * `250ms`); a bare number is seconds. Simulated time is printed the same way (`1m30s`), which is
 * what logs, `creationTimestamp` and `lastTransitionTime` show.
 */

/** Seconds per unit, for the units a duration may use. */
const UNIT_SECONDS: Readonly<Record<string, number>> = {
  ns: 1e-9,
  us: 1e-6,
  "µs": 1e-6,
  "μs": 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

/**
 * The duration grammar as a regular expression source (shared with `schemas/*.json`): one or more
 * `<number><unit>` terms (`1h30m`, `2.5s`, `250us`), or a bare number of seconds.
 */
export const DURATION_PATTERN = "^(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$|^([0-9]+(\\.[0-9]*)?|\\.[0-9]+)$";

const DURATION_RE = new RegExp(DURATION_PATTERN);
const TERM_RE = /([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h)/g;

/** What error messages say is accepted. */
export const DURATION_HELP =
  'expected a duration like 90s, 5m, 1h30m, 2.5s, 250ms or 250us, or a number of seconds';

/** A duration the user wrote that cannot be understood. */
export class DurationError extends Error {
  /** The offending input, as given. */
  readonly input: unknown;

  constructor(input: unknown, problem: string) {
    super(`invalid duration ${typeof input === "string" ? JSON.stringify(input) : String(input)}: ${problem}`);
    this.name = "DurationError";
    this.input = input;
  }
}

/** Parses a duration to seconds (possibly fractional). Throws {@link DurationError}. */
export function parseDuration(input: string | number): number {
  if (typeof input === "number") {
    if (!Number.isFinite(input)) throw new DurationError(input, `must be finite; ${DURATION_HELP}`);
    if (input < 0) throw new DurationError(input, `must not be negative; ${DURATION_HELP}`);
    return input;
  }
  if (typeof input !== "string") throw new DurationError(input, DURATION_HELP);
  const text = input.trim();
  if (text === "") throw new DurationError(input, `is empty; ${DURATION_HELP}`);
  if (text.startsWith("-")) throw new DurationError(input, `must not be negative; ${DURATION_HELP}`);
  if (text.length > 64 || !DURATION_RE.test(text)) throw new DurationError(input, DURATION_HELP);
  if (/^[0-9.]+$/.test(text)) return Number(text);
  let seconds = 0;
  for (const [, value, unit] of text.matchAll(TERM_RE)) {
    seconds += Number(value) * UNIT_SECONDS[unit!]!;
  }
  if (!Number.isFinite(seconds)) throw new DurationError(input, "is too large");
  // Round to the nanosecond so sums like `1.1s` + `0.2s` carry no float noise.
  return Math.round(seconds * 1e9) / 1e9;
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
