/**
 * `memplane step [--ticks N | --duration D] [--state DIR] [--log-format text|json] [-q | -v]` —
 * advance the saved simulation and print the log entries of the new ticks (text sums up runs of
 * target changes unless `-v`).
 */
import { Option, type Command } from "commander";
import { formatSimTime } from "../../api/duration.js";
import type { CliContext } from "../context.js";
import { CliError, EXIT_INTERRUPTED, UsageError } from "../errors.js";
import { addServerOptions, addStateOption, logFormatOption, parseDurationOption, parseTicks, ticksFor } from "../options.js";
import { WriteSession, openStateDirectory } from "../session.js";
import { simulate } from "../simulate.js";

/** Parsed flags of `step`. */
interface StepOptions {
  ticks?: number;
  duration?: number;
  state: string;
  logFormat: "text" | "json";
  quiet: boolean;
  verbose: boolean;
}

/** Registers `step` on the program. */
export function registerStep(program: Command, ctx: CliContext): void {
  const cmd = program
    .command("step")
    .description("advance the saved simulation and print its new log entries (default: 1 tick)")
    .addOption(new Option("--ticks <n>", "ticks to advance").argParser(parseTicks))
    .addOption(new Option("--duration <d>", "simulated time to advance, e.g. 90s, 5m").argParser(parseDurationOption).conflicts("ticks"))
    .addOption(logFormatOption())
    .option("-q, --quiet", "print nothing but errors", false)
    .option("-v, --verbose", "print every log entry (each target change; else the text log sums up runs of target changes)", false);
  addServerOptions(addStateOption(cmd, ctx.env))
    .addHelpText("after", "\nExamples:\n  memplane step\n  memplane step --ticks 60\n  memplane step --duration 5m -v     # every log entry, each target change included\n  memplane step --duration 5m --log-format json\n")
    .action(async (opts: StepOptions & { server?: string }) => {
      if (opts.server !== undefined || ctx.env.MEMPLANE_SERVER) {
        throw new UsageError(
          "step cannot drive a server: `memplane serve` ticks in real time by itself (start it with --speed X to run faster); use step with --state DIR (and without MEMPLANE_SERVER)",
        );
      }
      const term = ctx.terminal();
      const state = openStateDirectory(opts.state, ctx.env);
      const session = await WriteSession.open(state, ctx.commandLine, {}, term, ctx.env);
      let result;
      try {
        const ticks = ticksFor(opts, session.tickSeconds, 1);
        result = await simulate(session.engine, ticks, term, { logFormat: opts.logFormat, quiet: opts.quiet, verbose: opts.verbose });
        session.save();
      } finally {
        session.close();
      }
      const at = `tick ${session.engine.tick} (${formatSimTime(session.engine.timeSeconds)})`;
      if (result.interrupted) throw new CliError(`interrupted at ${at}; state saved to ${state.displayName}`, EXIT_INTERRUPTED);
      if (!opts.quiet) term.err(`advanced ${result.ticksRun} tick${result.ticksRun === 1 ? "" : "s"} to ${at}; ${result.logEntries} log entr${result.logEntries === 1 ? "y" : "ies"}\n`);
    });
}

