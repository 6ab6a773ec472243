/**
 * `memplane logs [OBJECT] [-f] [--since 5m | --since-tick N] [--action A,B] [--controller C,D]
 * [--tail N] [--host NAME] [--log-format text|json] [--state DIR]` — the saved reconciliation log, optionally only one object's entries
 * (`vm/web-1`, `host/esx-01`, `KIND/NAME`, `vm/NS/NAME`, or a bare VM name), and with `-f`
 * followed as `step`/`run` in other processes commit new entries (polled every 200 ms, ended
 * cleanly by Ctrl-C or SIGTERM).
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import { DEFAULT_NAMESPACE, NAMESPACED_KINDS, type Kind } from "../../api/types.js";
import { formatLogJson, formatLogText } from "../../engine/log-format.js";
import type { LogEntry } from "../../engine/log-entry.js";
import { LogFollower } from "../../state/log-follower.js";
import type { CliContext } from "../context.js";
import { serverError } from "../error-report.js";
import { CliError, UsageError } from "../errors.js";
import { resolveKindArg } from "../kind-arg.js";
import { addServerOptions, addStateOption, logFormatOption, parseDurationOption, parseTicks } from "../options.js";
import { CUSTOM_CONTROLLERS_SLOT } from "../../engine/controller.js";
import { RESERVED_CONTROLLER_NAMES } from "../../engine/registry.js";
import { parseDuration } from "../../api/duration.js";
import { RemoteClient, type RemoteFlags } from "../remote/client.js";
import { kindPlural } from "../output/names.js";
import { openStateDirectory, readEngine } from "../session.js";
import { pollUntilStopped } from "../poll-until-stopped.js";

/** How often `-f` looks for newly committed entries (ms). */
export const FOLLOW_POLL_MS = 200;

/** Parsed flags of `logs`. */
interface LogsOptions {
  follow: boolean;
  sinceTick?: number;
  since?: number;
  action?: string[];
  controller?: string[];
  tail?: number;
  host?: string;
  namespace?: string;
  logFormat: "text" | "json";
  state: string;
}

/** The object whose entries `logs` shows. */
export interface LogObjectFilter {
  kind: Kind;
  name: string;
  /** Set for namespaced kinds. */
  namespace?: string;
}

/**
 * Parses `vm/web-1`, `host/esx-01`, `virtualmachine/prod/db-1` or a bare `web-1` (a VM, as
 * kubectl's bare names are pods); `namespace` is `-n`.
 */
export function parseLogObject(arg: string, namespace: string | undefined): LogObjectFilter {
  const parts = arg.split("/");
  if (parts.some((p) => p === "") || parts.length > 3) {
    throw new UsageError(`"${arg}" is not an object: expected KIND/NAME (vm/web-1, host/esx-01), KIND/NAMESPACE/NAME or a VM name`);
  }
  const kind = parts.length === 1 ? "VirtualMachine" : resolveKindArg(parts[0]!);
  const namespaced = NAMESPACED_KINDS.has(kind);
  if (parts.length === 3) {
    if (!namespaced) throw new UsageError(`${kindPlural(kind)} have no namespace: write ${parts[0]}/${parts[2]}`);
    if (namespace !== undefined && namespace !== parts[1]) {
      throw new UsageError(`"${arg}" names namespace "${parts[1]}" but -n says "${namespace}"`);
    }
    return { kind, namespace: parts[1], name: parts[2]! };
  }
  const name = parts[parts.length - 1]!;
  return namespaced ? { kind, name, namespace: namespace ?? DEFAULT_NAMESPACE } : { kind, name };
}

/** True when `entry` is about `object`. */
export function entryMatches(entry: LogEntry, object: LogObjectFilter): boolean {
  if (entry.kind !== object.kind || entry.name !== object.name) return false;
  return object.namespace === undefined || (entry.namespace ?? DEFAULT_NAMESPACE) === object.namespace;
}

/** `--action A,B` (repeatable): the names, any case. */
function collectNames(value: string, previous: string[] | undefined): string[] {
  const names = value.split(",").map((v) => v.trim()).filter((v) => v !== "");
  if (names.length === 0) throw new InvalidArgumentError("expected one or more names, comma-separated.");
  return [...(previous ?? []), ...names];
}

/** The controllers the CLI's simulations log as, and the Scenario runner (embedders' own controllers never run under the CLI). */
const CLI_CONTROLLERS = RESERVED_CONTROLLER_NAMES.filter((c) => c !== CUSTOM_CONTROLLERS_SLOT);

/** `--controller C,D` (repeatable): known controller names, any case; else a usage error listing them. */
function parseControllers(value: string, previous: string[] | undefined): string[] {
  const names = collectNames(value, undefined).map((name) => {
    const match = CLI_CONTROLLERS.find((c) => c === name.toLowerCase());
    if (match === undefined) throw new InvalidArgumentError(`no controller "${name}"; the controllers are ${CLI_CONTROLLERS.join(", ")}.`);
    return match;
  });
  return [...(previous ?? []), ...names];
}

