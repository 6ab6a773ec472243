/**
 * `memplane run -f PATH... [--ticks N | --duration 10m] [--tick 1s] [--seed N] [--epoch T]
 * [--log-format text|json] [--state DIR] [-q | -v]` — apply manifests to a fresh simulation (or
 * the one saved in `--state`), run it and stream the reconciliation log (text sums up runs of
 * target changes unless `-v`); with `--state` the final state and log are saved there. Without
 * `--state` nothing touches the disk.
 */
import { Option, type Command } from "commander";
import { formatSimTime } from "../../api/duration.js";
import type { Engine } from "../../engine/engine.js";
import type { CliContext } from "../context.js";
import { readManifests } from "../manifests.js";
import { applyValidated } from "../../engine/apply-validated.js";
import type { ManifestObject } from "../../api/types.js";
import { CliError, EXIT_INTERRUPTED, UsageError } from "../errors.js";
import { logFormatOption, parseDurationOption, parseEpoch, parseSeed, parseTickLength, parseTicks, ticksFor, workersOption, workersSetting, cliWorkers } from "../options.js";
import { DEFAULT_TICK_SECONDS, WriteSession, buildEngine, openStateDirectory } from "../session.js";
import { simulate, type SimulateResult } from "../simulate.js";
import type { Terminal } from "../terminal.js";
import { SUMMARY_ABOVE, applySummary, formatApplyOutcome } from "./apply.js";
import { writeRunReport } from "./report.js";
import { runWatch } from "./run-watch.js";
import { parseSpeed } from "./serve.js";

/** How long `run` simulates when neither --ticks nor --duration is given (seconds). */
export const DEFAULT_RUN_SECONDS = 600;

/** Parsed flags of `run`. */
interface RunOptions {
  filename: string[];
  ticks?: number;
  duration?: number;
  tick?: number;
  seed?: number;
  epoch?: string;
  workers?: number;
  logFormat: "text" | "json";
  state?: string;
  quiet: boolean;
  verbose: boolean;
  report?: string;
  watch: boolean;
  speed?: number;
}

