/**
 * `memplane get KIND [NAME...] | KIND/NAME... [-o wide|json|yaml|name] [-l SELECTOR] [-n NS | -A]
 * [--sort-by KEY] [-w]` — list objects of the saved simulation (or a server's) as kubectl does.
 */
import { Option, type Command } from "commander";
import { BUILTIN_GUEST_OS_PROFILES, builtinProfile } from "../../api/builtin-profiles.js";
import { NAMESPACED_KINDS, DEFAULT_NAMESPACE, type Kind } from "../../api/types.js";
import { nowSinceDefaultEpoch } from "../../api/timestamps.js";
import type { Engine } from "../../engine/engine.js";
import { matchesLabelSelector, parseLabelSelector } from "../../store/label-selector.js";
import type { CliContext } from "../context.js";
import { serverError } from "../error-report.js";
import { UsageError } from "../errors.js";
import { matchesFieldSelector, parseFieldSelector, type FieldRequirement } from "../field-selector.js";
import { parseResourceArgs, type ResourceRequest } from "../kind-arg.js";
import { addServerOptions, addStateOption } from "../options.js";
import { RemoteClient, type RemoteFlags } from "../remote/client.js";
import { columnsFor, visibleColumns } from "../../printing/columns.js";
import { kindPlural, objectRef } from "../output/names.js";
import { asList, toJson, toYaml } from "../output/serialize.js";
import { parseSortBy, sortObjects, type SortKey } from "../output/sort-by.js";
import { renderTable } from "../output/table.js";
import { paint, type Terminal } from "../terminal.js";
import { openStateDirectory, readEngine } from "../session.js";
import { watchObjects } from "./get-watch.js";

/** Parsed flags of `get`. */
export interface GetOptions {
  output?: "wide" | "json" | "yaml" | "name";
  selector?: string;
  fieldSelector?: string;
  namespace?: string;
  allNamespaces: boolean;
  sortBy?: SortKey;
  watch: boolean;
  state: string;
}

/** An object as `get` handles it. */
export type AnyObject = { kind: string; metadata: { name: string; namespace?: string; creationTimestamp?: string }; tick?: number };

/** Where `get` reads objects from: a restored engine or a server. */
export type ObjectSource = { engine: Engine } | { remote: RemoteClient };

/** What one kind's read found. */
export interface KindRead {
  objects: AnyObject[];
  /** NotFound lines for names that do not exist. */
  missing: string[];
  nowSeconds: number;
}