/** Simulated seconds of an entry's `time` (`1m30s`). */
function entrySeconds(entry: LogEntry): number {
  try {
    return parseDuration(entry.time);
  } catch {
    return 0;
  }
}

/** A whole number ≥ 0 for `--tail`. */
function parseCount(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError("expected a whole number of entries, e.g. 20.");
  return Number(value);
}

/**
 * Prints entries as text or JSON lines. Text shows each host's memory state as of the entry
 * (`esx-01[soft]`), learnt from the log's own StateChanged entries — also from entries the
 * filters hide, so a filtered view still knows the state.
 */
class LogPrinter {
  private readonly hostStates = new Map<string, string>();

  constructor(
    private readonly format: "text" | "json",
    private readonly color: boolean,
    private readonly keep: (entry: LogEntry) => boolean,
  ) {}

  /** The lines of the entries that pass the filters, each ending in "\n". */
  lines(entries: readonly LogEntry[]): string[] {
    const out: string[] = [];
    for (const entry of entries) {
      if (entry.kind === "Host" && entry.action === "StateChanged" && entry.to !== undefined) this.hostStates.set(entry.name, entry.to);
      if (!this.keep(entry)) continue;
      const line =
        this.format === "json"
          ? formatLogJson(entry)
          : formatLogText(entry, { color: this.color, hostState: (host) => this.hostStates.get(host) });
      out.push(line + "\n");
    }
    return out;
  }
}

/** Registers `logs` on the program. */
export function registerLogs(program: Command, ctx: CliContext): void {
  const cmd = program
    .command("logs")
    .description("print the saved reconciliation log, optionally one object's entries; -f follows it")
    .argument("[object]", "vm/NAME, host/NAME, KIND/NAME or KIND/NAMESPACE/NAME (a bare NAME is a VM)")
    .option("-f, --follow", "keep printing entries as other processes commit them (Ctrl-C to stop)", false)
    .addOption(new Option("--since <duration>", "only entries of the last DURATION of simulated time, e.g. 5m, 90s (counted back from the saved or served time)").argParser(parseDurationOption))
    .addOption(new Option("--since-tick <n>", "only entries from tick N on").argParser(parseTicks).conflicts("since"))
    .addOption(new Option("--action <names>", "only these actions, comma-separated, any case (e.g. BalloonTargetChanged,StateChanged)").argParser(collectNames))
    .addOption(new Option("--controller <names>", `only entries of these controllers, comma-separated (${CLI_CONTROLLERS.join(", ")})`).argParser(parseControllers))
    .addOption(new Option("--tail <n>", "only the last N matching entries (before following)").argParser(parseCount))
    .option("--host <name>", "only entries about objects on this host (the host and its VMs)")
    .option("-n, --namespace <ns>", `namespace of a VM given as vm/NAME (default "${DEFAULT_NAMESPACE}")`)
    .addOption(logFormatOption());
  addServerOptions(addStateOption(cmd, ctx.env))
    .addHelpText(
      "after",
      "\nExamples:\n  memplane logs\n  memplane logs vm/web-1 --since-tick 120\n  memplane logs --since 5m --action BalloonTargetChanged,StateChanged\n  memplane logs --controller balloon,swap --tail 20\n  memplane logs host/esx-01 -f\n  memplane logs --host esx-01 --log-format json | jq .action\n",
    )
    .action(async (objectArg: string | undefined, opts: LogsOptions & RemoteFlags) => {
      const object = objectArg === undefined ? undefined : parseLogObject(objectArg, opts.namespace);
      const actions = opts.action === undefined ? undefined : new Set(opts.action.map((a) => a.toLowerCase()));
      const controllers = opts.controller === undefined ? undefined : new Set(opts.controller);
      // --since: entries at or after (simulated now - DURATION), now being the saved or served time
      let sinceSeconds: number | undefined;
      const keep = (e: LogEntry): boolean =>
        (opts.sinceTick === undefined || e.tick >= opts.sinceTick) &&
        (sinceSeconds === undefined || entrySeconds(e) >= sinceSeconds - 1e-9) &&
        (actions === undefined || actions.has(e.action.toLowerCase())) &&
        (controllers === undefined || controllers.has(e.controller)) &&
        (opts.host === undefined || e.host === opts.host || (e.kind === "Host" && e.name === opts.host)) &&
        (object === undefined || entryMatches(e, object));
      const term = ctx.terminal();
      const state = openStateDirectory(opts.state, ctx.env);
      const printer = new LogPrinter(opts.logFormat, term.color, keep);
      const tail = (lines: string[]): string[] => (opts.tail === undefined ? lines : lines.slice(lines.length - opts.tail));

      const remote = RemoteClient.fromFlags(opts, ctx.env);
      if (opts.since !== undefined) {
        const now = remote ? (await remote.list("Host", undefined, undefined)).nowSeconds : savedSeconds(state);
        sinceSeconds = now - opts.since;
      }
      if (remote) {
        if (opts.follow && opts.tail !== undefined) throw new UsageError("--tail cannot be combined with -f on a server; use --since-tick");
        const received = await remoteLogs(remote, opts.sinceTick ?? 0, opts.follow, (entries) => {
          const lines = printer.lines(entries);
          if (opts.follow && lines.length > 0) term.out(lines.join(""));
          return lines;
        });
        if (!opts.follow) {
          if (received.length === 0 && object !== undefined && (await remote.get(object.kind, object.name, object.namespace)).value === undefined) {
            const where = object.namespace !== undefined ? ` in namespace "${object.namespace}"` : "";
            throw serverError("NotFound", `${kindPlural(object.kind)} "${object.name}" not found${where}`);
          }
          term.out(tail(received).join(""));
        }
        return;
      }

      if (!opts.follow) {
        // streamed: a log of any size is read a chunk at a time; only --tail's lines are kept
        const out = new LineSink(term, opts.tail);
        let batch: LogEntry[] = [];
        const warnings = state.scanLog((entry) => {
          if (term.outputClosed) return; // `| head`: the end of output; the scan just reads on
          batch.push(entry);
          if (batch.length >= PRINT_BATCH) {
            out.write(printer.lines(batch));
            batch = [];
          }
        });
        out.write(printer.lines(batch));
        for (const w of warnings) term.warn(w);
        if (out.printed === 0 && object !== undefined) {
          // Nothing logged: say NotFound if the object does not exist either (a deleted one may still have history).
          const engine = await readEngine(state);
          if (!engine.store.get(object.kind, object.name, object.namespace)) {
            const where = object.namespace !== undefined ? ` in namespace "${object.namespace}"` : "";
            throw serverError("NotFound", `${kindPlural(object.kind)} "${object.name}" not found${where}`);
          }
        }
        out.end();
        return;
      }

      const follower = new LogFollower(state);
      const first = new LineSink(term, opts.tail);
      follower.pollBatches((entries) => first.write(printer.lines(entries)));
      first.end();
      await followUntilStopped(() => {
        follower.pollBatches((entries) => {
          const lines = printer.lines(entries);
          if (lines.length > 0) term.out(lines.join(""));
        });
      }, ctx);
    });
}

