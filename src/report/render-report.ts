/**
 * Renders a metrics series as ONE self-contained HTML file: a cluster overview (hosts in each
 * state over time, the worst VMs, a sortable host table and a sortable, filterable VM table),
 * then charts drawn lazily by the page's script. uPlot's JS and CSS are read from node_modules
 * and inlined, the chart data is embedded once as a compact JSON block, and nothing is fetched
 * from the network. Every name is escaped (HTML text in the tables, `<`/`>`/`&` and line
 * separators as \u escapes inside the JSON block). No wall-clock time is written, so the same
 * series gives the same file.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import { formatSimTime } from "../api/duration.js";
import { HOST_STATE_NAMES, type MetricsSeries } from "../metrics/metrics-series.js";
import { chartData, DEFAULT_MAX_POINTS } from "./chart-data.js";
import { ALL_CHARTS_UP_TO, CLIENT_SCRIPT, VM_TABLE_PAGE } from "./client-script.js";
import { VM_TABLE_COLUMNS, WORST_COUNT, vmTableRows, worstVms, type WorstList } from "./overview.js";
import { summarize, type ReportSummary } from "./report-summary.js";
import type { ReportVmContext } from "./vm-context.js";

/** Options of {@link renderReport}. */
export interface ReportOptions {
  /** Page title (default "memplane report"). */
  title?: string;
  /** Where the data came from, shown under the title (e.g. the state directory). */
  source?: string;
  /** Points per chart (default {@link DEFAULT_MAX_POINTS}). */
  maxPoints?: number;
  /** Each VM's host and workload phases, for the markers on its chart (`reportVmContext(engine.model)`). */
  vms?: ReportVmContext;
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

/** Sort keys of the host table: capacity and lowest free in pages, time in a state in seconds. */
function hostTable(summary: ReportSummary, linked: boolean): string {
  if (summary.hosts.length === 0) return "<p>No hosts were sampled.</p>";
  const head = ["host", "capacity", ...HOST_STATE_NAMES.map((s) => `time ${s}`), "lowest free", "final state"];
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const rows = summary.hosts.map((h, row) => {
    const total = HOST_STATE_NAMES.reduce((s, st) => s + h.secondsInState[st], 0);
    const name = linked ? `<a href="#host-${row}" data-host="${row}">${escapeHtml(h.name)}</a>` : escapeHtml(h.name);
    const cells = [
      cell(formatPages(h.capacityPages), h.capacityPages),
      ...HOST_STATE_NAMES.map((st) => {
        const secs = h.secondsInState[st];
        return cell(secs === 0 ? "–" : `${formatSimTime(secs)} (${total > 0 ? Math.round((secs / total) * 100) : 0}%)`, secs);
      }),
      cell(formatPages(h.minFreePagesSeen), Number.isFinite(h.minFreePagesSeen) ? h.minFreePagesSeen : -1),
      cell(h.finalState ?? "–", h.finalState === undefined ? -1 : HOST_STATE_NAMES.indexOf(h.finalState)),
    ];
    return `<tr data-i="${row}"><th scope="row">${name}</th>${cells.join("")}</tr>`;
  });
  return `<div class="scroll"><table id="host-summary" class="sortable"><thead><tr>${th}</tr></thead><tbody>\n${rows.join("\n")}\n</tbody></table></div>`;
}

/** A table cell with its sort key. */
function cell(text: string, sortKey: number): string {
  return `<td data-v="${sortKey}">${escapeHtml(text)}</td>`;
}

/** The worst-VM lists: names link to the VM's chart. */
function worstLists(summary: ReportSummary, lists: WorstList[]): string {
  const items = lists.map((l) => {
    const entries = l.entries.map((e) => {
      const value = l.unit === "%" ? `${e.value.toFixed(2)}%` : formatPages(e.value);
      return `<li><a href="#vm-${e.vm}" data-vm="${e.vm}">${escapeHtml(summary.vms[e.vm]!.key)}</a> ${escapeHtml(value)}</li>`;
    });
    const body = entries.length === 0 ? "<p>none</p>" : `<ol>${entries.join("")}</ol>`;
    return `<div class="worst"><h4>${escapeHtml(l.title)}</h4>${body}</div>`;
  });
  return `<div class="worst-lists">${items.join("\n")}</div>`;
}

/** The VM table's controls and an empty body the page's script fills. */
function vmTableShell(summary: ReportSummary): string {
  if (summary.vms.length === 0) return "<p>No virtual machines were sampled.</p>";
  const th = ["virtual machine", ...VM_TABLE_COLUMNS].map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  return `<p class="controls"><label>Filter <input id="vm-filter" type="search" placeholder="name contains…" autocomplete="off"></label>
<label>Show <select id="vm-show"><option value="all">all</option><option value="ballooned">ballooned</option><option value="compressed">compressed</option><option value="swapped">hypervisor-swapped</option><option value="guestSwapped">guest-swapped</option><option value="stalled">stalled</option></select></label>
<span id="vm-count"></span> Click a column to sort, a name to open its chart.</p>
<div class="scroll"><table id="vm-summary" class="sortable"><thead><tr>${th}</tr></thead><tbody></tbody></table></div>
<p><button id="vm-more" type="button" hidden>show ${VM_TABLE_PAGE} more</button></p>
<noscript><p>The table and charts need JavaScript.</p></noscript>`;
}

/** "3 of 100 hosts were under pressure (soft, hard or low) at some time, at most 2 at once." */
function pressureLine(series: MetricsSeries, summary: ReportSummary): string {
  if (summary.hosts.length === 0) return "";
  const ever = summary.hosts.filter((h) => h.secondsInState.soft + h.secondsInState.hard + h.secondsInState.low > 0).length;
  let most = 0;
  for (let i = 0; i < series.length; i++) {
    let now = 0;
    for (const c of series.hosts.values()) if (c.state[i]! >= 2) now++; // NaN compares false
    most = Math.max(most, now);
  }
  const of = `${ever} of ${summary.hosts.length} host${summary.hosts.length === 1 ? "" : "s"}`;
  return ever === 0 ? `<p>No host was ever under pressure (soft, hard or low).</p>` : `<p>${of} ${ever === 1 ? "was" : "were"} under pressure (soft, hard or low) at some time, at most ${most} at once.</p>`;
}

/** Hosts ranked by simulated time in soft, hard or low (most first, only those with any), at most `n`. */
function worstHosts(summary: ReportSummary, n: number): number[] {
  const pressure = (i: number): number => {
    const s = summary.hosts[i]!.secondsInState;
    return s.soft + s.hard + s.low;
  };
  return summary.hosts
    .map((_, i) => i)
    .filter((i) => pressure(i) > 0)
    .sort((a, b) => pressure(b) - pressure(a) || a - b)
    .slice(0, n);
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; margin: 24px 32px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
h3 { font-size: 14px; margin: 16px 0 4px; font-weight: 600; } h4 { font-size: 13px; margin: 4px 0; }
.meta { color: #59636e; margin: 0 0 12px; }
table { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #d0d7de; padding: 3px 8px; text-align: right; white-space: nowrap; }
thead th { background: #f6f8fa; text-align: center; } tbody th { text-align: left; font-weight: 600; }
table.sortable thead th { cursor: pointer; user-select: none; position: sticky; top: 0; }
.scroll { max-height: 560px; overflow: auto; display: inline-block; max-width: 100%; } .scroll table { margin: 0; }
@media print { .scroll { max-height: none; overflow: visible; } }
th[aria-sort=ascending]::after { content: " ▲"; } th[aria-sort=descending]::after { content: " ▼"; }
.chip { display: inline-block; padding: 1px 8px; margin-right: 6px; border: 1px solid #d0d7de; border-radius: 3px; }
.bands, .readout { margin: 2px 0 8px; color: #59636e; } .readout { min-height: 1.45em; margin: 0; }
.chart { margin-bottom: 18px; } .chart.pending { min-height: 400px; }
.worst-lists { display: flex; flex-wrap: wrap; gap: 8px 40px; } .worst ol { margin: 0; padding-left: 22px; }
.controls label { margin-right: 16px; } #vm-count { color: #59636e; margin-right: 8px; }
tbody th a, .worst a { color: inherit; text-decoration: none; } tbody th a:hover, .worst a:hover { text-decoration: underline; }
`;

/** Renders the report of `series` as a complete HTML document. */
export function renderReport(series: MetricsSeries, options: ReportOptions = {}): string {
  const title = options.title ?? "memplane report";
  const summary = summarize(series);
  const charts = chartData(series, options.maxPoints ?? DEFAULT_MAX_POINTS);
  const worst = worstVms(summary);
  const hostIndex = new Map(charts.hosts.map((h, i) => [h.name, i]));
  const context = options.vms ?? {};
  const phases: Record<string, [number, string][]> = {};
  for (const key of charts.vmKeys) {
    const list = context[key]?.phases ?? [];
    if (list.length > 0) phases[key] = list.map((p) => [p.seconds, p.label]);
  }
  const data = {
    ...charts,
    rows: vmTableRows(summary),
    vmHost: charts.vmKeys.map((key) => hostIndex.get(context[key]?.host ?? "") ?? -1),
    phases,
    worstVms: [...new Set(worst.flatMap((l) => l.entries.map((e) => e.vm)))],
    worstHosts: worstHosts(summary, WORST_COUNT),
  };
  const { js, css } = uplotAssets();
  const span =
    series.length === 0
      ? "no samples"
      : `ticks ${summary.firstTick}–${summary.lastTick} (${formatSimTime(summary.firstTick * series.tickSeconds)} to ${formatSimTime(summary.lastTick * series.tickSeconds)} simulated, ${series.tickSeconds}s per tick)` +
        (series.stride > 1 ? `, one sample every ${series.stride} ticks` : "");
  const source = options.source === undefined ? "" : ` · ${escapeHtml(options.source)}`;
  const allHosts = summary.hosts.length <= ALL_CHARTS_UP_TO;
  const allVms = summary.vms.length <= ALL_CHARTS_UP_TO;
  const thinned = charts.vmT.length < charts.t.length ? ` VM charts draw ${charts.vmT.length} points each (the tables use every sample).` : "";
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
<h2>Cluster overview</h2>
<h3>Hosts in each memory state over time</h3>
${pressureLine(series, summary)}
<div id="overview-chart"></div>
<h3>Worst virtual machines</h3>
${worstLists(summary, worst)}
<h3>Time in each memory state</h3>
${hostTable(summary, true)}
<h3>Reclamation peaks per virtual machine</h3>
${vmTableShell(summary)}
<h2>Hosts</h2>
${allHosts ? "" : `<p>Charts of the ${WORST_COUNT} hosts longest under pressure (soft, hard or low); click a host in the table above for its chart.</p>`}
<div id="host-charts"></div>
<h2>Virtual machines</h2>
<p>${allVms ? "" : "Charts of the worst virtual machines above; click any VM in the table for its chart."}${thinned}</p>
<div id="vm-charts"></div>
<script type="application/json" id="memplane-data">${jsonForScript(data)}</script>
<script>${inlineScript(js)}</script>
<script>${inlineScript(CLIENT_SCRIPT)}</script>
</body>
</html>
`;
}