/** Registers `get` on the program. */
export function registerGet(program: Command, ctx: CliContext): void {
  const cmd = program
    .command("get")
    .description("list objects: hosts, virtualmachines (vm), guestosprofiles (os), events; -w watches them")
    .argument("<resources...>", "KIND [NAME...] (hosts | virtualmachines | guestosprofiles | events: plural, singular or short name) or KIND/NAME...")
    .addOption(new Option("-o, --output <format>", "output format").choices(["wide", "json", "yaml", "name"]))
    .option("-l, --selector <selector>", "label selector, e.g. app=web,tier!=db,env in (a,b)")
    .option("--field-selector <selector>", "field selector, e.g. involvedObject.name=web-1,type=Warning")
    .option("-n, --namespace <ns>", `namespace of namespaced kinds (default "${DEFAULT_NAMESPACE}")`)
    .addOption(new Option("-A, --all-namespaces", "list across all namespaces").default(false).conflicts("namespace"))
    .addOption(
      new Option("--sort-by <key>", "sort by NAME, a top column (MEMSZ, CNSM, ACTV, MCTLSZ, SWCUR, ZIP, STALL%…; VMs, largest first) or a field path (.metadata.name, .status.memory.free; ascending)").argParser(
        parseSortBy,
      ),
    )
    .option("-w, --watch", "after the table, print a line per object that changes (re-reads the state directory when it is saved; with --server polls it every second) until Ctrl-C", false);
  addServerOptions(addStateOption(cmd, ctx.env))
    .addHelpText(
      "after",
      "\nExamples:\n  memplane get hosts\n  memplane get vms -A -o wide\n  memplane get vm web-1 -o yaml\n  memplane get vms web-1 db-1\n  memplane get vm/web-1 host/esx-01\n  memplane get vms -l app=web\n  memplane get vms --sort-by MCTLSZ\n  memplane get hosts --sort-by .status.memory.free\n  memplane get vms -w            # then \`memplane step\` in another shell\n  memplane get events\n  memplane get events -A --field-selector involvedObject.name=web-1,type=Warning\n",
    )
    .action(async (args: string[], opts: GetOptions & RemoteFlags) => {
      const requests = parseResourceArgs(args);
      if (opts.selector !== undefined && requests.some((r) => r.names !== undefined)) {
        throw new UsageError("a name cannot be given together with a label selector (-l)");
      }
      if (opts.watch && requests.length > 1) throw new UsageError("-w watches one kind at a time; e.g. `memplane get vms -w`");
      if (opts.watch && (opts.output === "json" || opts.output === "yaml")) throw new UsageError("-w prints table rows: use it without -o json|yaml, or -o wide|name");
      const fields = opts.fieldSelector === undefined ? undefined : parseFieldSelector(opts.fieldSelector);
      const remote = RemoteClient.fromFlags(opts, ctx.env);
      const term = ctx.terminal();
      const state = remote ? undefined : openStateDirectory(opts.state, ctx.env);
      const source = async (): Promise<ObjectSource> => (remote ? { remote } : { engine: await readEngine(state!) });
      if (opts.watch) {
        await watchObjects(ctx, term, requests[0]!, opts, { read: async () => readKind(await source(), requests[0]!, opts, fields), stateFile: state?.stateFile });
        return;
      }
      const from = await source();
      const reads: KindRead[] = [];
      for (const request of requests) reads.push(await readKind(from, request, opts, fields));
      const single = requests.length === 1 && requests[0]!.names?.length === 1;
      const listing = requests.length === 1 && requests[0]!.names === undefined;
      if (listing && reads[0]!.objects.length === 0 && (opts.output === undefined || opts.output === "wide" || opts.output === "name")) {
        const namespace = namespaceOf(requests[0]!.kind, opts);
        term.err(namespace !== undefined ? `No resources found in ${namespace} namespace.\n` : "No resources found\n");
        return;
      }
      const found = reads.filter((r) => r.objects.length > 0);
      if (opts.output === "json" || opts.output === "yaml") {
        const all = found.flatMap((r) => r.objects);
        const value = single ? all[0] : asList(all);
        if (value !== undefined) term.out(opts.output === "json" ? toJson(value) : toYaml(value));
      } else {
        found.forEach((r, i) => {
          if (i > 0 && opts.output !== "name") term.out("\n");
          term.out(formatObjects(term, r.nowSeconds, requests[reads.indexOf(r)]!.kind, r.objects, opts));
        });
      }
      const missing = reads.flatMap((r) => r.missing);
      if (missing.length > 0) throw serverError("NotFound", missing.join("\nError from server (NotFound): "));
    });
}

/** The namespace a namespaced kind is read in (undefined for cluster-scoped kinds and -A). */
function namespaceOf(kind: Kind, opts: GetOptions): string | undefined {
  return NAMESPACED_KINDS.has(kind) && !opts.allNamespaces ? (opts.namespace ?? DEFAULT_NAMESPACE) : undefined;
}

