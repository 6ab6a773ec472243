/**
 * `memplane advise (-f PATH... | --state DIR) [--ticks N] [--fail-on info|warning|critical]
 * [--what-if N] [-o text|json]` — check a cluster before and after simulating it and print
 * findings with severity, object, a concrete fix and their source. Exits 1 when a finding reaches
 * `--fail-on` (default critical), so it can gate CI pipelines that change cluster manifests.
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import type { CliContext } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { readManifests } from "../manifests.js";
import { parseTicks } from "../options.js";
import { toJson } from "../output/serialize.js";
import { openStateDirectory, readEngine } from "../session.js";

/** Parsed flags of `advise`. */
interface AdviseCliOptions {
  filename?: string[];
  state?: string;
  ticks?: number;
  failOn: "info" | "warning" | "critical";
  whatIf: number;
  output: "text" | "json";
}

/** A whole number of what-if runs, 0 or more. */
function parseWhatIf(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) > 100) throw new InvalidArgumentError("expected a whole number of VMs from 0 to 100.");
  return Number(value);
}

/** Registers `advise` on the program. */
export function registerAdvise(program: Command, ctx: CliContext): void {
  program
    .command("advise")
    .description("check a cluster before and after simulating it: findings with severity, a concrete fix and their source")
    .addOption(new Option("-f, --filename <path...>", "manifest files or directories to simulate in memory; - reads stdin").conflicts("state"))
    .option("--state <dir>", "advise on the simulation saved in DIR instead (what happened is read from its saved metrics.json)")
    .addOption(new Option("--ticks <n>", "ticks to simulate (default: 10 simulated minutes)").argParser(parseTicks))
    .addOption(new Option("--fail-on <severity>", "exit 1 when a finding is at least this severe").choices(["info", "warning", "critical"]).default("critical"))
    .addOption(new Option("--what-if <n>", "most-ballooned VMs to re-run with a reservation (0: none)").argParser(parseWhatIf).default(3))
    .addOption(new Option("-o, --output <format>", "text or json").choices(["text", "json"]).default("text"))
    .addHelpText(
      "after",
      "\nExit codes: 0 no finding reaches --fail-on, 1 one does (or invalid input), 2 usage error.\n\nExamples:\n  memplane advise -f cluster/\n  memplane advise -f cluster/ --fail-on warning -o json\n  memplane advise --state ./.memplane\n",
    )
    .action(async (opts: AdviseCliOptions) => {
      if (opts.filename === undefined && opts.state === undefined) throw new UsageError("advise needs the cluster: -f PATH... (simulated here) or --state DIR (a saved simulation)");
      const lib = await import("../../explain/index.js");
      let report;
      try {
        if (opts.filename !== undefined) {
          const objects = await readManifests(opts.filename, ctx);
          report = lib.adviseManifests(objects, { ticks: opts.ticks, whatIf: opts.whatIf });
        } else {
          const state = openStateDirectory(opts.state!, ctx.env);
          const engine = await readEngine(state);
          if (engine.tick === 0) throw new CliError(`no simulation is saved in ${opts.state}: apply manifests and step it first, or use -f PATH`);
          const { MetricsFileError, readMetricsFile } = await import("../../metrics/index.js");
          let series;
          try {
            series = readMetricsFile(state.dir, engine.tick, state.displayName);
          } catch (err) {
            if (err instanceof MetricsFileError) throw new CliError(err.message);
            throw err;
          }
          report = lib.adviseEngine(engine, { ticks: opts.ticks, whatIf: opts.whatIf, series });
        }
      } catch (err) {
        if (err instanceof lib.ExplainError) throw new CliError(err.message);
        throw err;
      }
      const term = ctx.terminal();
      term.out(opts.output === "json" ? toJson(report) : lib.formatAdvice(report));
      const failing = report.findings.filter((f) => lib.severityRank(f.severity) >= lib.severityRank(opts.failOn)).length;
      if (failing > 0) throw new CliError(`${failing} finding${failing === 1 ? "" : "s"} at or above --fail-on ${opts.failOn}`);
    });
}
