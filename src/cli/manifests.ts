/**
 * Reading `-f PATH...` for a command: files, directories, `-` for stdin. Any invalid document
 * fails the whole command with every error listed (`file:line:column field: message`), so
 * nothing is ever applied from a partly valid set.
 */
import type { ManifestObject } from "../api/types.js";
import type { CliContext } from "./context.js";
import { manifestErrorsToCliError } from "./error-report.js";
import { manifestModule } from "./lazy.js";

/** Loads, validates and defaults the manifests at `paths`; throws a CliError listing every error. */
export async function readManifests(paths: readonly string[], ctx: CliContext): Promise<ManifestObject[]> {
  const { loadManifests } = await manifestModule();
  const result = await loadManifests(paths, { stdin: ctx.readStdin });
  if (result.errors.length > 0) throw manifestErrorsToCliError(result.errors);
  return result.objects;
}
