/** The self-contained HTML report of a metrics series. */
export { renderReport, escapeHtml, jsonForScript, formatPages, uplotAssets } from "./render-report.js";
export type { ReportOptions } from "./render-report.js";
export { summarize, peak } from "./report-summary.js";
export type { HostSummary, ReportSummary, VmSummary } from "./report-summary.js";
export { chartData, chartIndices, DEFAULT_MAX_POINTS } from "./chart-data.js";
export type { ChartData, HostChartData, VmChartData } from "./chart-data.js";
