/**
 * The KIND argument of `get` and `delete`: plural, singular and short names, any case
 * (`hosts`/`host`, `virtualmachines`/`vm`/`vms`, `guestosprofiles`/`os`, `events`/`ev`).
 */
import { ALL_KINDS, KIND_INFO, resolveKind } from "../api/kinds.js";
import type { Kind } from "../api/types.js";
import { CliError } from "./errors.js";

/** What an unknown kind's message suggests. */
const KNOWN = ALL_KINDS.map((k) => {
  const info = KIND_INFO[k];
  return info.shortNames.length > 0 ? `${info.plural} (${info.shortNames.join(", ")})` : info.plural;
}).join(", ");

/** Resolves a KIND argument or fails with a message listing the known kinds. */
export function resolveKindArg(name: string): Kind {
  const kind = resolveKind(name);
  if (!kind) throw new CliError(`the server doesn't have a resource type "${name}"; known types: ${KNOWN}`);
  return kind;
}
