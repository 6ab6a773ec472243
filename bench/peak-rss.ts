/**
 * The process's peak RSS over a stretch of the benchmark (Linux): `resetPeakRss()` starts a
 * stretch (writing 5 to /proc/self/clear_refs resets the kernel's high-water mark, VmHWM) and
 * `peakRssMiB()` reads the peak since. Elsewhere both answer nothing (NaN), and the tables say
 * "—".
 */
import * as fs from "node:fs";

/** Whether the last {@link resetPeakRss} took: otherwise the high-water mark is the process's, and no peak is given. */
let reset = false;

/** Starts a new stretch: the peak so far is forgotten (where the kernel offers it). */
export function resetPeakRss(): void {
  try {
    fs.writeFileSync("/proc/self/clear_refs", "5");
    reset = true;
  } catch {
    reset = false;
  }
}

/** The peak RSS since the last {@link resetPeakRss}, MiB; NaN where unknown. */
export function peakRssMiB(): number {
  if (!reset) return Number.NaN;
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync("/proc/self/status", "utf8"));
    return m === null ? Number.NaN : Number(m[1]) / 1024;
  } catch {
    return Number.NaN;
  }
}
