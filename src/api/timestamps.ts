/**
 * Timestamps Kubernetes clients can read: `creationTimestamp`, `lastTransitionTime` and event
 * times are RFC 3339 (`2026-01-01T00:01:30Z`), simulated time mapped onto the simulation's
 * **epoch** — the instant tick 0 stands for, recorded with the state (engine option `epoch`,
 * `memplane run --epoch`). The default epoch is fixed, never the wall clock, so runs stay
 * byte-identical. States saved before timestamps were RFC 3339 hold simulated times (`1m30s`);
 * {@link timestampSeconds} reads both.
 */
import { parseSimTime } from "./duration.js";

/** The instant tick 0 stands for unless the simulation says otherwise. */
export const DEFAULT_EPOCH = "2026-01-01T00:00:00Z";

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Why `text` is not an epoch, or undefined: an RFC 3339 instant in whole seconds, years 1970 to 9999. */
export function epochProblem(text: unknown): string | undefined {
  if (typeof text !== "string") return "must be an RFC 3339 time such as 2026-01-01T00:00:00Z";
  const m = RFC3339.exec(text.trim());
  if (!m || Number.isNaN(Date.parse(text.trim()))) return `must be an RFC 3339 time such as 2026-01-01T00:00:00Z, got ${JSON.stringify(text)}`;
  if (m[7] !== undefined) return "must be whole seconds (no fraction)";
  const ms = Date.parse(text.trim());
  if (ms < 0 || ms > Date.UTC(9999, 11, 31, 23, 59, 59)) return "must be from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z";
  return undefined;
}

/** The epoch in canonical form (UTC, `Z`): `2026-01-01T02:00:00+02:00` → `2026-01-01T00:00:00Z`. Throws a RangeError for a bad one. */
export function normalizeEpoch(text: string): string {
  const problem = epochProblem(text);
  if (problem !== undefined) throw new RangeError(`epoch ${problem}`);
  return new Date(Date.parse(text.trim())).toISOString().replace(".000Z", "Z");
}

/** Unix seconds of an epoch already checked by {@link normalizeEpoch}. */
function epochUnixSeconds(epoch: string): number {
  return Date.parse(epoch) / 1000;
}

/**
 * The RFC 3339 timestamp of simulated second `seconds` after `epoch`: whole seconds as
 * Kubernetes writes them (`…T00:01:30Z`), a fraction (ticks shorter than a second) to the
 * microsecond (`…T00:01:30.5Z`).
 */
export function formatTimestamp(seconds: number, epoch: string = DEFAULT_EPOCH): string {
  if (!Number.isFinite(seconds)) throw new RangeError(`simulated time must be finite, got ${seconds}`);
  const micros = Math.round(seconds * 1e6);
  const whole = Math.floor(micros / 1e6);
  const fraction = micros - whole * 1e6;
  const base = new Date((epochUnixSeconds(epoch) + whole) * 1000).toISOString().slice(0, 19);
  return fraction === 0 ? `${base}Z` : `${base}.${String(fraction).padStart(6, "0").replace(/0+$/, "")}Z`;
}

/** True for an RFC 3339 timestamp or a simulated time (`1m30s`, from states saved before RFC 3339). */
export function isTimestamp(text: unknown): boolean {
  if (typeof text !== "string") return false;
  try {
    timestampSeconds(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Simulated seconds since `epoch` of a timestamp: an RFC 3339 time, or a simulated time
 * (`1m30s`) as states saved before RFC 3339 hold. Throws a RangeError for anything else.
 */
export function timestampSeconds(text: string, epoch: string = DEFAULT_EPOCH): number {
  const m = RFC3339.exec(text);
  if (m === null) return parseSimTime(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new RangeError(`not an RFC 3339 time: ${JSON.stringify(text)}`);
  const fraction = m[7] === undefined ? 0 : Number(`0${m[7]}`);
  return Math.floor(ms / 1000) - epochUnixSeconds(epoch) + Math.round(fraction * 1e6) / 1e6;
}

/**
 * Simulated second `timeSeconds` of a simulation whose epoch is `epoch`, counted from
 * {@link DEFAULT_EPOCH} instead: the "now" that ages (`AGE`, `LAST SEEN`) are measured against,
 * since {@link timestampSeconds} reads timestamps from the default epoch. Equal to `timeSeconds`
 * for the default epoch.
 */
export function nowSinceDefaultEpoch(timeSeconds: number, epoch: string = DEFAULT_EPOCH): number {
  return timeSeconds + (epochUnixSeconds(epoch) - epochUnixSeconds(DEFAULT_EPOCH));
}
