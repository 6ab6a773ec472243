/**
 * The OpenAPI documents `kubectl explain` reads: every kind's top-level fields carry a
 * description (the schemas leave `apiVersion`, `kind` and `spec` undescribed; explain printed
 * `DESCRIPTION: <empty>` for `vm.spec`), and what the schemas do describe is kept.
 */
import { MANIFEST_KINDS } from "../../src/api/kinds.js";
import { definitionName, openApiAnswer } from "../../src/server/openapi.js";

type Definition = { description?: string; properties: Record<string, { description?: string }> };

describe("OpenAPI top-level field descriptions", () => {
  const v3 = openApiAnswer("v3-group") as { components: { schemas: Record<string, Definition> } };
  const v2 = openApiAnswer("v2") as { definitions: Record<string, Definition> };

  test.each(MANIFEST_KINDS)("%s: apiVersion, kind and spec are described in v2 and v3", (kind) => {
    for (const definition of [v3.components.schemas[definitionName(kind)]!, v2.definitions[definitionName(kind)]!]) {
      expect(definition.properties.apiVersion!.description).toMatch(/^APIVersion defines the versioned schema/);
      expect(definition.properties.kind!.description).toContain(`: ${kind}.`);
      if (definition.properties.spec !== undefined) expect(definition.properties.spec.description).toMatch(new RegExp(`^Desired state of the ${kind}: `));
      expect(definition.properties.metadata!.description).toMatch(/^Object metadata/);
    }
  });

  test("a schema's own descriptions win", () => {
    const vm = v3.components.schemas[definitionName("VirtualMachine")]!;
    expect(vm.description).toBe("A virtual machine on a host (namespaced). See docs/manifests.md.");
    expect(vm.properties.status!.description).toMatch(/^Written by controllers/);
  });
});
