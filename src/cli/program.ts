/**
 * The `memplane` command line: builds the commander program, runs it, and maps every outcome to
 * an exit code (0 success, 1 invalid input or failed operation, 2 usage error) with errors
 * printed as one paragraph and never a stack trace (unless `MEMPLANE_DEBUG=1` for internal errors).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { registerAdvise } from "./commands/advise.js";
import { registerApply } from "./commands/apply.js";
import { registerDelete } from "./commands/delete.js";
import { registerClock } from "./commands/clock.js";
import { registerRestart } from "./commands/restart.js";
import { registerCompare } from "./commands/compare.js";
import { registerDescribe } from "./commands/describe.js";
import { registerExplain } from "./commands/explain.js";
import { registerExport } from "./commands/export.js";
import { registerGenerate } from "./commands/generate.js";
import { registerGet } from "./commands/get.js";
import { registerKubeconfig } from "./commands/kubeconfig.js";
import { registerLogs } from "./commands/logs.js";
import { registerReport } from "./commands/report.js";
import { registerRun } from "./commands/run.js";
import { registerServe } from "./commands/serve.js";
import { registerWorker } from "./commands/worker.js";
import { registerStep } from "./commands/step.js";
import { registerTop } from "./commands/top.js";
import { registerValidate } from "./commands/validate.js";
import { processContext, type CliContext } from "./context.js";
import { toCliError } from "./error-report.js";
import { CliError, EXIT_OK, EXIT_USAGE } from "./errors.js";
import { ReaderAwareStream } from "./output/reader-aware-stream.js";
import { paint } from "./terminal.js";
import { packageVersion as serverPackageVersion } from "../server/version.js";

/** The package version, read from the nearest package.json above this file. */
export const packageVersion: () => string = serverPackageVersion;

/** Builds the program with every command registered. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command();
  program
    .name("memplane")
    .description(
      "Declarative simulation of hypervisor memory management under overcommit: apply Hosts and VirtualMachines, step the clock, watch controllers balloon, compress and swap.",
    )
    .version(packageVersion(), "-V, --version", "print the version")
    .option("--no-color", "never colour output (NO_COLOR does the same)")
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (s) => void ctx.stdout.write(s),
      writeErr: (s) => void ctx.stderr.write(s),
    })
    .addHelpText(
      "after",
      "\nExit codes: 0 success, 1 invalid input or failed operation, 2 usage error.\nState: commands that keep a simulation use --state DIR (default ./.memplane, or $MEMPLANE_STATE).\n",
    );
  registerValidate(program, ctx);
  registerApply(program, ctx);
  registerGet(program, ctx);
  registerDescribe(program, ctx);
  registerDelete(program, ctx);
  registerClock(program, ctx);
  registerRestart(program, ctx);
  registerGenerate(program, ctx);
  registerCompare(program, ctx);
  registerRun(program, ctx);
  registerStep(program, ctx);
  registerServe(program, ctx);
  registerWorker(program, ctx);
  registerKubeconfig(program, ctx);
  registerLogs(program, ctx);
  registerTop(program, ctx);
  registerReport(program, ctx);
  registerExport(program, ctx);
  registerExplain(program, ctx);
  registerAdvise(program, ctx);
  return program;
}

/**
 * Runs the CLI on `argv` (without node and script) and resolves to the exit code. A closed stdout
 * (`| head`) is the end of output and still exits 0, like kubectl; any other failure to write
 * stdout exits 1.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  let program: Command | undefined;
  const ctx = processContext(argv, () => program?.opts().color !== false);
  program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: "user" });
    await new Promise((resolve) => setImmediate(resolve)); // a failed last write reports on the next tick
    const failure = ctx.stdout instanceof ReaderAwareStream ? ctx.stdout.failure : undefined;
    if (failure) throw new CliError(`cannot write to stdout: ${failure.code ?? failure.message}`);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed its message (or the help); --help and --version are successes.
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    const { error, internal } = toCliError(err);
    const term = ctx.terminal();
    for (const line of error.lines()) {
      term.err(line.startsWith("error: ") ? paint("error:", "red", term.errColor) + line.slice(6) + "\n" : line + "\n");
    }
    if (internal && ctx.env.MEMPLANE_DEBUG === "1" && err instanceof Error && err.stack) term.err(err.stack + "\n");
    return error.exitCode;
  }
}