/** Registers `run` on the program. */
export function registerRun(program: Command, ctx: CliContext): void {
  program
    .command("run")
    .description("apply manifests to a fresh simulation (or the one in --state), run it and stream the reconciliation log")
    .addOption(new Option("-f, --filename <path...>", "manifest files or directories; - reads stdin").makeOptionMandatory())
    .addOption(new Option("--ticks <n>", "ticks to run").argParser(parseTicks))
    .addOption(new Option("--duration <d>", "simulated time to run, e.g. 90s, 10m (default 10m)").argParser(parseDurationOption).conflicts("ticks"))
    .addOption(new Option("--tick <d>", "simulated time per tick (default 1s)").argParser(parseTickLength))
    .addOption(new Option("--seed <n>", "random seed (default 1)").argParser(parseSeed))
    .addOption(workersOption())
    .addOption(new Option("--epoch <time>", "the instant tick 0 stands for in creationTimestamp, lastTransitionTime and event times, RFC 3339 (default 2026-01-01T00:00:00Z)").argParser(parseEpoch))
    .addOption(logFormatOption())
    .option("--state <dir>", "load the simulation from DIR if saved there, and save the final state and log to it")
    .option("-q, --quiet", "print nothing but errors", false)
    .option("-v, --verbose", `print every log entry (each target change; else the text log sums up runs of target changes) and a line per applied object even when there are more than ${SUMMARY_ABOVE}`, false)
    .option("--report <file>", "when the run ends, write its HTML report (charts of memory per host and VM) to FILE")
    .option("-w, --watch", "keep running in real time and re-apply the files whenever they change (until Ctrl-C, or --ticks/--duration)", false)
    .addOption(new Option("--speed <x>", "with --watch: simulated seconds per real second (default 1)").argParser(parseSpeed))
    .addHelpText(
      "after",
      "\nExamples:\n  memplane run -f manifests/examples/seed-story\n  memplane run -f cluster/ --duration 1h --tick 5s --log-format json > log.jsonl\n  memplane run -f cluster/ --ticks 120 --state ./.memplane\n  memplane run -f manifests/examples/seed-story -v   # every log entry, each target change included\n  memplane run -f big/ --ticks 10 -v    # a line per applied object, however many\n",
    )
    .action(async (opts: RunOptions) => {
      if (opts.speed !== undefined && !opts.watch) throw new UsageError("--speed only applies with --watch (run without --watch simulates as fast as it can)");
      if (opts.report !== undefined && opts.watch) throw new UsageError("--report does not combine with --watch: run with --state DIR and use `memplane report --state DIR -o FILE` whenever you want one");
      const textLog = opts.logFormat === "text" && !opts.quiet;
      const workers = cliWorkers(workersSetting(opts.workers, ctx.env), textLog || opts.watch || opts.state !== undefined || opts.report !== undefined);
      if (opts.watch) {
        const tickSeconds = opts.tick ?? DEFAULT_TICK_SECONDS;
        const ticks = opts.ticks !== undefined || opts.duration !== undefined ? ticksFor(opts, tickSeconds, 0) : undefined;
        await runWatch({ ...opts, ticks, speed: opts.speed ?? 1, settings: { seed: opts.seed, tickSeconds: opts.tick, epoch: opts.epoch, workers } }, ctx);
        return;
      }
      const term = ctx.terminal();
      const objects = await readManifests(opts.filename, ctx);
      const settings = { seed: opts.seed, tickSeconds: opts.tick, epoch: opts.epoch, workers };
      if (opts.state === undefined) {
        const engine = await buildEngine(undefined, settings, "");
        const recorder = opts.report === undefined ? undefined : (await import("../../metrics/metrics-recorder.js")).MetricsRecorder.attach(engine);
        const result = await applyAndRun(engine, objects, opts, opts.tick ?? DEFAULT_TICK_SECONDS, term);
        if (recorder && opts.report !== undefined) await writeRunReport(recorder.series, opts.report, engine, term, opts.quiet);
        finish(result, engine, term, opts, "");
        return;
      }
      const state = openStateDirectory(opts.state, ctx.env);
      const session = await WriteSession.open(state, ctx.commandLine, settings, term, ctx.env);
      let result: SimulateResult;
      try {
        result = await applyAndRun(session.engine, objects, opts, session.tickSeconds, term);
        session.save();
      } finally {
        session.close();
      }
      if (opts.report !== undefined) await writeRunReport(session.metrics.series, opts.report, session.engine, term, opts.quiet);
      finish(result, session.engine, term, opts, `; state saved to ${state.displayName}`);
    });
}

/**
 * Applies the manifests and runs the ticks. Apply results go to stderr, so stdout stays a clean
 * log: a line per object, or one summary line above {@link SUMMARY_ABOVE} objects unless --verbose.
 */
async function applyAndRun(engine: Engine, objects: ManifestObject[], opts: RunOptions, tickSeconds: number, term: Terminal): Promise<SimulateResult> {
  const outcomes = applyValidated(engine, objects);
  if (!opts.quiet) {
    if (outcomes.length > SUMMARY_ABOVE && !opts.verbose) term.err(applySummary(outcomes));
    else for (const outcome of outcomes) term.err(formatApplyOutcome(outcome, false));
  }
  const ticks = ticksFor(opts, tickSeconds, Math.ceil(DEFAULT_RUN_SECONDS / tickSeconds - 1e-9));
  // without --state or --report the log is the run's only product: a closed stdout ends the run
  const keepsNothing = opts.state === undefined && opts.report === undefined;
  return simulate(engine, ticks, term, { logFormat: opts.logFormat, quiet: opts.quiet, verbose: opts.verbose, stopWhenOutputCloses: keepsNothing });
}

/** Reports the end of the run on stderr; Ctrl-C exits 130. */
function finish(result: SimulateResult, engine: Engine, term: Terminal, opts: RunOptions, saved: string): void {
  const at = `tick ${engine.tick} (${formatSimTime(engine.timeSeconds)})`;
  if (result.interrupted) throw new CliError(`interrupted at ${at}${saved}`, EXIT_INTERRUPTED);
  if (!opts.quiet && result.outputClosed) {
    term.err(`stopped at ${at}: the output was closed and nothing else keeps this run (add --state DIR to simulate to the end and save)\n`);
  } else if (!opts.quiet) {
    term.err(`ran ${result.ticksRun} tick${result.ticksRun === 1 ? "" : "s"} to ${at}; ${result.logEntries} log entr${result.logEntries === 1 ? "y" : "ies"}${saved}\n`);
  }
}

