/**
 * The policy registry is the one list of reclamation policies: the Host schema's `policy` enum,
 * compare's policies, the per-host policy controllers and their place in the tick all follow it.
 */
import { readFileSync } from "node:fs";
import { CONTROLLER_ORDER, POLICIES, TOKENS, createEngine, parsePolicyList, type Controller } from "memplane";
import { HOST_SCOPED_POLICIES, POLICY_NAMES, POLICY_REGISTRY, policyOf } from "../../src/policies/registry.js";

const hostSchema = JSON.parse(readFileSync(new URL("../../schemas/host.schema.json", import.meta.url), "utf8")) as {
  properties: { spec: { properties: { policy: { enum: string[] } } } };
};

describe("policy registry", () => {
  it("is what the Host schema's spec.policy enum allows, in the same order", () => {
    expect(hostSchema.properties.spec.properties.policy.enum).toEqual([...POLICY_NAMES]);
  });

  it("names every policy by its key and gives it words and sources", () => {
    for (const [key, policy] of Object.entries(POLICY_REGISTRY)) {
      expect(policy.name).toBe(key);
      expect(policyOf(key)).toBe(policy);
      expect(policy.title.length).toBeGreaterThan(0);
      expect(policy.summary.length).toBeGreaterThan(20);
      expect(policy.sources.length).toBeGreaterThan(0);
    }
    expect(policyOf("vbox")).toBeUndefined();
  });

  it("is what compare runs and accepts", () => {
    expect([...POLICIES]).toEqual([...POLICY_NAMES]);
    expect(parsePolicyList(POLICY_NAMES.join(","))).toEqual([...POLICY_NAMES]);
    expect(() => parsePolicyList("vbox")).toThrow(`expected one or more of ${POLICY_NAMES.join(", ")}`);
  });

  it("runs one controller per policy that decides per host, named after it, between entitlement and balloon", () => {
    const names = HOST_SCOPED_POLICIES.map((p) => p.name);
    expect(names).toEqual(["mom", "squeezed", "hyperv"]);
    const at = (n: string): number => CONTROLLER_ORDER.indexOf(n);
    for (const n of names) {
      expect(at(n)).toBeGreaterThan(at("entitlement"));
      expect(at(n)).toBeLessThan(at("balloon"));
    }
    const bound = createEngine().container.getAll<Controller>(TOKENS.Controller).map((c) => c.name);
    for (const n of names) expect(bound.filter((b) => b === n)).toHaveLength(1);
  });
});
