/**
 * `memplane report [--state DIR] [-o report.html] [--title T]` — write the self-contained HTML
 * report (charts and summary) of the metrics series saved in a state directory (by default to
 * `memplane-report.html` in the current directory, saying where). `run --report
 * FILE` writes the same report at the end of a run.
 */
import * as path from "node:path";
import { Option, type Command } from "commander";
import type { MetricsSeries } from "../../metrics/metrics-series.js";
import { writeOutputFile } from "../output/files.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { addStateOption } from "../options.js";
import { openStateDirectory, readEngine } from "../session.js";
import type { Engine } from "../../engine/engine.js";

/** The file `report` writes without `-o`, in the current directory. */
export const DEFAULT_REPORT_FILE = "memplane-report.html";

/** Parsed flags of `report`. */
interface ReportCommandOptions {
  state: string;
  output: string;
  title?: string;
}

/**
 * The metrics series saved in a state directory (samples up to the saved tick), or a CliError
 * saying how to get one.
 */
export async function readSavedMetrics(stateDir: string, env: NodeJS.ProcessEnv): Promise<MetricsSeries> {
  const state = openStateDirectory(stateDir, env);
  const saved = state.readState();
  if (!saved) throw new CliError(`no simulation is saved in ${state.displayName}: run \`memplane run -f PATH --state ${state.displayName}\` or apply and step first`);
  const { readMetricsFile, MetricsFileError } = await import("../../metrics/index.js");
  let series: MetricsSeries | undefined;
  try {
    series = readMetricsFile(state.dir, saved.tick, state.displayName);
  } catch (err) {
    if (err instanceof MetricsFileError) throw new CliError(err.message);
    throw err;
  }
  if (!series || series.length === 0) {
    throw new CliError(`no metrics are saved in ${state.displayName} yet: advance the simulation with \`memplane step --state ${state.displayName}\` (metrics are recorded from then on)`);
  }
  return series;
}

/**
 * Renders `series` as HTML and writes it to `file` atomically; returns the bytes written. The
 * engine's model gives each VM chart its host's state changes and its workload phases.
 */
export async function writeReport(series: MetricsSeries, file: string, engine: Engine, options: { title?: string; source?: string }): Promise<number> {
  const { renderReport, reportVmContext } = await import("../../report/index.js");
  const html = renderReport(series, { ...options, vms: reportVmContext(engine.model) });
  writeOutputFile(file, html, `the report to ${file}`);
  return Buffer.byteLength(html);
}

/** "12 KiB"-style size for messages. */
export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.max(1, Math.round(bytes / 1024))} KiB`;
}

/** Registers `report` on the program. */
export function registerReport(program: Command, ctx: CliContext): void {
  const cmd = program
    .command("report")
    .description("write a self-contained HTML report (cluster overview, worst VMs, sortable VM table, memory charts per host and VM) of the saved simulation")
    .addOption(new Option("-o, --output <file>", "the HTML file to write").default(DEFAULT_REPORT_FILE))
    .option("--title <text>", "page title (default: memplane report)");
  addStateOption(cmd, ctx.env)
    .addHelpText(
      "after",
      `\nThe file needs no network: the chart library is inlined. Metrics are recorded by \`run --state\` and \`step\`.\n\nExamples:\n  memplane report                 # writes ./${DEFAULT_REPORT_FILE}\n  memplane report -o report.html\n  memplane report --state ./what-if -o what-if.html --title \"what if: +2 VMs\"\n  memplane run -f cluster/ --duration 30m --report report.html\n`,
    )
    .action(async (opts: ReportCommandOptions) => {
      const series = await readSavedMetrics(opts.state, ctx.env);
      const engine = await readEngine(openStateDirectory(opts.state, ctx.env));
      const bytes = await writeReport(series, opts.output, engine, { title: opts.title, source: `state ${opts.state}` });
      ctx.terminal().err(`wrote ${path.resolve(opts.output)} (${formatBytes(bytes)}; ${series.hosts.size} host${series.hosts.size === 1 ? "" : "s"}, ${series.vms.size} VM${series.vms.size === 1 ? "" : "s"}, ticks ${series.ticks[0]}–${series.lastTick})\n`);
    });
}

/** `run --report FILE`: writes the report of the run's series and says so on stderr unless quiet. */
export async function writeRunReport(series: MetricsSeries, file: string, engine: Engine, term: { err(text: string): void }, quiet: boolean): Promise<void> {
  const bytes = await writeReport(series, file, engine, { source: "memplane run" });
  if (!quiet) term.err(`wrote report ${file} (${formatBytes(bytes)})\n`);
}
