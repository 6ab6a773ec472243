/**
 * The round-trip cost of the synchronous worker channel (src/engine/workers/): starting a worker,
 * an empty call (to one worker, and callAll to two), and a call carrying a 4 MiB ArrayBuffer
 * transferred vs cloned (one way, and there and back). Run
 * after a build: `node dist/bench/worker-channel.js [--calls N]`. The numbers are written down in
 * `sync-worker.ts`'s doc comment; wall-clock medians, so compare them on a quiet machine.
 */
import { performance } from "node:perf_hooks";
import { SyncWorker, callAll } from "../src/engine/workers/sync-worker.js";
import { workerEntryUrl } from "../src/engine/workers/worker-entry.js";

const MIB4 = 4 * 1024 * 1024;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median microseconds of `calls` runs of `once` after `calls / 10` warm-up runs. */
function measure(calls: number, once: () => void): number {
  for (let i = 0; i < Math.max(10, calls / 10); i++) once();
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    once();
    times.push((performance.now() - t0) * 1000);
  }
  return median(times);
}

const callsArg = process.argv.indexOf("--calls");
const calls = callsArg >= 0 ? Number(process.argv[callsArg + 1]) : 1000;
const entry = workerEntryUrl("../src/engine/workers/echo-worker.js", import.meta.url);
const startTimes: number[] = [];
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  const w = SyncWorker.start(entry, null);
  w.call("echo", null);
  startTimes.push((performance.now() - t0) * 1000);
  w.terminate();
}
const worker = SyncWorker.start(entry, null, { name: "bench echo" });
const other = SyncWorker.start(entry, null, { name: "bench echo 2" });
callAll([worker, other], "echo", [null, null]); // started and ready
const rows: [string, number][] = [
  ["start a worker + its first answer", median(startTimes)],
  ["empty call (echo null)", measure(calls, () => worker.call("echo", null))],
  ["callAll over 2 workers, empty", measure(calls, () => callAll([worker, other], "echo", [null, null]))],
  ["4 MiB ArrayBuffer, transferred", measure(calls / 4, () => {
    const buffer = new ArrayBuffer(MIB4);
    worker.call("bytes", { buffer }, [buffer]);
  })],
  ["4 MiB ArrayBuffer, cloned", measure(calls / 4, () => {
    const buffer = new ArrayBuffer(MIB4);
    worker.call("bytes", { buffer });
  })],
  ["4 MiB there and back, transferred both ways", measure(calls / 4, () => {
    const buffer = new ArrayBuffer(MIB4);
    worker.call("bytes", { buffer, giveBack: true }, [buffer]);
  })],
  ["4 MiB allocation alone (baseline)", measure(calls / 4, () => void new ArrayBuffer(MIB4))],
];
for (const [what, us] of rows) {
  const value = us >= 10_000 ? `${(us / 1000).toFixed(1)} ms` : `${us.toFixed(1)} µs`;
  console.log(`${what.padEnd(46)} ${value.padStart(10)} (median)`);
}
worker.terminate();
other.terminate();
