/**
 * `memplane get KIND [NAME] [-o wide|json|yaml|name] [-l SELECTOR] [-n NS | -A]` — list objects
 * of the saved simulation as kubectl does.
 */
import { Option, type Command } from "commander";
import { BUILTIN_GUEST_OS_PROFILES, builtinProfile } from "../../api/builtin-profiles.js";
import { NAMESPACED_KINDS, DEFAULT_NAMESPACE, type Kind } from "../../api/types.js";
import type { Engine } from "../../engine/engine.js";
import { matchesLabelSelector, parseLabelSelector } from "../../store/label-selector.js";
import type { CliContext } from "../context.js";
import { serverError } from "../error-report.js";
import { UsageError } from "../errors.js";
import { matchesFieldSelector, parseFieldSelector } from "../field-selector.js";
import { resolveKindArg } from "../kind-arg.js";
import { addServerOptions, addStateOption } from "../options.js";
import { RemoteClient, type RemoteFlags } from "../remote/client.js";
import { columnsFor, visibleColumns } from "../output/columns.js";
import { kindPlural, objectRef } from "../output/names.js";
import { asList, toJson, toYaml } from "../output/serialize.js";
import { renderTable } from "../output/table.js";
import type { Terminal } from "../terminal.js";
import { openStateDirectory, readEngine } from "../session.js";

/** Parsed flags of `get`. */
interface GetOptions {
  output?: "wide" | "json" | "yaml" | "name";
  selector?: string;
  fieldSelector?: string;
  namespace?: string;
  allNamespaces: boolean;
  state: string;
}

/** An object as `get` handles it. */
type AnyObject = { kind: string; metadata: { name: string; namespace?: string; creationTimestamp?: string }; tick?: number };

/** Registers `get` on the program. */
export function registerGet(program: Command, ctx: CliContext): void {
  const cmd = program
    .command("get")
    .description("list objects: hosts, virtualmachines (vm), guestosprofiles (os), events")
    .argument("<kind>", "hosts | virtualmachines | guestosprofiles | events (plural, singular or short name)")
    .argument("[name]", "one object's name")
    .addOption(new Option("-o, --output <format>", "output format").choices(["wide", "json", "yaml", "name"]))
    .option("-l, --selector <selector>", "label selector, e.g. app=web,tier!=db,env in (a,b)")
    .option("--field-selector <selector>", "field selector, e.g. involvedObject.name=web-1,type=Warning")
    .option("-n, --namespace <ns>", `namespace of namespaced kinds (default "${DEFAULT_NAMESPACE}")`)
    .addOption(new Option("-A, --all-namespaces", "list across all namespaces").default(false).conflicts("namespace"));
  addServerOptions(addStateOption(cmd, ctx.env))
    .addHelpText(
      "after",
      "\nExamples:\n  memplane get hosts\n  memplane get vms -A -o wide\n  memplane get vm web-1 -o yaml\n  memplane get vms -l app=web\n  memplane get events\n  memplane get events -A --field-selector involvedObject.name=web-1,type=Warning\n",
    )
    .action(async (kindName: string, name: string | undefined, opts: GetOptions & RemoteFlags) => {
      const kind = resolveKindArg(kindName);
      if (name !== undefined && opts.selector !== undefined) {
        throw new UsageError("a name cannot be given together with a label selector (-l)");
      }
      const fields = opts.fieldSelector === undefined ? undefined : parseFieldSelector(opts.fieldSelector);
      const remote = RemoteClient.fromFlags(opts, ctx.env);
      const engine = remote ? undefined : await readEngine(openStateDirectory(opts.state, ctx.env));
      const namespaced = NAMESPACED_KINDS.has(kind);
      const namespace = namespaced && !opts.allNamespaces ? (opts.namespace ?? DEFAULT_NAMESPACE) : undefined;
      const term = ctx.terminal();
      if (name !== undefined) {
        const { value: object, nowSeconds } = remote ? await remote.get(kind, name, namespace) : { value: getObject(engine!, kind, name, namespace), nowSeconds: engine!.timeSeconds };
        if (!object) {
          const where = namespaced ? ` in namespace "${namespace ?? DEFAULT_NAMESPACE}"` : "";
          throw serverError("NotFound", `${kindPlural(kind)} "${name}" not found${where}`);
        }
        printObjects(term, nowSeconds, kind, [object], opts, true);
        return;
      }
      const { value: listed, nowSeconds } = remote
        ? await remote.list(kind, namespace, opts.selector)
        : { value: listObjects(engine!, kind, namespace, opts.selector), nowSeconds: engine!.timeSeconds };
      const objects = fields === undefined ? listed : listed.filter((o) => matchesFieldSelector(fields, o));
      if (objects.length === 0 && (opts.output === undefined || opts.output === "wide" || opts.output === "name")) {
        term.err(namespace !== undefined ? `No resources found in ${namespace} namespace.\n` : "No resources found\n");
        return;
      }
      printObjects(term, nowSeconds, kind, objects, opts, false);
    });
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

/** Prints objects in the chosen format; `single` prints a lone object (not a List) for json/yaml. */
function printObjects(term: Terminal, nowSeconds: number, kind: Kind, objects: readonly AnyObject[], opts: GetOptions, single: boolean): void {
  switch (opts.output) {
    case "json":
      term.out(toJson(single ? objects[0] : asList(objects)));
      return;
    case "yaml":
      term.out(toYaml(single ? objects[0] : asList(objects)));
      return;
    case "name":
      for (const o of objects) term.out(objectRef(o.kind, o.metadata.name) + "\n");
      return;
    default: {
      const columns = visibleColumns(columnsFor(kind), { wide: opts.output === "wide", allNamespaces: opts.allNamespaces });
      const rowCtx = { nowSeconds, color: term.color };
      const rows = objects.map((o) => columns.map((c) => c.cell(o as never, rowCtx)));
      term.out(renderTable(columns.map((c) => c.header), rows));
    }
  }
}

