/**
 * `memplane validate -f PATH...` — parse and validate manifests, print every error, apply nothing.
 */
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { readManifests } from "../manifests.js";
import { filenameOption } from "../options.js";

/** Registers `validate` on the program. */
export function registerValidate(program: Command, ctx: CliContext): void {
  program
    .command("validate")
    .description("parse and validate manifests (files, directories, - for stdin); print every error; nothing is applied")
    .addOption(filenameOption(true))
    .addHelpText("after", "\nExamples:\n  memplane validate -f manifests/examples/seed-story\n  cat vm.yaml | memplane validate -f -\n")
    .action(async (opts: { filename: string[] }) => {
      const n = (await readManifests(opts.filename, ctx)).length;
      ctx.terminal().out(`${n} document${n === 1 ? "" : "s"} valid\n`);
    });
}
