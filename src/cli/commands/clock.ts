/**
 * `memplane clock [status | pause | resume | speed N] [--server URL | --state DIR]` — show or
 * drive the simulated clock. Through `--server` it pauses, resumes or re-speeds a running
 * `memplane serve` (a live demo stops on a point, then `memplane step --server` walks it tick by
 * tick); on a saved state it shows where the clock stands (there the clock moves only with
 * `memplane step` or `memplane top --advance`).
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import { formatSimTime } from "../../api/duration.js";
import { clockStatus, speedProblem, type ClockStatus } from "../../server/clock-control.js";
import type { CliContext } from "../context.js";
import { UsageError } from "../errors.js";
import { addServerOptions, addStateOption } from "../options.js";
import { renderTable } from "../output/table.js";
import { RemoteClient, type RemoteFlags } from "../remote/client.js";
import { openStateDirectory, readEngine } from "../session.js";

/** What `clock` can do. */
const ACTIONS = ["status", "pause", "resume", "speed"] as const;

/** Parsed flags of `clock`. */
interface ClockOptions {
  output?: "json";
  state: string;
}

/** `speed N`: 0 (step by hand) or SPEED_RANGE.min–max. */
export function parseSpeed(value: string): number {
  const n = value.trim() === "" ? Number.NaN : Number(value);
  const problem = speedProblem(n, value);
  if (problem !== undefined) throw new UsageError(problem);
  return n;
}

/** Registers `clock` on the program. */
export function registerClock(program: Command, ctx: CliContext): void {
  const cmd = program
    .command("clock")
    .description("show the simulated clock, or pause, resume or re-speed a running server's")
    .argument("[action]", `${ACTIONS.join(" | ")} (default status)`, (v: string) => {
      if (!(ACTIONS as readonly string[]).includes(v)) throw new InvalidArgumentError(`expected one of ${ACTIONS.join(", ")}.`);
      return v;
    })
    .argument("[value]", "with speed: simulated seconds per real second (0: only `memplane step --server` moves it)")
    .addOption(new Option("-o, --output <format>", "print the clock as JSON").choices(["json"]));
  addServerOptions(addStateOption(cmd, ctx.env))
    .addHelpText(
      "after",
      "\nExamples:\n  memplane clock --server http://127.0.0.1:8080\n  memplane clock pause --server http://127.0.0.1:8080\n  memplane step --server http://127.0.0.1:8080 --ticks 1\n  memplane clock speed 60 --server http://127.0.0.1:8080     # a simulated minute per second\n  memplane clock resume --server http://127.0.0.1:8080\n",
    )
    .action(async (action: (typeof ACTIONS)[number] | undefined, value: string | undefined, opts: ClockOptions & RemoteFlags) => {
      const what = action ?? "status";
      if (what === "speed" && value === undefined) throw new UsageError("give the new speed, e.g. memplane clock speed 10");
      if (what !== "speed" && value !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(value)} after ${what}`);
      const term = ctx.terminal();
      const remote = RemoteClient.fromFlags(opts, ctx.env);
      let status: ClockStatus;
      if (remote) {
        if (what === "status") status = await remote.clock();
        else status = await remote.changeClock(what === "speed" ? { speed: parseSpeed(value!) } : { paused: what === "pause" });
      } else {
        if (what !== "status") {
          throw new UsageError(`clock ${what} drives a running server (--server URL): a saved state's clock stands still between commands and moves only with memplane step or memplane top --advance`);
        }
        const engine = await readEngine(openStateDirectory(opts.state, ctx.env));
        status = clockStatus(engine, 0, true); // a saved state's clock moves only when stepped
      }
      if (opts.output === "json") return term.out(JSON.stringify(status, null, 2) + "\n");
      const state = remote === undefined ? "saved (moves with step)" : status.paused ? "paused" : "running";
      term.out(renderTable(["TICK", "TIME", "TICK LENGTH", "SPEED", "CLOCK"], [[String(status.tick), status.time, formatSimTime(status.tickSeconds), remote === undefined ? "-" : `${status.speed}x`, state]]));
    });
}
