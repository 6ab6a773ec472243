/**
 * `memplane apply -f PATH... [--dry-run]` — create or update objects in the saved simulation,
 * all-or-nothing: one invalid document applies nothing. Prints `host/esx-01 created`,
 * `virtualmachine/web-1 configured`, `… unchanged` like kubectl.
 */
import type { Command } from "commander";
import type { ApplyOutcome } from "../../store/types.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { readManifests } from "../manifests.js";
import { applyValidated } from "../../engine/apply-validated.js";
import { addServerOptions, addStateOption, filenameOption } from "../options.js";
import { objectRef } from "../output/names.js";
import { RemoteClient, type RemoteFlags } from "../remote/client.js";
import { WriteSession, openStateDirectory, readEngine } from "../session.js";

/** One kubectl-style line per applied object. */
export function formatApplyOutcome(outcome: ApplyOutcome, dryRun: boolean): string {
  return `${objectRef(outcome.kind, outcome.name)} ${outcome.result}${dryRun ? " (dry run)" : ""}\n`;
}

/** Registers `apply` on the program. */
export function registerApply(program: Command, ctx: CliContext): void {
  const cmd = program
    .command("apply")
    .description("create or update objects from manifests; all-or-nothing: one invalid document applies nothing")
    .addOption(filenameOption(true))
    .option("--dry-run", "show what would change; save nothing", false);
  addServerOptions(addStateOption(cmd, ctx.env))
    .addHelpText("after", "\nExamples:\n  memplane apply -f manifests/examples/seed-story\n  memplane apply -f web.yaml --dry-run\n")
    .action(async (opts: { filename: string[]; dryRun: boolean; state: string } & RemoteFlags) => {
      const term = ctx.terminal();
      const objects = await readManifests(opts.filename, ctx);
      if (objects.length === 0) throw new CliError(`no objects passed to apply (${opts.filename.join(", ")} held no documents)`);
      const state = openStateDirectory(opts.state, ctx.env);
      let outcomes: ApplyOutcome[];
      const remote = RemoteClient.fromFlags(opts, ctx.env);
      if (remote) {
        outcomes = await remote.apply(objects, opts.dryRun);
      } else if (opts.dryRun) {
        outcomes = applyValidated(await readEngine(state), objects);
      } else {
        const session = await WriteSession.open(state, ctx.commandLine, {}, term, ctx.env);
        try {
          outcomes = applyValidated(session.engine, objects);
          session.save();
        } finally {
          session.close();
        }
      }
      for (const outcome of outcomes) term.out(formatApplyOutcome(outcome, opts.dryRun));
    });
}
