/**
 * `memplane top [--host NAME] [--sort COLUMN] [--interval SECONDS] [--once] [--advance D] [--state DIR]` — an
 * esxtop-style memory screen of the saved simulation; with `--advance D` each refresh first steps
 * the saved state by D of simulated time (and saves it), so top alone plays the simulation. On a terminal it redraws in place every
 * `--interval` seconds, re-reading the state directory (so it shows what `step` or `serve` in
 * another process saves), until `q` or Ctrl-C; keys re-sort like esxtop. Piped, or with
 * `--once`, it prints the screen once. `--server URL` reads a running `memplane serve` instead.
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import { formatSimTime } from "../../api/duration.js";
import type { Host, VirtualMachine } from "../../api/types.js";
import type { DeepReadonly } from "../../store/types.js";
import type { CliContext } from "../context.js";
import { serverError } from "../error-report.js";
import { engineView, remoteView } from "../cluster-view.js";
import { addServerOptions, addStateOption } from "../options.js";
import { RemoteClient, type RemoteFlags } from "../remote/client.js";
import { DEFAULT_TOP_SORT, TOP_SORT_COLUMNS, fitToWidth, renderTopScreen } from "../output/top.js";
import { WriteSession, openStateDirectory, readEngine } from "../session.js";
import { simulate } from "../simulate.js";
import { UsageError } from "../errors.js";
import { parseDurationOption, ticksFor } from "../options.js";
import type { StateDirectory } from "../../state/index.js";

/** Parsed flags of `top`. */
interface TopOptions {
  host?: string;
  sort: string;
  interval: number;
  once: boolean;
  /** Simulated seconds to step the saved state before each screen. */
  advance?: number;
  state: string;
}

/** Keys that re-sort the screen (esxtop-like), and `q` to quit. */
export const TOP_SORT_KEYS: Readonly<Record<string, string>> = {
  m: "MEMSZ",
  c: "CNSM",
  b: "MCTLSZ",
  s: "SWCUR",
  z: "ZIP",
  a: "ACTV",
  n: "NAME",
};

/** Default refresh period in seconds. */
export const DEFAULT_TOP_INTERVAL = 2;

/** `--sort`: a column name, any case. */
export function parseSortColumn(value: string): string {
  const column = value.trim().toUpperCase();
  const match = TOP_SORT_COLUMNS.find((c) => c === column || c.replace("%", "") === column);
  if (!match) throw new InvalidArgumentError(`expected one of ${TOP_SORT_COLUMNS.join(", ")}.`);
  return match;
}

/** `--interval`: seconds, at least 0.1. */
function parseInterval(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0.1) throw new InvalidArgumentError("expected seconds ≥ 0.1, e.g. 2 or 0.5.");
  return n;
}

/** ANSI sequences of the full-screen mode. */
const SCREEN = {
  enter: "\x1b[?1049h\x1b[?25l",
  leave: "\x1b[?25h\x1b[?1049l",
  home: "\x1b[H\x1b[2J",
} as const;

/** Registers `top` on the program. */
export function registerTop(program: Command, ctx: CliContext): void {
  const cmd = program
    .command("top")
    .description("esxtop-style memory screen: per-host PMEM, minFree, free, state; a row per VM (MEMSZ … SHRD in MB)")
    .option("--host <name>", "only this host")
    .addOption(
      new Option("--sort <column>", `sort VMs by ${TOP_SORT_COLUMNS.join(", ")} (numbers descending)`).argParser(parseSortColumn).default(DEFAULT_TOP_SORT),
    )
    .addOption(new Option("--interval <seconds>", "refresh period on a terminal").argParser(parseInterval).default(DEFAULT_TOP_INTERVAL))
    .option("--once", "print one screen and exit (the default when not on a terminal)", false)
    .addOption(new Option("--advance <d>", "step the saved state by this much simulated time before each screen (and save it), e.g. 10s").argParser(parseDurationOption));
  addServerOptions(addStateOption(cmd, ctx.env))
    .addHelpText(
      "after",
      "\nKeys on a terminal: m MEMSZ, c CNSM, a ACTV, b MCTLSZ, s SWCUR, z ZIP, n NAME sort; q or Ctrl-C quits.\n\nExamples:\n  memplane top\n  memplane top --host esx-01 --sort CNSM\n  memplane top --once > top.txt\n  memplane top --advance 10s --interval 1     # plays the saved simulation, 10 simulated s per second\n",
    )
    .action(async (opts: TopOptions & RemoteFlags) => {
      const term = ctx.terminal();
      const remote = RemoteClient.fromFlags(opts, ctx.env);
      if (remote && opts.advance !== undefined) {
        throw new UsageError("--advance steps a saved state; a server's clock runs by itself (memplane clock pause|resume|speed, memplane step --server)");
      }
      const state = remote ? undefined : openStateDirectory(opts.state, ctx.env);
      const advance =
        state && opts.advance !== undefined
          ? async (): Promise<void> => {
              const session = await WriteSession.open(state, ctx.commandLine, {}, term, ctx.env);
              try {
                await simulate(session.engine, ticksFor({ duration: opts.advance }, session.tickSeconds, 0), term, { logFormat: "text", quiet: true });
                session.save();
              } finally {
                session.close();
              }
            }
          : undefined;
      const source: TopSource = remote ? { remote } : { state: state!, advance };
      if (opts.once || !ctx.stdout.isTTY) {
        term.out(await screen(source, opts, opts.sort, term.color, undefined, true));
        return;
      }
      await interactive(ctx, source, opts, term.color);
    });
}

