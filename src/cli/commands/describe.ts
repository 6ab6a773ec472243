/**
 * `memplane describe KIND [NAME] [-n NS] [--state DIR]` (also `KIND/NAME`) — one object's spec,
 * memory status with esxtop names, conditions and events, as kubectl describe prints them.
 * Without NAME every object of the kind (in the namespace) is described. `--server URL` reads a
 * running `memplane serve` instead of the state directory.
 */
import type { Command } from "commander";
import { BUILTIN_GUEST_OS_PROFILES } from "../../api/builtin-profiles.js";
import { DEFAULT_NAMESPACE, NAMESPACED_KINDS, type GuestOSProfile, type Host, type Kind, type MemplaneEvent, type Scenario, type VirtualMachine } from "../../api/types.js";
import type { DeepReadonly } from "../../store/types.js";
import { engineView, remoteView, type ClusterView } from "../cluster-view.js";
import type { CliContext } from "../context.js";
import { serverError } from "../error-report.js";
import { UsageError } from "../errors.js";
import { resolveKindArg } from "../kind-arg.js";
import { addServerOptions, addStateOption } from "../options.js";
import { RemoteClient, type RemoteFlags } from "../remote/client.js";
import { describeEvent, describeGuestOSProfile, describeHost, describeScenario, describeVirtualMachine, type DescribeContext } from "../output/describe.js";
import { eventsAbout } from "../output/events.js";
import { kindPlural } from "../output/names.js";
import { toYaml } from "../output/serialize.js";
import { openStateDirectory, readEngine } from "../session.js";

/** Parsed flags of `describe`. */
interface DescribeOptions {
  namespace?: string;
  state: string;
}

/** Splits `vm/web-1` into kind and name; a separate NAME argument wins over none. */
export function splitKindName(kindArg: string, nameArg: string | undefined): { kindName: string; name: string | undefined } {
  const slash = kindArg.indexOf("/");
  if (slash < 0) return { kindName: kindArg, name: nameArg };
  if (nameArg !== undefined) throw new UsageError(`there is no need to give a name after ${kindArg}: use either KIND NAME or KIND/NAME`);
  const name = kindArg.slice(slash + 1);
  if (name === "") throw new UsageError(`missing a name after "${kindArg}"`);
  return { kindName: kindArg.slice(0, slash), name };
}

/** Registers `describe` on the program. */
export function registerDescribe(program: Command, ctx: CliContext): void {
  const cmd = program
    .command("describe")
    .description("show one object in detail: spec, memory status (esxtop names), conditions and events")
    .argument("<kind>", "hosts | virtualmachines (vm) | guestosprofiles (os) | events, or KIND/NAME")
    .argument("[name]", "the object's name (omit to describe every object of the kind)")
    .option("-n, --namespace <ns>", `namespace of VirtualMachines and events (default "${DEFAULT_NAMESPACE}")`);
  addServerOptions(addStateOption(cmd, ctx.env))
    .addHelpText(
      "after",
      "\nExamples:\n  memplane describe vm web-1\n  memplane describe host/esx-01\n  memplane describe vm db-1 -n prod\n  memplane describe os rhel7\n",
    )
    .action(async (kindArg: string, nameArg: string | undefined, opts: DescribeOptions & RemoteFlags) => {
      const { kindName, name } = splitKindName(kindArg, nameArg);
      const kind = resolveKindArg(kindName);
      const namespace = NAMESPACED_KINDS.has(kind) ? (opts.namespace ?? DEFAULT_NAMESPACE) : undefined;
      const remote = RemoteClient.fromFlags(opts, ctx.env);
      const view = remote ? remoteView(remote) : engineView(await readEngine(openStateDirectory(opts.state, ctx.env)));
      const term = ctx.terminal();
      const objects = name !== undefined ? [await findObject(view, kind, name, namespace)] : await listObjects(view, kind, namespace);
      if (objects.length === 0) {
        term.err(namespace !== undefined ? `No resources found in ${namespace} namespace.\n` : "No resources found\n");
        return;
      }
      const pages: string[] = [];
      for (const o of objects) pages.push(await describeObject(view, kind, o, term.color));
      term.out(pages.join("\n"));
    });
}

/** The named object, or a kubectl-style NotFound error. GuestOSProfiles fall back to the built-in ones. */
async function findObject(view: ClusterView, kind: Kind, name: string, namespace: string | undefined): Promise<unknown> {
  const found = await view.get(kind, name, namespace);
  if (found) return found;
  const where = namespace !== undefined ? ` in namespace "${namespace}"` : "";
  throw serverError("NotFound", `${kindPlural(kind)} "${name}" not found${where}`);
}

/** Every object of a kind in the namespace, by name (built-in GuestOSProfiles included unless overridden). */
async function listObjects(view: ClusterView, kind: Kind, namespace: string | undefined): Promise<unknown[]> {
  const stored = (await view.list(kind, namespace)) as readonly { metadata: { name: string } }[];
  const all = [...stored];
  if (kind === "GuestOSProfile") {
    const applied = new Set(stored.map((o) => o.metadata.name));
    all.push(...BUILTIN_GUEST_OS_PROFILES.filter((p) => !applied.has(p.metadata.name)));
  }
  return all.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/** The describe page of one object. */
async function describeObject(view: ClusterView, kind: Kind, object: unknown, color: boolean): Promise<string> {
  const allEvents = (await view.list("Event")) as readonly DeepReadonly<MemplaneEvent>[];
  const nowSeconds = view.ageNow;
  const context = (ref: Parameters<typeof eventsAbout>[1]): DescribeContext => ({ nowSeconds, color, events: eventsAbout(allEvents, ref) });
  const allVms = async (): Promise<readonly DeepReadonly<VirtualMachine>[]> =>
    [...((await view.list("VirtualMachine")) as readonly DeepReadonly<VirtualMachine>[])].sort(
      (a, b) => (a.metadata.namespace ?? "").localeCompare(b.metadata.namespace ?? "") || a.metadata.name.localeCompare(b.metadata.name),
    );
  switch (kind) {
    case "VirtualMachine": {
      const vm = object as DeepReadonly<VirtualMachine>;
      const profile = (await view.get("GuestOSProfile", vm.spec.guestOS)) as DeepReadonly<GuestOSProfile> | undefined;
      const hostState = ((await view.get("Host", vm.spec.hostName)) as DeepReadonly<Host> | undefined)?.status?.state;
      return describeVirtualMachine(vm, profile, { ...context({ kind, name: vm.metadata.name, namespace: vm.metadata.namespace }), hostState });
    }
    case "Host": {
      const host = object as DeepReadonly<Host>;
      const vms = (await allVms()).filter((vm) => vm.spec.hostName === host.metadata.name);
      return describeHost(host, vms, context({ kind, name: host.metadata.name }));
    }
    case "GuestOSProfile": {
      const profile = object as DeepReadonly<GuestOSProfile>;
      const users = (await allVms()).filter((vm) => vm.spec.guestOS === profile.metadata.name);
      return describeGuestOSProfile(profile, users, context({ kind, name: profile.metadata.name }));
    }
    case "Event":
      return describeEvent(object as DeepReadonly<MemplaneEvent>, nowSeconds);
    case "Scenario":
      return describeScenario(object as DeepReadonly<Scenario>, nowSeconds);
    default:
      // A kind without a describe page of its own: its fields as YAML.
      return toYaml(object);
  }
}
