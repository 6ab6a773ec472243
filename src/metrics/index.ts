/** Per-tick metrics: the columnar series, the engine recorder, its state-directory file and CSV export. */
export {
  DEFAULT_MAX_SAMPLES,
  MAX_VALUES,
  HOST_METRICS,
  HOST_STATE_NAMES,
  METRICS_FORMAT,
  MetricsFormatError,
  MetricsSeries,
  VM_METRICS,
} from "./metrics-series.js";
export type { HostMetric, MetricsSeriesData, ObjectColumns, VmMetric } from "./metrics-series.js";
export { MetricsRecorder } from "./metrics-recorder.js";
export type { MetricsRecorderOptions } from "./metrics-recorder.js";
export { METRICS_FILE, MetricsFileError, readMetricsFile, writeMetricsFile } from "./metrics-file.js";
export { METRICS_CSV_HEADER, csvField, csvMetricName, metricsCsvChunks, metricsToCsv } from "./metrics-csv.js";
