/**
 * The registry of reclamation policies: every policy a host can run (`spec.policy`), by name.
 * The `spec.policy` type (`ReclamationPolicy`), compare's policy list, the per-host policy
 * controllers (`mom`, `squeezed`) and their place in the tick, and explain's words all come from
 * here; a test checks the Host schema's enum against it. Adding a policy is one folder under
 * src/policies/ and one line below (docs/policies.md, "Adding a policy").
 */
import { esxiPolicy } from "./esxi/index.js";
import { hypervPolicy } from "./hyperv/index.js";
import { momPolicy } from "./mom/index.js";
import { isHostScoped, type HostScopedPolicy, type PolicyPlugin } from "./policy.js";
import { squeezedPolicy } from "./squeezed/index.js";

/** Every policy by its `spec.policy` name, in the order compare runs them; `esxi` is the default. */
export const POLICY_REGISTRY = {
  esxi: esxiPolicy,
  mom: momPolicy,
  squeezed: squeezedPolicy,
  hyperv: hypervPolicy,
} as const satisfies Readonly<Record<string, PolicyPlugin>>;

declare module "../api/types.js" {
  // The names of the registry become the `spec.policy` type (api/types.ts imports nothing above it).
  interface ReclamationPolicies extends Record<keyof typeof POLICY_REGISTRY, PolicyPlugin> {}
}

/** A policy name (the same type as `ReclamationPolicy`). */
export type PolicyName = keyof typeof POLICY_REGISTRY;

/** Every policy name, in registry order. */
export const POLICY_NAMES: readonly PolicyName[] = Object.keys(POLICY_REGISTRY) as PolicyName[];

const BY_NAME: ReadonlyMap<string, PolicyPlugin> = new Map(Object.entries(POLICY_REGISTRY));

/** The policy a host runs, by its `spec.policy` (undefined for a name no policy has). */
export function policyOf(name: string): PolicyPlugin | undefined {
  return BY_NAME.get(name);
}

/** The policies that decide balloon targets per host, in registry order: each runs as a controller of its own name. */
export const HOST_SCOPED_POLICIES: readonly HostScopedPolicy[] = Object.values(POLICY_REGISTRY).filter(isHostScoped);
