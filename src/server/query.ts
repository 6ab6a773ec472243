/**
 * Query parameters that switch behaviour (`watch`, `follow`, `dryRun`), parsed strictly: a value
 * the server does not understand is a 400, never a guess — `?dryRun=false` must not be a dry
 * run, and `?dryRun=yes` must not be a write.
 */
import { badRequest } from "./status.js";

const TRUE = new Set(["true", "1"]);
const FALSE = new Set(["false", "0"]);

/** `?NAME=true|1` → true, `?NAME=false|0` or absent → false; anything else is a 400. */
export function booleanParam(params: URLSearchParams, name: string): boolean {
  const values = params.getAll(name);
  if (values.length === 0) return false;
  const value = values.length === 1 ? values[0]!.toLowerCase() : undefined;
  if (value !== undefined && TRUE.has(value)) return true;
  if (value !== undefined && FALSE.has(value)) return false;
  throw badRequest(`${name} must be true, 1, false or 0, got ${describeValues(values)}`);
}

/**
 * Kubernetes' `?dryRun=All` (also `true` or `1`) → true; `false`, `0` or absent → false;
 * anything else is a 400.
 */
export function dryRunParam(params: URLSearchParams): boolean {
  const values = params.getAll("dryRun");
  if (values.length === 0) return false;
  const value = values.length === 1 ? values[0]!.toLowerCase() : undefined;
  if (value === "all" || (value !== undefined && TRUE.has(value))) return true;
  if (value !== undefined && FALSE.has(value)) return false;
  throw badRequest(`dryRun must be All (or true, 1) for a dry run, or false (0) for a real one, got ${describeValues(values)}`);
}

/** The values as the message shows them: quoted, and short. */
function describeValues(values: readonly string[]): string {
  const shown = values.slice(0, 3).map((v) => JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v));
  return shown.join(", ") + (values.length > 3 ? ", …" : "");
}
