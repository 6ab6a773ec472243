/**
 * A one-line progress bar on stderr for long runs: shown only when stderr is a TTY and the run
 * has lasted over a second of wall time (short runs stay quiet), redrawn at most ten times a
 * second, and wiped before any log line is written so the two never interleave. Wall time here
 * only paces the display; the simulation never sees it.
 */
import type { OutputStream } from "../terminal.js";

/** Wall-clock delay before the bar first appears (ms). */
const SHOW_AFTER_MS = 1000;
/** Minimum wall-clock time between redraws (ms). */
const REDRAW_EVERY_MS = 100;
/** Width of the bar itself in characters. */
const BAR_WIDTH = 30;

/** Progress of a run of `total` ticks. */
export class ProgressBar {
  private readonly startedAt = Date.now();
  private lastDraw = 0;
  private visible = false;

  constructor(
    private readonly stream: OutputStream,
    private readonly total: number,
    /** Turn the bar off entirely (not a TTY, or --quiet). */
    private readonly enabled: boolean,
  ) {}

  /** Reports that `done` ticks have run; `label` is e.g. the simulated time. */
  update(done: number, label: string): void {
    if (!this.enabled || this.total <= 0) return;
    const now = Date.now();
    if (now - this.startedAt < SHOW_AFTER_MS || now - this.lastDraw < REDRAW_EVERY_MS) return;
    this.lastDraw = now;
    const fraction = Math.min(1, done / this.total);
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled);
    this.stream.write(`\r\x1b[K[${bar}] ${Math.floor(fraction * 100)}% tick ${done}/${this.total} ${label}`);
    this.visible = true;
  }

  /** Wipes the bar (before a log line, or at the end). */
  clear(): void {
    if (!this.visible) return;
    this.stream.write("\r\x1b[K");
    this.visible = false;
  }
}
