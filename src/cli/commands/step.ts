/**
 * `memplane step [--ticks N | --duration D] [--state DIR | --server URL] [--log-format text|json] [-q | -v]` —
 * advance the saved simulation (or a running `memplane serve`, paused or not) and print the log
 * entries of the new ticks (text sums up runs of target changes unless `-v`).
 */
import { Option, type Command } from "commander";
import { formatSimTime } from "../../api/duration.js";
import { formatLogJson, formatLogText } from "../../engine/log-format.js";
import type { CliContext } from "../context.js";
import { CliError, EXIT_INTERRUPTED, UsageError } from "../errors.js";
import { addServerOptions, addStateOption, logFormatOption, parseDurationOption, parseTicks, ticksFor, workersOption, workersSetting, cliWorkers } from "../options.js";
import { RemoteClient, type RemoteFlags } from "../remote/client.js";
import type { Terminal } from "../terminal.js";
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
  workers?: number;
}

/** Registers `step` on the program. */
export function registerStep(program: Command, ctx: CliContext): void {
  const cmd = program
    .command("step")
    .description("advance the saved simulation and print its new log entries (default: 1 tick)")
    .addOption(new Option("--ticks <n>", "ticks to advance").argParser(parseTicks))
    .addOption(new Option("--duration <d>", "simulated time to advance, e.g. 90s, 5m").argParser(parseDurationOption).conflicts("ticks"))
    .addOption(logFormatOption())
    .addOption(workersOption())
    .option("-q, --quiet", "print nothing but errors", false)
    .option("-v, --verbose", "print every log entry (each target change; else the text log sums up runs of target changes)", false);
  addServerOptions(addStateOption(cmd, ctx.env))
    .addHelpText(
      "after",
      "\nWith --server, the server steps its own clock by that much at once (paused or not; see `memplane clock`)\nand saves; the entries printed are those of the ticks stepped.\n\nExamples:\n  memplane step\n  memplane step --ticks 60\n  memplane step --duration 5m -v     # every log entry, each target change included\n  memplane step --duration 5m --log-format json\n  memplane clock pause --server http://127.0.0.1:8080 && memplane step --server http://127.0.0.1:8080 --duration 30s\n",
    )
    .action(async (opts: StepOptions & RemoteFlags) => {
      const term = ctx.terminal();
      const remote = RemoteClient.fromFlags(opts, ctx.env);
      if (remote) {
        if (opts.workers !== undefined) throw new UsageError("--workers applies to a local simulation; with --server the server runs with its own (memplane serve --workers N)");
        return stepServer(remote, opts, term);
      }
      const state = openStateDirectory(opts.state, ctx.env);
      const session = await WriteSession.open(state, ctx.commandLine, { workers: cliWorkers(workersSetting(opts.workers, ctx.env), true) }, term, ctx.env);
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

/** Ticks per `POST /clock/step` request (ten minutes of one-second ticks), so each answers well within the client's timeout. */
const STEP_CHUNK_TICKS = 600;

/** `step --server`: steps a running server's clock and prints the entries of the ticks it ran. */
async function stepServer(remote: RemoteClient, opts: StepOptions, term: Terminal): Promise<void> {
  const before = await remote.clock();
  const ticks = ticksFor(opts, before.tickSeconds, 1);
  let after = before;
  for (let left = ticks; left > 0; left -= STEP_CHUNK_TICKS) after = await remote.stepClock(Math.min(left, STEP_CHUNK_TICKS));
  const entries = opts.quiet ? [] : (await remote.logsSince(before.tick + 1)).filter((e) => e.tick <= after.tick);
  for (const e of entries) {
    if (term.outputClosed) break;
    term.out((opts.logFormat === "json" ? formatLogJson(e) : formatLogText(e, { color: term.color })) + "\n");
  }
  if (opts.quiet) return;
  const running = after.paused ? "" : `; its clock runs on by itself at speed ${after.speed} (memplane clock pause to stop it)`;
  term.err(`advanced ${ticks} tick${ticks === 1 ? "" : "s"} on ${remote.baseUrl} to tick ${after.tick} (${after.time}); ${entries.length} log entr${entries.length === 1 ? "y" : "ies"}${running}\n`);
}
