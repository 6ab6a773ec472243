/**
 * Runs ticks for `run` and `step`: streams each log entry to stdout as it is emitted (text via
 * `formatLogText` with host states, or JSON lines), shows a progress bar on a TTY for long runs,
 * and stops cleanly after the current tick on Ctrl-C so the caller can still save. When stdout's
 * reader goes away (`| head -1`) printing stops; the ticks still run (the caller saves them)
 * unless the caller keeps nothing and asks to stop there too.
 */
import { formatSimTime } from "../api/duration.js";
import type { Engine } from "../engine/engine.js";
import { formatLogJson, formatLogText } from "../engine/log-format.js";
import type { LogEntry } from "../engine/log-entry.js";
import { ProgressBar } from "./output/progress.js";
import type { Terminal } from "./terminal.js";

/** How a simulation run prints. */
export interface SimulateOptions {
  logFormat: "text" | "json";
  /** Print no log entries and no progress. */
  quiet?: boolean;
  /** Stop after the current tick once stdout is closed (for a run whose only product is its output). */
  stopWhenOutputCloses?: boolean;
}

/** What happened. */
export interface SimulateResult {
  ticksRun: number;
  logEntries: number;
  /** Stopped early by Ctrl-C. */
  interrupted: boolean;
  /** Stopped early because stdout was closed (only with `stopWhenOutputCloses`). */
  outputClosed: boolean;
}

/** Wall-clock budget between yields to the event loop (so Ctrl-C and output get through). */
const YIELD_EVERY_MS = 25;

/** Formats one entry the way the user asked. */
export function logLine(entry: LogEntry, engine: Engine, format: "text" | "json", color: boolean): string {
  if (format === "json") return formatLogJson(entry);
  return formatLogText(entry, {
    color,
    // the model's live state: the store's status is written at the end of the tick
    hostState: (host) => engine.model.host(host)?.state ?? engine.store.get("Host", host)?.status?.state,
  });
}

/** Steps `engine` `ticks` times, printing its log entries as they come. */
export async function simulate(engine: Engine, ticks: number, term: Terminal, options: SimulateOptions): Promise<SimulateResult> {
  const bar = new ProgressBar(term.stderr, ticks, !options.quiet && term.stderr.isTTY === true);
  let logEntries = 0;
  const subscription = engine.logs$.subscribe((entry) => {
    logEntries++;
    if (options.quiet || term.outputClosed) return;
    if (term.stdout.isTTY) bar.clear(); // the bar and the log share the terminal
    term.out(logLine(entry, engine, options.logFormat, term.color) + "\n");
  });
  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
  };
  process.on("SIGINT", onSigint);
  let ticksRun = 0;
  const readerGone = (): boolean => options.stopWhenOutputCloses === true && term.outputClosed;
  try {
    let lastYield = Date.now();
    while (ticksRun < ticks && !interrupted && !readerGone()) {
      engine.step(1);
      ticksRun++;
      if (Date.now() - lastYield >= YIELD_EVERY_MS) {
        bar.update(ticksRun, formatSimTime(engine.timeSeconds));
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = Date.now();
      }
    }
  } finally {
    process.off("SIGINT", onSigint);
    subscription.unsubscribe();
    bar.clear();
  }
  return { ticksRun, logEntries, interrupted, outputClosed: ticksRun < ticks && !interrupted && readerGone() };
}
