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

/**
 * `?resourceVersion=N`: undefined when absent or empty, else a whole number ≥ 0 (400 otherwise;
 * memplane's resourceVersions are counters).
 */
export function resourceVersionParam(params: URLSearchParams): number | undefined {
  const values = params.getAll("resourceVersion");
  if (values.length === 0 || (values.length === 1 && values[0] === "")) return undefined;
  const value = values.length === 1 ? values[0]! : "";
  if (!/^\d{1,15}$/.test(value)) throw badRequest(`resourceVersion must be a resourceVersion this server handed out (a whole number), got ${describeValues(values)}`);
  return Number(value);
}

/** `?timeoutSeconds=N`: undefined when absent or 0, else milliseconds; 400 unless a whole number ≥ 0. */
export function timeoutSecondsParam(params: URLSearchParams): number | undefined {
  const values = params.getAll("timeoutSeconds");
  if (values.length === 0) return undefined;
  const value = values.length === 1 ? values[0]! : "";
  if (!/^\d{1,9}$/.test(value)) throw badRequest(`timeoutSeconds must be a whole number of seconds ≥ 0, got ${describeValues(values)}`);
  return Number(value) === 0 ? undefined : Number(value) * 1000;
}
