/**
 * `memplane restart vm NAME... [-n NS]` — restart the guest OS of running VMs, as `kubectl
 * rollout restart` does for a deployment: it stamps the `memplane.io/restartedAt` annotation
 * with the simulated time, and the next tick restarts each guest (docs/manifests.md,
 * *Restarting a guest*). The VM stays powered on and keeps its host memory; on a hyperv host a
 * guest restarting with less than its startup memory available uses Smart Paging.
 */
import type { Command } from "commander";
import { restartManifest } from "../../api/restart.js";
import { formatSimTime } from "../../api/duration.js";
import { DEFAULT_NAMESPACE } from "../../api/types.js";
import type { CliContext } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { resolveKindArg } from "../kind-arg.js";
import { addServerOptions, addStateOption } from "../options.js";
import { objectRef } from "../output/names.js";
import { RemoteClient, type RemoteFlags } from "../remote/client.js";
import { WriteSession, openStateDirectory } from "../session.js";

/** Parsed flags of `restart`. */
interface RestartOptions {
  namespace?: string;
  state: string;
}

/** Registers `restart` on the program. */
export function registerRestart(program: Command, ctx: CliContext): void {
  const cmd = program
    .command("restart")
    .description("restart the guest OS of running VMs (stamps memplane.io/restartedAt; takes effect at the next tick)")
    .argument("<kind>", "virtualmachines (vm)")
    .argument("<names...>", "the VMs' names")
    .option("-n, --namespace <ns>", `namespace of the VMs (default "${DEFAULT_NAMESPACE}")`);
  addServerOptions(addStateOption(cmd, ctx.env))
    .addHelpText(
      "after",
      "\nThe VM stays powered on and keeps its reservation and host memory; its guest boots again (workload timeline,\nactive memory and guest swap start over). On a hyperv host a guest restarting with less than its startup\nmemory available uses Smart Paging until it has booted.\n\nExamples:\n  memplane restart vm web\n  memplane restart vm web db -n prod\n  memplane step --duration 2m && memplane logs --action Restarted,SmartPagingStarted\n",
    )
    .action(async (kindName: string, names: string[], opts: RestartOptions & RemoteFlags) => {
      if (resolveKindArg(kindName) !== "VirtualMachine") throw new UsageError(`restart works on virtual machines only (got "${kindName}"); e.g. memplane restart vm web`);
      const namespace = opts.namespace ?? DEFAULT_NAMESPACE;
      const term = ctx.terminal();
      const missing: string[] = [];
      const notFound = (name: string): string => `Error from server (NotFound): virtualmachines "${name}" not found in namespace "${namespace}"`;
      const remote = RemoteClient.fromFlags(opts, ctx.env);
      if (remote) {
        for (const name of names) {
          const { value, nowSeconds } = await remote.get("VirtualMachine", name, namespace);
          if (value === undefined) missing.push(notFound(name));
          else {
            await remote.apply([restartManifest(value as Parameters<typeof restartManifest>[0], formatSimTime(nowSeconds)) as never], false);
            term.out(`${objectRef("VirtualMachine", name)} restarted\n`);
          }
        }
      } else {
        const session = await WriteSession.open(openStateDirectory(opts.state, ctx.env), ctx.commandLine, {}, term, ctx.env);
        try {
          const engine = session.engine;
          const stamped: object[] = [];
          for (const name of names) {
            const vm = engine.store.get("VirtualMachine", name, namespace);
            if (vm === undefined) missing.push(notFound(name));
            else stamped.push(restartManifest(vm, formatSimTime(engine.timeSeconds)));
          }
          engine.apply(stamped);
          session.save();
          for (const o of stamped) term.out(`${objectRef("VirtualMachine", (o as { metadata: { name: string } }).metadata.name)} restarted\n`);
        } finally {
          session.close();
        }
      }
      if (missing.length > 0) throw new CliError(missing.join("\n"), 1, "");
    });
}
