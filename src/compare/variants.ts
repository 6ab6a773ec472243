/**
 * Building the variants of a comparison: another manifest set laid over the base (objects with
 * the same kind, namespace and name replace the base's; new ones are added), or the same
 * cluster with every host's reclamation policy rewritten.
 */
import { DEFAULT_NAMESPACE, NAMESPACED_KINDS, type Kind, type ManifestObject, type ReclamationPolicy } from "../api/types.js";
import { POLICY_NAMES } from "../policies/registry.js";

/** The reclamation policies a host can run (the policy registry's names, in its order). */
export const POLICIES: readonly ReclamationPolicy[] = POLICY_NAMES;

/** One run of a comparison: a name and the objects applied at the start. */
export interface CompareVariant {
  name: string;
  objects: readonly ManifestObject[];
}

/** Identity of an object for overlaying. */
function keyOf(o: ManifestObject): string {
  const ns = NAMESPACED_KINDS.has(o.kind as Kind) ? (o.metadata.namespace ?? DEFAULT_NAMESPACE) : "";
  return `${o.kind}/${ns}/${o.metadata.name}`;
}

/** The base with `overlay`'s objects replacing same-named ones and the rest appended, in base order. */
export function overlayObjects(base: readonly ManifestObject[], overlay: readonly ManifestObject[]): ManifestObject[] {
  const replacing = new Map(overlay.map((o) => [keyOf(o), o] as const));
  const out = base.map((o) => replacing.get(keyOf(o)) ?? o);
  const inBase = new Set(base.map(keyOf));
  for (const o of overlay) if (!inBase.has(keyOf(o))) out.push(o);
  return out;
}

/**
 * The objects with every Host's `spec.policy` set to `policy`, including Hosts a Scenario step
 * applies later (other objects are shared, not copied).
 */
export function withPolicy(objects: readonly ManifestObject[], policy: ReclamationPolicy): ManifestObject[] {
  return objects.map((o): ManifestObject => {
    if (o.kind === "Host") return { ...o, spec: { ...o.spec, policy } };
    if (o.kind !== "Scenario" || !o.spec.steps.some((s) => s.apply?.kind === "Host")) return o;
    const steps = o.spec.steps.map((s) => (s.apply?.kind === "Host" ? { ...s, apply: { ...s.apply, spec: { ...s.apply.spec, policy } } } : s));
    return { ...o, spec: { ...o.spec, steps } };
  });
}

/** One variant per policy of the same objects, named after the policy (or `prefix@policy`). */
export function policyVariants(objects: readonly ManifestObject[], policies: readonly ReclamationPolicy[], prefix?: string): CompareVariant[] {
  return policies.map((p) => ({ name: prefix === undefined ? p : `${prefix}@${p}`, objects: withPolicy(objects, p) }));
}

/** Parses a `--policy esxi,mom` list; throws a RangeError naming the unknown policy. */
export function parsePolicyList(text: string): ReclamationPolicy[] {
  const names = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (names.length === 0) throw new RangeError(`expected one or more of ${POLICIES.join(", ")}`);
  for (const n of names) {
    if (!(POLICIES as readonly string[]).includes(n)) throw new RangeError(`unknown policy "${n}"; expected one or more of ${POLICIES.join(", ")}`);
  }
  return [...new Set(names)] as ReclamationPolicy[];
}
