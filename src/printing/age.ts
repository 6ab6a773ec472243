/**
 * AGE and LAST SEEN columns from simulated time: how long before the engine's current time an
 * object was created, rounded the way kubectl rounds (`42s`, `5m10s`, `47m`, `2h5m`, `3d4h`).
 */
import { parseSimTime } from "../api/duration.js";
import { memoise } from "../api/memo.js";

/** Timestamps repeat (objects applied together share one): parse each text once. */
const timestampSeconds = memoise(parseSimTime);

/** Formats a span of seconds like kubectl's HumanDuration. */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const minutes = Math.floor(s / 60);
  const hours = Math.floor(s / 3600);
  const days = Math.floor(s / 86400);
  if (s < 120) return `${s}s`;
  if (minutes < 10) return s % 60 === 0 ? `${minutes}m` : `${minutes}m${s % 60}s`;
  if (hours < 3) return `${minutes}m`;
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 192) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (days < 365 * 2) return `${days}d`;
  return `${Math.floor(days / 365)}y`;
}

/** The age of something stamped at simulated time `timestamp` (e.g. `1m30s`) when the clock reads `nowSeconds`; `<unknown>` when unstamped. */
export function ageSince(timestamp: string | undefined, nowSeconds: number): string {
  if (timestamp === undefined) return "<unknown>";
  try {
    return formatAge(nowSeconds - timestampSeconds(timestamp));
  } catch {
    return "<unknown>";
  }
}
