/**
 * The synchronous worker channel's self-test worker: small handlers that echo, spin, take and
 * return buffers, fail and die on request, so tests (and a health check) can exercise
 * `SyncWorker` end to end without an engine. Start it with
 * `SyncWorker.start(workerEntryUrl("./echo-worker.js", import.meta.url), data)`.
 */
import { threadId } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import { serveSync, withTransfer } from "./serve-sync.js";

/** What the `spin` handler reports: its thread and when it started and stopped (ms since the epoch, `performance.timeOrigin + performance.now()`). */
export interface SpinReport {
  threadId: number;
  start: number;
  end: number;
}

/** What the `meet` handler reports: whether every worker arrived while this one was in the call, and when it started and stopped. */
export interface MeetReport extends SpinReport {
  met: boolean;
}

/** What the `bytes` handler reports about the ArrayBuffer it was given. */
export interface BytesReport {
  byteLength: number;
  first: number;
  last: number;
  /** The buffer itself, when asked back (transferred). */
  buffer?: ArrayBuffer;
}

let initData: unknown;

const now = (): number => performance.timeOrigin + performance.now();

serveSync({
  /** Keeps the worker's data; `{ failInit: message }` fails with a RangeError instead. */
  init: (data) => {
    const failInit = (data as { failInit?: string } | null)?.failInit;
    if (failInit !== undefined) throw new RangeError(failInit);
    initData = data;
  },
  /** The worker's data as `init` got it. */
  initData: () => initData,
  echo: (payload) => payload,
  threadId: () => threadId,
  /** Busy-loops for `ms` milliseconds of wall time. */
  spin: (payload): SpinReport => {
    const { ms } = payload as { ms: number };
    const start = now();
    while (now() - start < ms) {
      // busy: hold the CPU like a shard's tick would
    }
    return { threadId, start, end: now() };
  },
  /**
   * A rendezvous proving that calls run at the same time: adds 1 to the arrival counter (word 0
   * of `arrivals`), waits up to `timeoutMs` for `workers` arrivals, then spins `ms` milliseconds.
   * Only workers handling their calls at the same time all meet.
   */
  meet: (payload): MeetReport => {
    const { arrivals, workers, timeoutMs, ms } = payload as { arrivals: SharedArrayBuffer; workers: number; timeoutMs: number; ms: number };
    const counter = new Int32Array(arrivals);
    const start = now();
    Atomics.add(counter, 0, 1);
    Atomics.notify(counter, 0);
    for (let seen = Atomics.load(counter, 0); seen < workers && now() - start < timeoutMs; seen = Atomics.load(counter, 0)) {
      Atomics.wait(counter, 0, seen, Math.max(1, timeoutMs - (now() - start)));
    }
    const met = Atomics.load(counter, 0) >= workers;
    const spinStart = now();
    while (now() - spinStart < ms) {
      // busy, in parallel with the others
    }
    return { threadId, met, start, end: now() };
  },
  bytes: (payload): BytesReport | ReturnType<typeof withTransfer> => {
    const { buffer, giveBack } = payload as { buffer: ArrayBuffer; giveBack?: boolean };
    const view = new Uint8Array(buffer);
    const report: BytesReport = { byteLength: buffer.byteLength, first: view[0] ?? -1, last: view[view.length - 1] ?? -1 };
    return giveBack === true ? withTransfer({ ...report, buffer }, [buffer]) : report;
  },
  fail: (payload) => {
    const { name, message, code } = payload as { name: string; message: string; code?: string };
    const error = new Error(message);
    error.name = name;
    if (code !== undefined) Object.assign(error, { code });
    throw error;
  },
  /** Ends the thread with `process.exit(code)`; `code: null` answers "staying" instead. */
  exit: (payload) => {
    const { code } = payload as { code: number | null };
    return code === null ? "staying" : process.exit(code);
  },
  /** Answers, then throws outside any handler (on the next tick): the thread dies of an uncaught error. */
  crashSoon: (payload) => {
    process.nextTick(() => {
      throw new Error((payload as { message: string }).message);
    });
    return "crashing";
  },
  async: () => Promise.resolve(1),
  uncloneable: () => ({ f: () => 1 }),
});
