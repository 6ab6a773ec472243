/**
 * Names in request paths. Object and namespace names must be DNS-1123 labels (api.md §1), which
 * also rules out `..`, `/`, `%` and anything else that could reach outside the store (or, in some
 * later change, the state directory).
 */
import { badRequest } from "./status.js";

/** A DNS-1123 label: lower-case alphanumerics and `-`, starting and ending alphanumeric, ≤ 63 characters. */
export const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** True when `name` is a DNS-1123 label. */
export function isDns1123Label(name: string): boolean {
  return name.length <= 63 && DNS_1123_LABEL.test(name);
}

/** Returns `name` or throws a 400 naming what is wrong with it. */
export function checkName(name: string, what: "name" | "namespace"): string {
  if (!isDns1123Label(name)) {
    throw badRequest(
      `invalid ${what} ${JSON.stringify(name)}: must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)`,
    );
  }
  return name;
}
