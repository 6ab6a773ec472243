/**
 * Names in request paths, checked by each kind's own rule (docs/manifests.md): namespaces and the names
 * of hosts, VMs and profiles are DNS-1123 labels; events are named `<object>.<reason>[.N]`
 * (`web-1.admitted`), so their names are DNS-1123 subdomains, as in Kubernetes. Both rules rule
 * out `..`, `/`, `%`, empty parts and anything else that could reach outside the store.
 */
import { KIND_INFO } from "../api/kinds.js";
import type { Kind } from "../api/types.js";
import { badRequest } from "./status.js";

/** A DNS-1123 label: lower-case alphanumerics and `-`, starting and ending alphanumeric, ≤ 63 characters. */
export const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A DNS-1123 subdomain: labels joined by `.`, ≤ 253 characters. */
export const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** True when `name` is a DNS-1123 label. */
export function isDns1123Label(name: string): boolean {
  return name.length <= 63 && DNS_1123_LABEL.test(name);
}

/** True when `name` is a DNS-1123 subdomain. */
export function isDns1123Subdomain(name: string): boolean {
  return name.length <= 253 && DNS_1123_SUBDOMAIN.test(name);
}

/** Which rule an object name of `kind` follows. */
export function nameRule(kind: Kind): "label" | "subdomain" {
  return KIND_INFO[kind].nameRule;
}

const RULE_TEXT = {
  label: "a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)",
  subdomain: "a DNS-1123 subdomain (DNS-1123 labels joined by '.', at most 253 characters)",
} as const;

/** Returns `name` or throws a 400 naming what is wrong with it; namespaces are always labels. */
export function checkName(name: string, what: "name" | "namespace", rule: "label" | "subdomain" = "label"): string {
  const ok = rule === "subdomain" ? isDns1123Subdomain(name) : isDns1123Label(name);
  if (!ok) {
    const shown = name.length > 80 ? name.slice(0, 80) + "…" : name;
    throw badRequest(`invalid ${what} ${JSON.stringify(shown)}: must be ${RULE_TEXT[rule]}`);
  }
  return name;
}