/** Reads one kind: the names asked for (noting the missing ones), or the whole filtered list; sorted by --sort-by. */
export async function readKind(source: ObjectSource, request: ResourceRequest, opts: GetOptions, fields: readonly FieldRequirement[] | undefined): Promise<KindRead> {
  const { kind } = request;
  const namespace = namespaceOf(kind, opts);
  const objects: AnyObject[] = [];
  const missing: string[] = [];
  let nowSeconds = "engine" in source ? nowSinceDefaultEpoch(source.engine.timeSeconds, source.engine.options.epoch) : 0;
  if (request.names !== undefined) {
    for (const name of request.names) {
      const read = "remote" in source ? await source.remote.get(kind, name, namespace) : { value: getObject(source.engine, kind, name, namespace), nowSeconds };
      if (read.value) {
        objects.push(read.value);
        nowSeconds = "epoch" in read ? nowSinceDefaultEpoch(read.nowSeconds, read.epoch) : read.nowSeconds;
      } else {
        const where = NAMESPACED_KINDS.has(kind) ? ` in namespace "${namespace ?? DEFAULT_NAMESPACE}"` : "";
        missing.push(`${kindPlural(kind)} "${name}" not found${where}`);
      }
    }
  } else {
    const listed = "remote" in source ? await source.remote.list(kind, namespace, opts.selector) : { value: listObjects(source.engine, kind, namespace, opts.selector), nowSeconds };
    nowSeconds = "epoch" in listed ? nowSinceDefaultEpoch(listed.nowSeconds, listed.epoch) : listed.nowSeconds;
    objects.push(...(fields === undefined ? listed.value : listed.value.filter((o) => matchesFieldSelector(fields, o))));
  }
  return { objects: opts.sortBy === undefined ? objects : sortObjects(objects, kind, opts.sortBy), missing, nowSeconds };
}

/**
 * One object. GuestOSProfiles fall back to the built-in profile of that name (an applied
 * profile overrides a built-in one, docs/manifests.md).
 */
function getObject(engine: Engine, kind: Kind, name: string, namespace: string | undefined): AnyObject | undefined {
  const stored = engine.store.get(kind, name, namespace) as AnyObject | undefined;
  if (stored || kind !== "GuestOSProfile") return stored;
  return builtinProfile(name) as AnyObject | undefined;
}

/**
 * Objects of a kind in the store's order; events by the tick of their last occurrence;
 * GuestOSProfiles merged with the built-in ones not overridden, by name.
 */
function listObjects(engine: Engine, kind: Kind, namespace: string | undefined, selector: string | undefined): readonly AnyObject[] {
  const stored = engine.store.list(kind, { namespace, labelSelector: selector }) as readonly AnyObject[];
  if (kind === "Event") return [...stored].sort((a, b) => (a.tick ?? 0) - (b.tick ?? 0));
  if (kind !== "GuestOSProfile") return stored;
  const parsed = selector === undefined ? undefined : parseLabelSelector(selector);
  const applied = new Set(stored.map((o) => o.metadata.name));
  const builtins = BUILTIN_GUEST_OS_PROFILES.filter(
    (p) => !applied.has(p.metadata.name) && (parsed === undefined || matchesLabelSelector(parsed, p.metadata.labels)),
  ) as readonly AnyObject[];
  return [...stored, ...builtins].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/** The table's headers and one row of cells per object (`-o wide` adds columns, `-A` a NAMESPACE column). */
export function tableOf(term: Terminal, nowSeconds: number, kind: Kind, objects: readonly AnyObject[], opts: GetOptions): { headers: string[]; rows: string[][] } {
  const columns = visibleColumns(columnsFor(kind), { wide: opts.output === "wide", allNamespaces: opts.allNamespaces });
  const rowCtx = { nowSeconds };
  const cell = (c: (typeof columns)[number], o: AnyObject): string => {
    const text = c.cell(o as never, rowCtx);
    const color = term.color ? c.color?.(o as never) : undefined;
    return color === undefined ? text : paint(text, color, true);
  };
  return { headers: columns.map((c) => c.header), rows: objects.map((o) => columns.map((c) => cell(c, o))) };
}

/** Objects as a table, or `kind/name` lines for `-o name`. */
export function formatObjects(term: Terminal, nowSeconds: number, kind: Kind, objects: readonly AnyObject[], opts: GetOptions): string {
  if (opts.output === "name") return objects.map((o) => objectRef(o.kind, o.metadata.name) + "\n").join("");
  const { headers, rows } = tableOf(term, nowSeconds, kind, objects, opts);
  return renderTable(headers, rows);
}