/** Where `top` reads from: a running server (`--server`) or, re-read on every refresh, the state directory. */
type TopSource = { remote: RemoteClient } | { state: StateDirectory; advance?: () => Promise<void> };

/** Reads the source and renders one screen sorted by `sort`. */
async function screen(source: TopSource, opts: TopOptions, sort: string, color: boolean, footer?: string, step = false): Promise<string> {
  if (step && "state" in source) await source.advance?.();
  const view = "remote" in source ? remoteView(source.remote) : engineView(await readEngine(source.state));
  let hosts = (await view.list("Host")) as readonly DeepReadonly<Host>[];
  if (opts.host !== undefined) {
    hosts = hosts.filter((h) => h.metadata.name === opts.host);
    if (hosts.length === 0) throw serverError("NotFound", `hosts "${opts.host}" not found`);
  }
  const vms = (await view.list("VirtualMachine")) as readonly DeepReadonly<VirtualMachine>[];
  const where = "remote" in source ? source.remote.baseUrl : source.state.displayName;
  const clock = view.tick === undefined ? formatSimTime(view.nowSeconds) : `tick ${view.tick} (${formatSimTime(view.nowSeconds)})`;
  const title = `memplane top — ${where} — ${clock} — sorted by ${sort}`;
  return renderTopScreen(hosts, vms, { sort, color, title, footer });
}

/** The full-screen loop: redraw every interval, re-sort on keys, leave on q, Ctrl-C or SIGTERM. */
function interactive(ctx: CliContext, source: TopSource, opts: TopOptions, color: boolean): Promise<void> {
  const stdin = process.stdin;
  const keys = stdin.isTTY === true;
  let sort = opts.sort;
  const footer = `refresh every ${opts.interval}s${opts.advance === undefined ? "" : `, +${formatSimTime(opts.advance)} simulated each`} — keys: ${Object.entries(TOP_SORT_KEYS)
    .map(([k, c]) => `${k} ${c}`)
    .join(", ")}; q quits`;
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (err?: unknown): void => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      if (keys) {
        stdin.off("data", onKey);
        stdin.setRawMode(false);
        stdin.pause();
      }
      ctx.stdout.write(SCREEN.leave);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onSignal = (): void => finish();
    let generation = 0;
    const draw = async (step: boolean): Promise<void> => {
      if (done) return;
      const mine = ++generation; // a key press may start a draw while another is reading the state
      try {
        const text = await screen(source, opts, sort, color, footer, step);
        if (done || mine !== generation) return;
        const columns = (ctx.stdout as { columns?: number }).columns;
        const fitted = columns ? text.split("\n").map((l) => fitToWidth(l, columns)).join("\n") : text;
        ctx.stdout.write(SCREEN.home + fitted);
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => void draw(true), opts.interval * 1000);
      } catch (err) {
        finish(err);
      }
    };
    const onKey = (data: Buffer): void => {
      const key = data.toString("utf8");
      if (key === "q" || key === "Q" || key === "\u0003") return finish();
      const column = TOP_SORT_KEYS[key.toLowerCase()];
      if (column !== undefined && column !== sort) {
        sort = column;
        if (timer) clearTimeout(timer);
        void draw(false);
      }
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    if (keys) {
      stdin.setRawMode(true);
      stdin.resume();
      stdin.on("data", onKey);
    }
    ctx.stdout.write(SCREEN.enter);
    void draw(false);
  });
}
