/** Small formatting helpers shared by explanations and advice: sizes, percentages, ticks. */
import { formatSimTime } from "../api/duration.js";
import { approx } from "../hypervisor/format.js";

/** A readable size for a page count (`496Mi`, `1.24Gi`, `0`; `none` for null/Infinity). */
export function size(pages: number | null | undefined): string {
  if (pages === null || pages === undefined || !Number.isFinite(pages)) return "none";
  return approx(pages);
}

/** A percentage with at most one decimal (`75 %`, `3.2 %`). */
export function pct(value: number): string {
  const r = Math.round(value * 10) / 10;
  return `${Number.isInteger(r) ? r.toFixed(0) : r.toFixed(1)} %`;
}

/** `tick 400 (6m40s)` for a tick of a simulation running `tickSeconds` per tick. */
export function tickAt(tick: number, tickSeconds: number): string {
  return `tick ${tick} (${formatSimTime(tick * tickSeconds)})`;
}

/** `1 VM` / `2 VMs`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Joins sentences into one paragraph, skipping empty ones. */
export function paragraph(parts: readonly (string | undefined | false)[]): string {
  return parts.filter((p): p is string => typeof p === "string" && p.length > 0).join(" ");
}
