/** The self-contained HTML report of a metrics series. */
export { renderReport, escapeHtml, jsonForScript, formatPages, uplotAssets } from "./render-report.js";
export type { ReportOptions } from "./render-report.js";
export { summarize, peak } from "./report-summary.js";
export type { HostSummary, ReportSummary, VmSummary } from "./report-summary.js";
export { chartData, chartIndices, vmChartPoints, DEFAULT_MAX_POINTS, VM_CHART_VALUE_BUDGET } from "./chart-data.js";
export type { ChartData, Column, HostChartData, VmChartColumns } from "./chart-data.js";
export { worstVms, vmTableRows, WORST_COUNT } from "./overview.js";
export type { WorstList } from "./overview.js";
export { reportVmContext } from "./vm-context.js";
export type { PhaseMarker, ReportVmContext } from "./vm-context.js";
