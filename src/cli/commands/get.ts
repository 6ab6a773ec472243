/**
 * `memplane get KIND [NAME] [-o wide|json|yaml|name] [-l SELECTOR] [-n NS | -A]` — list objects
 * of the saved simulation as kubectl does.
 */
import { Option, type Command } from "commander";
import { NAMESPACED_KINDS, DEFAULT_NAMESPACE, type Kind } from "../../api/types.js";
import type { Engine } from "../../engine/engine.js";
import type { CliContext } from "../context.js";
import { serverError } from "../error-report.js";
import { UsageError } from "../errors.js";
import { resolveKindArg } from "../kind-arg.js";
import { addStateOption } from "../options.js";
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
    .option("-n, --namespace <ns>", `namespace of namespaced kinds (default "${DEFAULT_NAMESPACE}")`)
    .addOption(new Option("-A, --all-namespaces", "list across all namespaces").default(false).conflicts("namespace"));
  addStateOption(cmd, ctx.env)
    .addHelpText(
      "after",
      "\nExamples:\n  memplane get hosts\n  memplane get vms -A -o wide\n  memplane get vm web-1 -o yaml\n  memplane get vms -l app=web\n  memplane get events\n",
    )
    .action((kindName: string, name: string | undefined, opts: GetOptions) => {
      const kind = resolveKindArg(kindName);
      if (name !== undefined && opts.selector !== undefined) {
        throw new UsageError("a name cannot be given together with a label selector (-l)");
      }
      const engine = readEngine(openStateDirectory(opts.state, ctx.env));
      const namespaced = NAMESPACED_KINDS.has(kind);
      const namespace = namespaced && !opts.allNamespaces ? (opts.namespace ?? DEFAULT_NAMESPACE) : undefined;
      const term = ctx.terminal();
      if (name !== undefined) {
        const object = engine.store.get(kind, name, namespace) as AnyObject | undefined;
        if (!object) {
          const where = namespaced ? ` in namespace "${namespace ?? DEFAULT_NAMESPACE}"` : "";
          throw serverError("NotFound", `${kindPlural(kind)} "${name}" not found${where}`);
        }
        printObjects(term, engine, kind, [object], opts, true);
        return;
      }
      let objects = engine.store.list(kind, { namespace, labelSelector: opts.selector }) as readonly AnyObject[];
      if (kind === "Event") objects = [...objects].sort((a, b) => (a.tick ?? 0) - (b.tick ?? 0));
      if (objects.length === 0 && (opts.output === undefined || opts.output === "wide" || opts.output === "name")) {
        term.err(namespace !== undefined ? `No resources found in ${namespace} namespace.\n` : "No resources found\n");
        return;
      }
      printObjects(term, engine, kind, objects, opts, false);
    });
}

/** Prints objects in the chosen format; `single` prints a lone object (not a List) for json/yaml. */
function printObjects(term: Terminal, engine: Engine, kind: Kind, objects: readonly AnyObject[], opts: GetOptions, single: boolean): void {
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
      const rowCtx = { nowSeconds: engine.timeSeconds, color: term.color };
      const rows = objects.map((o) => columns.map((c) => c.cell(o as never, rowCtx)));
      term.out(renderTable(columns.map((c) => c.header), rows));
    }
  }
}

