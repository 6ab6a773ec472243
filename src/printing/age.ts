/**
 * AGE and LAST SEEN columns from simulated time: how long before the engine's current time an
 * object was created, rounded the way kubectl rounds (`42s`, `5m10s`, `47m`, `2h5m`, `3d4h`).
 */
import { memoise } from "../api/memo.js";
import { timestampSeconds as readTimestamp } from "../api/timestamps.js";

/** Timestamps repeat (objects applied together share one): parse each text once (seconds since the default epoch). */
const timestampSeconds = memoise((text: string) => readTimestamp(text));

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

/**
 * The age of something stamped at `timestamp` (RFC 3339, or a simulated time such as `1m30s`
 * from an older state) when the clock reads `nowSeconds` — counted from the default epoch
 * (`nowSinceDefaultEpoch` in api/timestamps.ts; the simulated time itself for the default
 * epoch); `<unknown>` when unstamped.
 */
export function ageSince(timestamp: string | undefined, nowSeconds: number): string {
  if (timestamp === undefined) return "<unknown>";
  try {
    return formatAge(nowSeconds - timestampSeconds(timestamp));
  } catch {
    return "<unknown>";
  }
}
