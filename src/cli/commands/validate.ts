/**
 * `memplane validate -f PATH...` — parse and validate manifests, print every error, apply nothing.
 */
import type { Command } from "commander";
import { loadManifests } from "../../manifest/index.js";
import type { CliContext } from "../context.js";
import { manifestErrorsToCliError } from "../error-report.js";
import { filenameOption } from "../options.js";

/** Registers `validate` on the program. */
export function registerValidate(program: Command, ctx: CliContext): void {
  program
    .command("validate")
    .description("parse and validate manifests (files, directories, - for stdin); print every error; nothing is applied")
    .addOption(filenameOption(true))
    .addHelpText("after", "\nExamples:\n  memplane validate -f manifests/examples/seed-story\n  cat vm.yaml | memplane validate -f -\n")
    .action(async (opts: { filename: string[] }) => {
      const result = await loadManifests(opts.filename, { stdin: ctx.readStdin });
      if (result.errors.length > 0) throw manifestErrorsToCliError(result.errors);
      const n = result.objects.length;
      ctx.terminal().out(`${n} document${n === 1 ? "" : "s"} valid\n`);
    });
}
