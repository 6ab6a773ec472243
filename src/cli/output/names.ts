/**
 * How objects are named in CLI output: `virtualmachine/web-1` (apply, delete, `-o name`) and the
 * plural resource names kubectl uses in messages (`virtualmachines "web-1" not found`).
 */
import { KIND_INFO } from "../../api/kinds.js";
import type { Kind } from "../../api/types.js";

/** The plural resource name of a kind, as in `kubectl get virtualmachines`. */
export function kindPlural(kind: Kind): string {
  return KIND_INFO[kind].plural;
}

/** `kind/name` as kubectl prints it after apply or delete: `virtualmachine/web-1`. */
export function objectRef(kind: string, name: string): string {
  return `${kind.toLowerCase()}/${name}`;
}
