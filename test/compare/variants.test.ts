/** Building comparison variants: overlays replace same-named objects, policies reach Scenario-applied hosts. */
import { parseManifestTextOrThrow } from "../../src/manifest/index.js";
import { overlayObjects, parsePolicyList, withPolicy } from "../../src/compare/variants.js";

const BASE = parseManifestTextOrThrow(
  `apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: h1}
spec: {capacity: 8Gi}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: a}
spec: {hostName: h1, memory: 1Gi}
---
apiVersion: memplane.io/v1alpha1
kind: Scenario
metadata: {name: s}
spec:
  steps:
    - after: 1m
      apply: {apiVersion: memplane.io/v1alpha1, kind: Host, metadata: {name: h2}, spec: {capacity: 4Gi}}
`,
  "base.yaml",
);

test("an overlay replaces same-named objects in place and appends new ones", () => {
  const overlay = parseManifestTextOrThrow(
    `apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: a}
spec: {hostName: h1, memory: 2Gi}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: b, namespace: other}
spec: {hostName: h1, memory: 1Gi}
`,
    "variant.yaml",
  );
  const out = overlayObjects(BASE, overlay);
  expect(out.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(["Host/h1", "VirtualMachine/a", "Scenario/s", "VirtualMachine/b"]);
  expect(out[1]!.kind === "VirtualMachine" && out[1]!.spec.memory).toBe("2Gi");
  expect(BASE[1]!.kind === "VirtualMachine" && BASE[1]!.spec.memory).toBe("1Gi"); // base untouched
});

test("withPolicy rewrites every Host, including one a Scenario applies later", () => {
  const out = withPolicy(BASE, "squeezed");
  expect(out[0]!.kind === "Host" && out[0]!.spec.policy).toBe("squeezed");
  const scenario = out[2]!;
  expect(scenario.kind === "Scenario" && scenario.spec.steps[0]!.apply?.kind === "Host" && scenario.spec.steps[0]!.apply.spec.policy).toBe("squeezed");
  expect(BASE[0]!.kind === "Host" && BASE[0]!.spec.policy).toBe("esxi");
  expect(out[1]).toBe(BASE[1]); // untouched objects are shared
});

test("policy lists", () => {
  expect(parsePolicyList("mom, esxi,mom")).toEqual(["mom", "esxi"]);
  expect(() => parsePolicyList("esxi,xen")).toThrow(/unknown policy "xen"/);
  expect(() => parsePolicyList(" , ")).toThrow(RangeError);
});
