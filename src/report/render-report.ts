/**
 * Renders a metrics series as ONE self-contained HTML file: uPlot's JS and CSS are read from
 * node_modules and inlined, the chart data is embedded as a JSON block, and nothing is fetched
 * from the network. Every name is escaped (HTML text in the tables, `<`/`>`/`&` and line
 * separators as \u escapes inside the JSON block). No wall-clock time is written, so the same
 * series gives the same file.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import { formatSimTime } from "../api/duration.js";
import { HOST_STATE_NAMES, type MetricsSeries } from "../metrics/metrics-series.js";
import { chartData, DEFAULT_MAX_POINTS } from "./chart-data.js";
import { CLIENT_SCRIPT } from "./client-script.js";
import { summarize, type ReportSummary } from "./report-summary.js";

/** Options of {@link renderReport}. */
export interface ReportOptions {
  /** Page title (default "memplane report"). */
  title?: string;
  /** Where the data came from, shown under the title (e.g. the state directory). */
  source?: string;
  /** Points per chart (default {@link DEFAULT_MAX_POINTS}). */
  maxPoints?: number;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** JSON safe to place inside a `<script type="application/json">` element. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** JS source safe to inline in a `<script>` element (no `</script` can end it early). */
function inlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, "<\\/$1");
}

/** uPlot's minified IIFE build and stylesheet, read from its package. */
export function uplotAssets(): { js: string; css: string } {
  const require = createRequire(import.meta.url);
  return {
    js: fs.readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js"), "utf8"),
    css: fs.readFileSync(require.resolve("uplot/dist/uPlot.min.css"), "utf8"),
  };
}

/** A memory size in pages, readable (MiB or GiB). */
export function formatPages(pages: number): string {
  if (!Number.isFinite(pages)) return "–";
  const mib = pages / 256;
  if (mib >= 1024) return `${(mib / 1024).toFixed(2)} GiB`;
  if (mib === 0) return "0";
  return `${mib < 10 ? mib.toFixed(2) : mib.toFixed(1)} MiB`;
}

function hostTable(summary: ReportSummary): string {
  if (summary.hosts.length === 0) return "<p>No hosts were sampled.</p>";
  const head = ["host", "capacity", ...HOST_STATE_NAMES.map((s) => `time ${s}`), "lowest free", "final state"];
  const rows = summary.hosts.map((h) => {
    const total = HOST_STATE_NAMES.reduce((s, st) => s + h.secondsInState[st], 0);
    const cells = [
      h.name,
      formatPages(h.capacityPages),
      ...HOST_STATE_NAMES.map((st) => {
        const secs = h.secondsInState[st];
        return secs === 0 ? "–" : `${formatSimTime(secs)} (${total > 0 ? Math.round((secs / total) * 100) : 0}%)`;
      }),
      formatPages(h.minFreePagesSeen),
      h.finalState ?? "–",
    ];
    return cells;
  });
  return table("host-summary", head, rows, "host");
}

function vmTable(summary: ReportSummary): string {
  if (summary.vms.length === 0) return "<p>No virtual machines were sampled.</p>";
  const head = ["virtual machine", "memory (MEMSZ)", "peak consumed", "peak balloon", "peak compressed", "peak swapped", "peak guest swap", "peak stall"];
  const rows = summary.vms.map((v) => [
    v.key,
    formatPages(v.memoryPages),
    formatPages(v.peakConsumed),
    formatPages(v.peakBalloon),
    formatPages(v.peakCompressed),
    formatPages(v.peakSwapped),
    formatPages(v.peakGuestSwapped),
    `${v.peakStallPercent.toFixed(2)}%`,
  ]);
  return table("vm-summary", head, rows, "vm");
}

/** A summary table; each row's name links to its chart (`#host-N` / `#vm-N`, in the same sorted order). */
function table(id: string, head: string[], rows: string[][], anchor: "host" | "vm"): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const cell = (c: string, i: number, row: number): string =>
    i === 0 ? `<th scope="row"><a href="#${anchor}-${row}">${escapeHtml(c)}</a></th>` : `<td>${escapeHtml(c)}</td>`;
  const trs = rows.map((r, row) => `<tr>${r.map((c, i) => cell(c, i, row)).join("")}</tr>`).join("\n");
  return `<table id="${id}"><thead><tr>${th}</tr></thead><tbody>\n${trs}\n</tbody></table>`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; margin: 24px 32px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
h3 { font-size: 14px; margin: 16px 0 4px; font-weight: 600; }
.meta { color: #59636e; margin: 0 0 12px; }
table { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #d0d7de; padding: 3px 8px; text-align: right; white-space: nowrap; }
thead th { background: #f6f8fa; text-align: center; } tbody th { text-align: left; font-weight: 600; }
.chip { display: inline-block; padding: 1px 8px; margin-right: 6px; border: 1px solid #d0d7de; border-radius: 3px; }
.bands { margin: 2px 0 8px; color: #59636e; } .chart { margin-bottom: 18px; }
tbody th a { color: inherit; text-decoration: none; } tbody th a:hover { text-decoration: underline; }
`;

/** Renders the report of `series` as a complete HTML document. */
export function renderReport(series: MetricsSeries, options: ReportOptions = {}): string {
  const title = options.title ?? "memplane report";
  const summary = summarize(series);
  const data = chartData(series, options.maxPoints ?? DEFAULT_MAX_POINTS);
  const { js, css } = uplotAssets();
  const span =
    series.length === 0
      ? "no samples"
      : `ticks ${summary.firstTick}–${summary.lastTick} (${formatSimTime(summary.firstTick * series.tickSeconds)} to ${formatSimTime(summary.lastTick * series.tickSeconds)} simulated, ${series.tickSeconds}s per tick)` +
        (series.stride > 1 ? `, one sample every ${series.stride} ticks` : "");
  const source = options.source === undefined ? "" : ` · ${escapeHtml(options.source)}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${css.replace(/<\//g, "<\\/")}</style>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">${escapeHtml(span)}${source} · ${summary.hosts.length} host${summary.hosts.length === 1 ? "" : "s"}, ${summary.vms.length} virtual machine${summary.vms.length === 1 ? "" : "s"}</p>
<h2>Summary</h2>
<h3>Time in each memory state</h3>
${hostTable(summary)}
<h3>Reclamation peaks per virtual machine</h3>
${vmTable(summary)}
<h2>Hosts</h2>
<div id="host-charts"></div>
<h2>Virtual machines</h2>
<div id="vm-charts"></div>
<script type="application/json" id="memplane-data">${jsonForScript(data)}</script>
<script>${inlineScript(js)}</script>
<script>${inlineScript(CLIENT_SCRIPT)}</script>
</body>
</html>
`;
}
