/**
 * `memplane run -f PATH... --watch [--speed X]`: apply the manifests, then keep simulating in
 * real time (scaled by `--speed`) and re-apply the files whenever they change, so a user edits
 * YAML and watches the controllers react. Files are polled (mtime and size, every
 * {@link WATCH_POLL_MS}) rather than fs.watch'ed, which misses editors that save by rename; a
 * change is applied once it has held still for one poll. An invalid edit prints its errors and
 * the last good state keeps running. Like `kubectl apply` without `--prune`, removing an object
 * from the files does not delete it. Ends on Ctrl-C/SIGTERM (exit 0) or after --ticks/--duration.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { formatSimTime } from "../../api/duration.js";
import { RealTimeClock } from "../../engine/clock.js";
import type { Engine } from "../../engine/engine.js";
import { MANIFEST_EXTENSIONS } from "../../manifest/extensions.js";
import type { CliContext } from "../context.js";
import { toCliError } from "../error-report.js";
import { UsageError } from "../errors.js";
import { readManifests } from "../manifests.js";
import { applyValidated } from "../../engine/apply-validated.js";
import { WriteSession, buildEngine, openStateDirectory, type EngineSettings } from "../session.js";
import { LogStream } from "../simulate.js";
import type { Terminal } from "../terminal.js";
import { formatApplyOutcome } from "./apply.js";

/** How often the manifest files are checked for changes (ms). */
export const WATCH_POLL_MS = 500;

/** What `run --watch` needs from run's flags. */
export interface WatchRunOptions {
  filename: string[];
  /** Ticks to run before stopping; undefined runs until Ctrl-C. */
  ticks?: number;
  speed: number;
  logFormat: "text" | "json";
  state?: string;
  quiet: boolean;
  /** Text: every log entry instead of the coalesced story. */
  verbose?: boolean;
  settings: EngineSettings;
}

/**
 * A fingerprint of the manifest files under `paths`: every file's path, size and mtime (a
 * directory's manifest files recursively, symlink loops skipped). Equal fingerprints, same files.
 */
export function manifestFingerprint(paths: readonly string[]): string {
  const parts: string[] = [];
  const seen = new Set<string>();
  const visit = (p: string, top: boolean, depth: number): void => {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch {
      parts.push(`${p}:missing`);
      return;
    }
    if (stat.isDirectory()) {
      let real: string;
      try {
        real = fs.realpathSync(p);
      } catch {
        return;
      }
      if (seen.has(real) || depth > 32) return;
      seen.add(real);
      let names: string[];
      try {
        names = fs.readdirSync(p).sort();
      } catch {
        parts.push(`${p}:unreadable`);
        return;
      }
      for (const name of names) visit(path.join(p, name), false, depth + 1);
    } else if (top || MANIFEST_EXTENSIONS.some((ext) => p.toLowerCase().endsWith(ext))) {
      parts.push(`${p}:${stat.size}:${stat.mtimeMs}`);
    }
  };
  for (const p of paths) visit(p, true, 0);
  return parts.join("\n");
}

/** Resolves when the process gets SIGINT or SIGTERM, or `stop` is called. */
function stopSignal(): { promise: Promise<string>; stop: (why: string) => void } {
  let stop!: (why: string) => void;
  const promise = new Promise<string>((resolve) => {
    const on = (signal: NodeJS.Signals): void => stop(signal);
    stop = (why) => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      resolve(why);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
  return { promise, stop };
}

/** Runs `memplane run --watch`. */
export async function runWatch(opts: WatchRunOptions, ctx: CliContext): Promise<void> {
  if (opts.filename.includes("-")) throw new UsageError("--watch re-reads files when they change: it cannot watch stdin (-f -)");
  const term = ctx.terminal();
  let lastPrint = manifestFingerprint(opts.filename);
  const objects = await readManifests(opts.filename, ctx);
  const state = opts.state === undefined ? undefined : openStateDirectory(opts.state, ctx.env);
  const session = state ? await WriteSession.open(state, ctx.commandLine, opts.settings, term, ctx.env) : undefined;
  try {
    const engine = session ? session.engine : await buildEngine(undefined, opts.settings, "");
    report(applyValidated(engine, objects), term, opts.quiet);
    const logs = new LogStream(engine, term, opts);
    const done = stopSignal();
    const startTick = engine.tick;
    // speed 0 pauses the clock: the files are still watched and applied
    const clock =
      opts.speed > 0
        ? new RealTimeClock({
            tickSeconds: engine.options.tickSeconds,
            speed: opts.speed,
            step: () => {
              try {
                engine.step(1);
                logs.tickDone();
              } catch (err) {
                term.err(toCliError(err).error.lines().join("\n") + "\n");
                done.stop("tick failed");
              }
              if (opts.ticks !== undefined && engine.tick - startTick >= opts.ticks) done.stop("done");
              else if (term.outputClosed) done.stop("output closed"); // `| head`: the end of output (the state is still saved)
            },
          })
        : undefined;
    let pending: string | undefined;
    let reapplying = false;
    const poller = setInterval(() => {
      if (reapplying) return;
      const print = manifestFingerprint(opts.filename);
      if (print === lastPrint) {
        pending = undefined;
        return;
      }
      if (print !== pending) {
        pending = print; // wait one more poll for the editor to finish writing
        return;
      }
      lastPrint = print;
      pending = undefined;
      reapplying = true;
      void reapply(engine, opts, ctx, term).finally(() => (reapplying = false));
    }, WATCH_POLL_MS);
    if (!opts.quiet) term.err(`watching ${opts.filename.join(", ")} at ${opts.speed}x real time; edit the files to re-apply, Ctrl-C to stop\n`);
    if (opts.ticks === 0) done.stop("done");
    else clock?.start();
    const why = await done.promise;
    clock?.stop();
    clearInterval(poller);
    logs.close();
    if (session) session.save();
    if (!opts.quiet) {
      const at = `tick ${engine.tick} (${formatSimTime(engine.timeSeconds)})`;
      term.err(`${why === "done" ? "ran" : `${why}: stopped after`} ${engine.tick - startTick} ticks at ${at}${state ? `; state saved to ${state.displayName}` : ""}\n`);
    }
  } finally {
    session?.close();
  }
}

/** Re-reads and applies the files; an invalid edit prints its errors and changes nothing. */
async function reapply(engine: Engine, opts: WatchRunOptions, ctx: CliContext, term: Terminal): Promise<void> {
  try {
    const objects = await readManifests(opts.filename, ctx);
    const outcomes = applyValidated(engine, objects);
    report(outcomes, term, opts.quiet);
    if (!opts.quiet && outcomes.every((o) => o.result === "unchanged")) term.err(`files changed; no object changed (tick ${engine.tick})\n`);
  } catch (err) {
    const { error } = toCliError(err);
    for (const line of error.lines()) term.err(line + "\n");
    term.err(`the last good manifests keep running (tick ${engine.tick})\n`);
  }
}

/** Prints what an apply changed on stderr (stdout stays a clean log). */
function report(outcomes: ReturnType<Engine["apply"]>, term: Terminal, quiet: boolean): void {
  if (quiet) return;
  for (const outcome of outcomes) if (outcome.result !== "unchanged") term.err(formatApplyOutcome(outcome, false));
}
