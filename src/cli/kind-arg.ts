/**
 * The KIND argument of `get`, `delete`, `describe`, `explain` and `logs`: plural, singular and
 * short names, any case (`hosts`/`host`, `virtualmachines`/`vm`/`vms`, `guestosprofiles`/`os`,
 * `events`/`ev`); and `get`'s resource list, kubectl's two forms: `KIND [NAME...]` or
 * `KIND/NAME...` (`get vm/app host/esx-01`).
 */
import { ALL_KINDS, KIND_INFO, resolveKind } from "../api/kinds.js";
import type { Kind } from "../api/types.js";
import { UsageError } from "./errors.js";

/** What an unknown kind's message suggests. */
const KNOWN = ALL_KINDS.map((k) => {
  const info = KIND_INFO[k];
  return info.shortNames.length > 0 ? `${info.plural} (${info.shortNames.join(", ")})` : info.plural;
}).join(", ");

/**
 * Resolves a KIND argument or fails with a usage error (exit 2) listing the known kinds — the
 * same message whether the command reads a state directory or a server, since it is checked
 * before either is asked.
 */
export function resolveKindArg(name: string): Kind {
  const kind = resolveKind(name);
  if (!kind) throw new UsageError(`the server doesn't have a resource type "${name}"; known types: ${KNOWN}`);
  return kind;
}

/** One kind `get` reads, with the names asked for (undefined: list them all). */
export interface ResourceRequest {
  kind: Kind;
  names?: string[];
}

/**
 * `get`'s arguments as kubectl reads them: `vms`, `vms app db` (a kind, then names) or
 * `vm/app host/esx-01` (every argument KIND/NAME). Kinds keep the order they first appear in;
 * a name asked twice is read once.
 */
export function parseResourceArgs(args: readonly string[]): ResourceRequest[] {
  if (args.length === 0) throw new UsageError("name a kind, e.g. `memplane get vms` or `memplane get vm/web-1`");
  const slashed = args.filter((a) => a.includes("/"));
  if (slashed.length === 0) {
    const kind = resolveKindArg(args[0]!);
    return [args.length === 1 ? { kind } : { kind, names: [...new Set(args.slice(1))] }];
  }
  if (slashed.length !== args.length) {
    throw new UsageError(
      `there is no need to name a kind as a separate argument when passing arguments in KIND/NAME form (e.g. \`memplane get vm/web-1 host/esx-01\`); got ${args.join(" ")}`,
    );
  }
  const requests: ResourceRequest[] = [];
  for (const arg of args) {
    const parts = arg.split("/");
    if (parts.length !== 2 || parts[0] === "" || parts[1] === "") throw new UsageError(`"${arg}" is not KIND/NAME, e.g. vm/web-1 or host/esx-01`);
    const kind = resolveKindArg(parts[0]!);
    let request = requests.find((r) => r.kind === kind);
    if (!request) requests.push((request = { kind, names: [] }));
    if (!request.names!.includes(parts[1]!)) request.names!.push(parts[1]!);
  }
  return requests;
}
