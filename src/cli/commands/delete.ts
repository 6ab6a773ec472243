/**
 * `memplane delete (-f PATH... | KIND NAME) [--ignore-not-found]` — delete objects from the saved
 * simulation. Every object that exists is deleted; a missing one is an error (exit 1) unless
 * `--ignore-not-found`.
 */
import type { Command } from "commander";
import { DEFAULT_NAMESPACE, NAMESPACED_KINDS, type Kind } from "../../api/types.js";
import type { CliContext } from "../context.js";
import { readManifests } from "../manifests.js";
import { CliError, UsageError } from "../errors.js";
import { resolveKindArg } from "../kind-arg.js";
import { addServerOptions, addStateOption, filenameOption } from "../options.js";
import { kindPlural, objectRef } from "../output/names.js";
import { RemoteClient, type RemoteFlags } from "../remote/client.js";
import { WriteSession, openStateDirectory } from "../session.js";

/** Parsed flags of `delete`. */
interface DeleteOptions {
  filename?: string[];
  namespace?: string;
  ignoreNotFound: boolean;
  state: string;
}

/** One object to delete. */
interface Target {
  kind: Kind;
  name: string;
  namespace?: string;
}

/** Registers `delete` on the program. */
export function registerDelete(program: Command, ctx: CliContext): void {
  const cmd = program
    .command("delete")
    .description("delete objects named in manifests (-f) or by KIND NAME")
    .argument("[kind]", "hosts | virtualmachines | guestosprofiles | events")
    .argument("[name]", "the object's name")
    .addOption(filenameOption(false))
    .option("-n, --namespace <ns>", `namespace of namespaced kinds (default "${DEFAULT_NAMESPACE}")`)
    .option("--ignore-not-found", "treat a missing object as deleted", false);
  addServerOptions(addStateOption(cmd, ctx.env))
    .addHelpText("after", "\nExamples:\n  memplane delete vm web-1\n  memplane delete -f web.yaml\n  memplane delete host esx-02 --ignore-not-found\n")
    .action(async (kindName: string | undefined, name: string | undefined, opts: DeleteOptions & RemoteFlags) => {
      const targets = await resolveTargets(kindName, name, opts, ctx);
      const term = ctx.terminal();
      const remote = RemoteClient.fromFlags(opts, ctx.env);
      if (remote) {
        const missing: string[] = [];
        for (const t of targets) {
          if (await remote.delete(t.kind, t.name, t.namespace)) term.out(`${objectRef(t.kind, t.name)} deleted\n`);
          else if (!opts.ignoreNotFound) missing.push(notFoundMessage(t));
        }
        if (missing.length > 0) throw new CliError(missing.join("\n"), 1, "");
        return;
      }
      const session = await WriteSession.open(openStateDirectory(opts.state, ctx.env), ctx.commandLine, {}, term, ctx.env);
      const missing: string[] = [];
      try {
        for (const t of targets) {
          if (session.engine.delete(t.kind, t.name, t.namespace)) term.out(`${objectRef(t.kind, t.name)} deleted\n`);
          else if (!opts.ignoreNotFound) missing.push(notFoundMessage(t));
        }
        session.save();
      } finally {
        session.close();
      }
      if (missing.length > 0) throw new CliError(missing.join("\n"), 1, "");
    });
}

/** kubectl's NotFound line for a target. */
function notFoundMessage(t: Target): string {
  const where = NAMESPACED_KINDS.has(t.kind) ? ` in namespace "${t.namespace ?? DEFAULT_NAMESPACE}"` : "";
  return `Error from server (NotFound): ${kindPlural(t.kind)} "${t.name}" not found${where}`;
}

/** The objects named by `-f` or by KIND NAME (exactly one of the two). */
async function resolveTargets(kindName: string | undefined, name: string | undefined, opts: DeleteOptions, ctx: CliContext): Promise<Target[]> {
  if (opts.filename && kindName !== undefined) throw new UsageError("give either -f PATH... or KIND NAME, not both");
  if (opts.filename) {
    return (await readManifests(opts.filename, ctx)).map((o) => ({ kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace }));
  }
  if (kindName === undefined || name === undefined) throw new UsageError("give -f PATH... or KIND NAME (e.g. memplane delete vm web-1)");
  const kind = resolveKindArg(kindName);
  return [{ kind, name, namespace: NAMESPACED_KINDS.has(kind) ? (opts.namespace ?? DEFAULT_NAMESPACE) : undefined }];
}
