/**
 * Runs ticks for `run` and `step`: streams the log to stdout as it is emitted (JSON lines, every
 * text entry with `verbose`, else the text story of {@link LogStory}, with host states), shows a progress bar on a TTY for long runs,
 * and stops cleanly after the current tick on Ctrl-C so the caller can still save. When stdout's
 * reader goes away (`| head -1`) printing stops; the ticks still run (the caller saves them)
 * unless the caller keeps nothing and asks to stop there too.
 */
import { formatSimTime, parseDuration } from "../api/duration.js";
import type { Engine } from "../engine/engine.js";
import { formatLogJson, formatLogText, JsonLineChunks } from "../engine/log-format.js";
import type { LogEntry } from "../engine/log-entry.js";
import { LogStory } from "./output/log-story.js";
import { ProgressBar } from "./output/progress.js";
import type { Terminal } from "./terminal.js";

/** How a simulation run prints. */
export interface SimulateOptions {
  logFormat: "text" | "json";
  /** Print no log entries and no progress. */
  quiet?: boolean;
  /** Stop after the current tick once stdout is closed (for a run whose only product is its output). */
  stopWhenOutputCloses?: boolean;
  /** Text: print every entry instead of coalescing runs of target changes ({@link LogStory}). */
  verbose?: boolean;
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

/** Simulated seconds of an entry's `time` (0 if unreadable, which the engine never writes). */
function entrySeconds(entry: LogEntry): number {
  try {
    return parseDuration(entry.time);
  } catch {
    return 0;
  }
}

/** How a log stream prints (the options of `run`, `step` and `run --watch`). */
export interface LogStreamOptions {
  logFormat: "text" | "json";
  quiet?: boolean;
  verbose?: boolean;
}

/**
 * Prints an engine's log as it is emitted: JSON lines, or with `verbose` every text entry as it
 * comes; else the text story ({@link LogStory}), a tick at a time. Call {@link tickDone} after
 * each tick and {@link close} at the end (it prints what the story still holds).
 */
export class LogStream {
  /** Log entries emitted while subscribed (printed or not). */
  entries = 0;
  private readonly story: LogStory | undefined;
  private readonly subscription: { unsubscribe(): void };
  /** JSON lines not written yet (a JSON log). */
  readonly #json: JsonLineChunks;

  /** `beforePrint` runs before each batch of lines (e.g. to clear a progress bar). */
  constructor(
    private readonly engine: Engine,
    private readonly term: Terminal,
    private readonly options: LogStreamOptions,
    private readonly beforePrint: () => void = () => {},
  ) {
    this.story = options.logFormat === "text" && options.verbose !== true && options.quiet !== true ? new LogStory(engine.model) : undefined;
    this.#json = new JsonLineChunks((lines) => {
      if (this.term.outputClosed) return;
      this.beforePrint();
      this.term.out(lines);
    });
    if (options.quiet === true) {
      // counted from the tick's summary: no entry is built for a quiet run
      this.subscription = engine.ticks$.subscribe((summary) => (this.entries += summary.logEntryCount));
    } else if (options.logFormat === "json") {
      // each entry becomes its JSON line as it is emitted and is dropped: a busy tick's entries
      // are never all alive at once (kept for the tick's summary, 80 000 of them a tick at 100k
      // VMs outlived the young generation: docs/performance.md, *Session 9*); one write per
      // LOG_WRITE_CHUNK lines and one at the end of the tick (stdout is often a file: a system
      // call per write)
      this.subscription = engine.logs$.subscribe((entry) => {
        this.entries++;
        this.#json.add(entry);
      });
    } else {
      this.subscription = engine.logs$.subscribe((entry) => {
        this.entries++;
        if (this.story === undefined) this.print([entry]);
        else this.story.entry(entry, entrySeconds(entry));
      });
    }
  }

  /** After each tick: its JSON lines not written yet, or the story's lines for it. */
  tickDone(): void {
    this.#json.flush();
    if (this.story !== undefined) this.print(this.story.endTick(this.engine.tick, this.engine.timeSeconds));
  }

  /** Stops listening and prints the story's summaries of what is still changing. */
  close(): void {
    this.subscription.unsubscribe();
    this.#json.flush();
    if (this.story !== undefined) this.print(this.story.finish(this.engine.tick, this.engine.timeSeconds));
  }

  private print(entries: readonly LogEntry[]): void {
    if (this.options.quiet === true || this.term.outputClosed || entries.length === 0) return;
    this.beforePrint();
    for (const entry of entries) this.term.out(logLine(entry, this.engine, this.options.logFormat, this.term.color) + "\n");
  }
}

/** Steps `engine` `ticks` times, printing its log entries as they come. */
export async function simulate(engine: Engine, ticks: number, term: Terminal, options: SimulateOptions): Promise<SimulateResult> {
  const bar = new ProgressBar(term.stderr, ticks, !options.quiet && term.stderr.isTTY === true);
  // the bar and the log share the terminal
  const log = new LogStream(engine, term, options, () => {
    if (term.stdout.isTTY) bar.clear();
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
      log.tickDone();
      if (Date.now() - lastYield >= YIELD_EVERY_MS) {
        bar.update(ticksRun, formatSimTime(engine.timeSeconds));
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = Date.now();
      }
    }
  } finally {
    process.off("SIGINT", onSigint);
    log.close();
    bar.clear();
  }
  return { ticksRun, logEntries: log.entries, interrupted, outputClosed: ticksRun < ticks && !interrupted && readerGone() };
}
