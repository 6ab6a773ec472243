/**
 * How the server's etcd threads (the relay and the local worker) speak: straight to stderr, since
 * the main thread that would relay their console output may be blocked waiting on them; and the
 * etcd client's background rejections (watches, keepalives, campaigns while etcd is away) are
 * said there too, never the end of the thread (the client reconnects).
 */
import * as fs from "node:fs";

/** Writes `memplane serve: <line>` to stderr at once. */
export function threadLog(line: string): void {
  try {
    fs.writeSync(2, `memplane serve: ${line}\n`);
  } catch {
    // stderr closed
  }
}

/** Says the thread's unhandled rejections with {@link threadLog} instead of ending the thread. */
export function logUnhandledRejections(): void {
  process.on("unhandledRejection", (e) => threadLog(`etcd: ${e instanceof Error ? e.message : String(e)}`));
}
