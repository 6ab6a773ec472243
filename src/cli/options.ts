/**
 * Parsers for flag values shared by several commands. A bad value is a usage error (exit 2):
 * commander reports an `InvalidArgumentError` as `error: option '--ticks <n>' argument 'x' is invalid. …`.
 */
import { epochProblem, normalizeEpoch } from "../api/timestamps.js";
import { InvalidArgumentError, Option, type Command } from "commander";
import { parseDuration, tickLengthProblem } from "../api/duration.js";
import { DEFAULT_STATE_DIR } from "../state/index.js";
import { DEFAULT_WORKERS_MIN_VMS, MAX_WORKERS, workersProblem } from "../engine/workers-option.js";
import { UsageError } from "./errors.js";

/** A whole number of ticks, 0 or more. */
export function parseTicks(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError("expected a whole number of ticks, e.g. 60.");
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError("too many ticks.");
  return n;
}

/** A simulated duration such as `90s`, `10m`, `1h30m`, in seconds. */
export function parseDurationOption(value: string): number {
  try {
    return parseDuration(value);
  } catch (err) {
    throw new InvalidArgumentError(`${(err as Error).message}.`);
  }
}

/** A simulated tick length such as `1s` or `500ms` (1ms to 24h), in seconds. */
export function parseTickLength(value: string): number {
  const seconds = parseDurationOption(value);
  const problem = tickLengthProblem(seconds);
  if (problem !== undefined) throw new InvalidArgumentError(`a tick ${problem}.`);
  return seconds;
}

/** An integer random seed. */
export function parseSeed(value: string): number {
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError("expected an integer seed, e.g. 42.");
  }
  return Number(value);
}

/** `--workers N`: worker threads, a whole number from 1 to 256. */
export function parseWorkers(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || workersProblem(n) !== undefined) {
    throw new InvalidArgumentError(`expected a whole number of worker threads from 1 to ${MAX_WORKERS}, e.g. 2.`);
  }
  return n;
}

/** The `--workers <n>` option of the commands that run a simulation (`run`, `step`, `serve`); its default comes from {@link workersSetting}. */
export function workersOption(): Option {
  return new Option(
    "--workers <n>",
    `threads that simulate the hosts in parallel (the main thread and n − 1 worker threads), 1 to ${MAX_WORKERS}; the log and state are the same for any n (default $MEMPLANE_WORKERS, else the machine's cores for clusters of ${DEFAULT_WORKERS_MIN_VMS} VMs or more when the output reads no model state each tick — a JSON log or -q, no --state/--report/--watch — and 1 otherwise)`,
  ).argParser(parseWorkers);
}

/**
 * The worker threads a command asks for: `--workers`, else `$MEMPLANE_WORKERS` (checked like the
 * flag; a bad value is a usage error naming the variable), else undefined — the engine's default.
 */
export function workersSetting(flag: number | undefined, env: NodeJS.ProcessEnv): number | undefined {
  if (flag !== undefined) return flag;
  const text = env.MEMPLANE_WORKERS;
  if (text === undefined || text.trim() === "") return undefined;
  try {
    return parseWorkers(text);
  } catch (err) {
    throw new UsageError(`MEMPLANE_WORKERS=${JSON.stringify(text)} is invalid: ${(err as Error).message}`);
  }
}

/** `--epoch`: an RFC 3339 time in whole seconds (what tick 0 stands for in timestamps), in canonical UTC form. */
export function parseEpoch(value: string): string {
  const problem = epochProblem(value);
  if (problem !== undefined) throw new InvalidArgumentError(`${problem.replace(/^must be/, "expected")}.`);
  return normalizeEpoch(value);
}

/** The `--state DIR` option (default `./.memplane`, or `$MEMPLANE_STATE`). */
export function addStateOption(cmd: Command, env: NodeJS.ProcessEnv): Command {
  return cmd.addOption(
    new Option("--state <dir>", "saved-state directory").default(env.MEMPLANE_STATE || DEFAULT_STATE_DIR),
  );
}

/** The `-f, --filename <path...>` option: files, directories, `-` for stdin. */
export function filenameOption(required: boolean): Option {
  const opt = new Option("-f, --filename <path...>", "manifest files or directories (YAML or JSON); - reads stdin");
  return required ? opt.makeOptionMandatory() : opt;
}

/** The `--log-format text|json` option. */
export function logFormatOption(): Option {
  return new Option("--log-format <format>", "how reconciliation log entries are printed").choices(["text", "json"]).default("text");
}

/** Number of ticks to run for `--ticks N` or `--duration D` (rounded up to whole ticks). */
export function ticksFor(options: { ticks?: number; duration?: number }, tickSeconds: number, fallbackTicks: number): number {
  if (options.ticks !== undefined) return options.ticks;
  if (options.duration !== undefined) return Math.ceil(options.duration / tickSeconds - 1e-9);
  return fallbackTicks;
}

/**
 * `--server URL` (default `$MEMPLANE_SERVER`) and `--token-file FILE` (else `$MEMPLANE_TOKEN`):
 * talk to a running `memplane serve` instead of a state directory.
 */
export function addServerOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--server <url>", "talk to a running `memplane serve` at URL instead of --state (default $MEMPLANE_SERVER)"))
    .addOption(new Option("--token-file <file>", "file holding the server's bearer token, needed for reads and writes (default $MEMPLANE_TOKEN)"));
}

/**
 * The worker threads of a CLI simulation: what `--workers` / `$MEMPLANE_WORKERS` ask for;
 * without either, the engine's default (threads from 10 000 VMs) only when nothing the command
 * prints or saves reads the model at every tick. The text log (its host-state tags and story
 * notes), a state directory's metrics and `--report` do; with threads that is a copy of the
 * whole model from the threads each tick, so they run on one thread unless asked
 * (docs/cli.md, *run*).
 */
export function cliWorkers(asked: number | undefined, readsModelEachTick: boolean): number | undefined {
  return asked ?? (readsModelEachTick ? 1 : undefined);
}