/** The simulated time saved in a state directory (0 when nothing is saved). */
function savedSeconds(state: ReturnType<typeof openStateDirectory>): number {
  const saved = state.readState();
  return saved ? saved.timeSeconds : 0;
}

/** Entries formatted and printed at a time by `logs`. */
const PRINT_BATCH = 1000;

/** Prints lines as they come, or with `--tail N` keeps only the last N and prints them at the end. */
class LineSink {
  private kept: string[] = [];
  /** Lines written so far (kept or printed). */
  printed = 0;

  constructor(
    private readonly term: { out(text: string): void },
    private readonly tail: number | undefined,
  ) {}

  /** Takes the next lines. */
  write(lines: string[]): void {
    this.printed += lines.length;
    if (this.tail === undefined) {
      if (lines.length > 0) this.term.out(lines.join(""));
      return;
    }
    for (const line of lines) this.kept.push(line);
    if (this.kept.length > 2 * this.tail + PRINT_BATCH) this.kept = this.kept.slice(this.kept.length - this.tail);
  }

  /** Prints what --tail kept. */
  end(): void {
    if (this.tail === undefined) return;
    const last = this.kept.slice(this.kept.length - this.tail);
    if (last.length > 0) this.term.out(last.join(""));
    this.kept = [];
  }
}

/** Runs `poll` every {@link FOLLOW_POLL_MS} until SIGINT, SIGTERM or a closed stdout (`logs -f | head`). */
function followUntilStopped(poll: () => void, ctx: CliContext): Promise<void> {
  return pollUntilStopped(poll, FOLLOW_POLL_MS, ctx);
}

/**
 * Reads a server's `/logs` (JSON lines from `sinceTick`), passing each batch of entries to
 * `onEntries`; with `follow` the stream stays open until Ctrl-C or SIGTERM. Without `follow`,
 * resolves with every line `onEntries` returned.
 */
async function remoteLogs(
  client: RemoteClient,
  sinceTick: number,
  follow: boolean,
  onEntries: (entries: LogEntry[]) => string[],
): Promise<string[]> {
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  const out: string[] = [];
  try {
    const res = await client.openLogs(sinceTick, follow, abort.signal);
    if (res === undefined) return out;
    const decoder = new TextDecoder();
    let pending = "";
    const reader = res.body!.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        pending += decoder.decode(value, { stream: true });
        const cut = pending.lastIndexOf("\n");
        if (cut < 0) continue;
        const entries = pending
          .slice(0, cut)
          .split("\n")
          .filter((l) => l.trim() !== "")
          .map((l) => JSON.parse(l) as LogEntry);
        pending = pending.slice(cut + 1);
        const lines = onEntries(entries);
        if (!follow) out.push(...lines); // a follower prints as it goes and keeps nothing
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    }
    return out;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}
