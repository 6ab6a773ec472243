/**
 * `metrics.json` in a state directory: the recorded {@link MetricsSeries}, replaced atomically
 * on each save BEFORE `state.json` (which commits the save), so a crash in between leaves a
 * series at most one save ahead of the state; readers drop samples after the state's tick.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomicSync } from "../state/atomic-file.js";
import { refuseDirectories } from "../state/state-files.js";
import { MetricsFormatError, MetricsSeries } from "./metrics-series.js";

/** File name of the series in a state directory. */
export const METRICS_FILE = "metrics.json";

/** A `metrics.json` that cannot be read. */
export class MetricsFileError extends Error {
  constructor(
    /** The file as named to the user. */
    readonly file: string,
    reason: string,
  ) {
    super(`${file} is damaged: ${reason} (delete it to start the metrics series afresh)`);
    this.name = "MetricsFileError";
  }
}

/**
 * Reads the series saved in `dir`, keeping samples up to `uptoTick` (the saved state's tick);
 * undefined when there is none. `displayDir` names the directory in messages.
 */
export function readMetricsFile(dir: string, uptoTick: number, displayDir: string = dir): MetricsSeries | undefined {
  const file = path.join(dir, METRICS_FILE);
  const shown = path.join(displayDir, METRICS_FILE);
  refuseDirectories([[file, shown]]);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  let series: MetricsSeries;
  try {
    series = MetricsSeries.fromJSON(JSON.parse(text));
  } catch (err) {
    if (err instanceof SyntaxError) throw new MetricsFileError(shown, `not valid JSON (${err.message})`);
    if (err instanceof MetricsFormatError) throw new MetricsFileError(shown, err.message);
    throw err;
  }
  series.truncateAfter(uptoTick);
  return series;
}

/** Replaces `metrics.json` in `dir` with `series`, atomically. */
export function writeMetricsFile(dir: string, series: MetricsSeries): void {
  writeFileAtomicSync(path.join(dir, METRICS_FILE), JSON.stringify(series));
}
