/**
 * The API server's size, time and count limits: what a client may send, how long it may take,
 * how many connections and watches it may hold, and how far a watcher may fall behind.
 */
import { DEFAULT_MAX_BODY_BYTES } from "./body.js";

/** Request size and time limits, and the limits on connections and streams. */
export interface ServerLimits {
  /** Largest request body (413 beyond). Default 1 MiB. */
  maxBodyBytes: number;
  /** Time to receive the request headers. Default 10 s. */
  headersTimeoutMs: number;
  /** Time to receive the whole request (headers and body). Default 30 s. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. Default 5 s. */
  keepAliveTimeoutMs: number;
  /** How often Node checks the header and request timeouts. Default 1 s. */
  connectionsCheckingIntervalMs: number;
  /** Open connections; more are closed as they arrive, so the process keeps file descriptors for its saves. Default 1024. */
  maxConnections: number;
  /** Open watches and log follows, all clients together (429 beyond). Default 256. */
  maxWatches: number;
  /** Open watches and log follows of one client address (429 beyond). Default 64. */
  maxWatchesPerClient: number;
  /** Bytes one watch or log follow may leave unsent before it is ended. Default 8 MiB. */
  maxStreamBufferBytes: number;
  /** Bytes all streams together may leave unsent; beyond it, the streams furthest behind are ended. Default 64 MiB. */
  maxStreamBufferTotalBytes: number;
  /** How long an ended stream may take to deliver its last bytes before its connection is closed. Default 10 s. */
  streamEndTimeoutMs: number;
  /** Real time between BOOKMARK events of a watch with `allowWatchBookmarks=true`. Default 30 s. */
  watchBookmarkIntervalMs: number;
  /** Changes kept for watches that resume from a resourceVersion (older ones are 410 Gone). Default 10 000. */
  watchHistoryEvents: number;
}

/** The default {@link ServerLimits}. */
export const DEFAULT_SERVER_LIMITS: Readonly<ServerLimits> = Object.freeze({
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  connectionsCheckingIntervalMs: 1_000,
  maxConnections: 1024,
  maxWatches: 256,
  maxWatchesPerClient: 64,
  maxStreamBufferBytes: 8 * 1024 * 1024,
  maxStreamBufferTotalBytes: 64 * 1024 * 1024,
  streamEndTimeoutMs: 10_000,
  watchBookmarkIntervalMs: 30_000,
  watchHistoryEvents: 10_000,
});

/** The defaults with `overrides` applied; a limit that is not a whole number ≥ 1 is an Error naming it. */
export function resolveLimits(overrides: Partial<ServerLimits> = {}): ServerLimits {
  const limits: ServerLimits = { ...DEFAULT_SERVER_LIMITS };
  for (const [key, value] of Object.entries(overrides) as [keyof ServerLimits, unknown][]) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_SERVER_LIMITS)) throw new Error(`unknown server limit ${JSON.stringify(key)}`);
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
      throw new Error(`server limit ${key} must be a whole number ≥ 1, got ${String(value)}`);
    }
    limits[key] = value;
  }
  return limits;
}
