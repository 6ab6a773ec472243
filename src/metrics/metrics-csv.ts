/**
 * Tidy CSV of a {@link MetricsSeries}: one row per sample, object and metric —
 * `tick,object,metric,value` — with objects named `host/NAME` and `vm/NAMESPACE/NAME`. Memory
 * metrics are written in bytes (`free_bytes`, `consumed_bytes`, …), the stall in percent
 * (`memoryStallPercent`) and the host state by name (`state`: high/clear/soft/hard/low).
 * Samples of objects that did not exist yet (or any more) are left out.
 */
import { HOST_METRICS, HOST_STATE_NAMES, VM_METRICS, type MetricsSeries } from "./metrics-series.js";

/** Bytes per page. */
const PAGE_BYTES = 4096;

/** The CSV header line (without newline). */
export const METRICS_CSV_HEADER = "tick,object,metric,value";

/** The CSV column name of a metric. */
export function csvMetricName(metric: string): string {
  return metric === "state" || metric === "memoryStallPercent" ? metric : `${metric}_bytes`;
}

/** Quotes a CSV field when it needs it (RFC 4180). */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One object's columns with how each value is written. */
interface CsvObject {
  name: string;
  metrics: { name: string; col: readonly number[]; format: (v: number) => string }[];
}

function csvObjects(series: MetricsSeries): CsvObject[] {
  const bytes = (v: number): string => String(v * PAGE_BYTES);
  const out: CsvObject[] = [];
  for (const name of [...series.hosts.keys()].sort()) {
    const cols = series.hosts.get(name)!;
    out.push({
      name: csvField(`host/${name}`),
      metrics: HOST_METRICS.map((m) => ({
        name: csvMetricName(m),
        col: cols[m],
        format: m === "state" ? (v: number) => HOST_STATE_NAMES[v] ?? String(v) : bytes,
      })),
    });
  }
  for (const key of [...series.vms.keys()].sort()) {
    const cols = series.vms.get(key)!;
    out.push({
      name: csvField(`vm/${key}`),
      metrics: VM_METRICS.map((m) => ({ name: csvMetricName(m), col: cols[m], format: m === "memoryStallPercent" ? String : bytes })),
    });
  }
  return out;
}

/**
 * The CSV text in chunks (header first, then one chunk per sampled tick, ordered by tick,
 * object, metric), so a long series can be streamed to stdout or a file without one huge string.
 */
export function* metricsCsvChunks(series: MetricsSeries): Generator<string> {
  yield METRICS_CSV_HEADER + "\n";
  const objects = csvObjects(series);
  for (let i = 0; i < series.ticks.length; i++) {
    const tick = series.ticks[i]!;
    let chunk = "";
    for (const o of objects) {
      for (const m of o.metrics) {
        const v = m.col[i]!;
        if (Number.isNaN(v)) continue;
        chunk += `${tick},${o.name},${m.name},${m.format(v)}\n`;
      }
    }
    if (chunk) yield chunk;
  }
}

/** The whole CSV as one string (small series and tests). */
export function metricsToCsv(series: MetricsSeries): string {
  let out = "";
  for (const chunk of metricsCsvChunks(series)) out += chunk;
  return out;
}
