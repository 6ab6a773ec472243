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
import { DEFAULT_STATE_DIR } from "../../state/index.js";
import { RemoteClient, type RemoteFlags } from "../remote/client.js";
import { WriteSession, openStateDirectory, readEngine } from "../session.js";

/** One kubectl-style line per applied object. */
export function formatApplyOutcome(outcome: ApplyOutcome, dryRun: boolean): string {
  return `${objectRef(outcome.kind, outcome.name)} ${outcome.result}${dryRun ? " (dry run)" : ""}\n`;
}

/** Above this many objects `run` prints {@link applySummary} instead of a line per object. */
export const SUMMARY_ABOVE = 20;

/** The words a summary counts objects in. */
const SUMMARY_WORDS: Record<string, [one: string, many: string]> = {
  Host: ["host", "hosts"],
  VirtualMachine: ["VM", "VMs"],
  GuestOSProfile: ["guest OS profile", "guest OS profiles"],
  Scenario: ["scenario", "scenarios"],
};

/** `n word(s)`. */
const count = (n: number, [one, many]: [string, string]): string => `${n} ${n === 1 ? one : many}`;

/**
 * One line for many applied objects: `10100 objects created (100 hosts, 10000 VMs)`, or with
 * mixed results `120 objects: 100 created, 20 unchanged (20 hosts, 100 VMs)`.
 */
export function applySummary(outcomes: readonly ApplyOutcome[]): string {
  const results = new Map<string, number>();
  const kinds = new Map<string, number>();
  for (const o of outcomes) {
    results.set(o.result, (results.get(o.result) ?? 0) + 1);
    kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);
  }
  const byKind = [...kinds].map(([kind, n]) => count(n, SUMMARY_WORDS[kind] ?? [kind.toLowerCase(), kind.toLowerCase() + "s"])).join(", ");
  const total = count(outcomes.length, ["object", "objects"]);
  const what = results.size === 1 ? `${total} ${[...results.keys()][0]}` : `${total}: ${[...results].map(([r, n]) => `${n} ${r}`).join(", ")}`;
  return `${what} (${byKind})\n`;
}

/**
 * The hint `apply` prints on stderr (stdout stays one line per object for scripts) when it
 * created or changed objects of a saved simulation: their status comes with the next tick.
 */
export function statusHint(outcomes: readonly ApplyOutcome[], stateArg: string, env: NodeJS.ProcessEnv): string | undefined {
  if (!outcomes.some((o) => o.result === "created" || o.result === "configured")) return undefined;
  const stateFlag = stateArg === (env.MEMPLANE_STATE || DEFAULT_STATE_DIR) ? "" : ` --state ${stateArg}`;
  return `hint: status is filled in at the next tick: memplane step${stateFlag}\n`;
}

/** Registers `apply` on the program. */
export function registerApply(program: Command, ctx: CliContext): void {
  const cmd = program
    .command("apply")
    .description("create or update objects from manifests; all-or-nothing: one invalid document applies nothing")
    .addOption(filenameOption(true))
    .option("--dry-run", "show what would change; save nothing", false);
  addServerOptions(addStateOption(cmd, ctx.env))
    .addHelpText("after", "\nStatus (phase, consumed, balloon…) is filled in at the next tick: `memplane step` after apply (a server ticks by itself). The hint saying so goes to stderr.\n\nExamples:\n  memplane apply -f manifests/examples/seed-story\n  memplane apply -f web.yaml --dry-run\n")
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
      const hint = remote || opts.dryRun ? undefined : statusHint(outcomes, opts.state, ctx.env);
      if (hint !== undefined) term.err(hint);
    });
}
