/**
 * Types (src/api/types.ts) and schemas (schemas/*.json) must not drift. Three checks:
 * 1. Compile time (`npm run typecheck`): each field inventory below `satisfies` the field paths of
 *    its TS type, and the `Complete*` constants fail to compile when a TS field is missing from it.
 * 2. Run time: the property tree of each schema is exactly the inventory.
 * 3. Run time: a fully populated object typed as the TS type, and every defaulted object, validate.
 */
import { applyDefaults, type ManifestInput } from "../../../src/api/defaults.js";
import { DURATION_PATTERN } from "../../../src/api/duration.js";
import { PERCENT_STRING_PATTERN, QUANTITY_PATTERN } from "../../../src/api/quantity.js";
import type { GuestOSProfile, Host, ManifestKind, Scenario, VirtualMachine } from "../../../src/api/types.js";
import { kindSchema, readSchema, schemaValidator, type JsonSchema } from "../../../src/manifest/schemas.js";

type Join<P extends string, K extends string> = P extends "" ? K : `${P}.${K}`;
type SubPaths<V, P extends string> = V extends readonly (infer E)[]
  ? E extends object
    ? FieldPaths<E, `${P}[]`>
    : never
  : V extends object
    ? string extends keyof V
      ? never
      : FieldPaths<V, P>
    : never;
/** Every dotted field path of T (`spec.swap.capacity`, `spec.workload.phases[].after`). */
type FieldPaths<T, P extends string = ""> = {
  [K in keyof T & string]-?: Join<P, K> | SubPaths<NonNullable<T[K]>, Join<P, K>>;
}[keyof T & string];

type Authored<T> = Pick<T, "metadata" & keyof T> & { spec: T extends { spec: infer S } ? S : never };

const META = [
  "metadata",
  "metadata.name",
  "metadata.namespace",
  "metadata.labels",
  "metadata.annotations",
  "metadata.uid",
  "metadata.generation",
  "metadata.resourceVersion",
  "metadata.creationTimestamp",
  "metadata.managedFields",
] as const;

const HOST_FIELDS = [
  ...META,
  "spec",
  "spec.capacity",
  "spec.vmkernelReserved",
  "spec.minFree",
  "spec.memoryStates",
  "spec.memoryStates.clear",
  "spec.memoryStates.soft",
  "spec.memoryStates.hard",
  "spec.memoryStates.low",
  "spec.memoryStates.largePageBreak",
  "spec.memoryStates.hysteresis",
  "spec.memoryStates.holdSeconds",
  "spec.idleTax",
  "spec.ballooning",
  "spec.ballooning.enabled",
  "spec.ballooning.maxPercent",
  "spec.ballooning.appBalloonMaxSlack",
  "spec.ballooning.guestFloor",
  "spec.ballooning.inflateRate",
  "spec.ballooning.deflateRate",
  "spec.compression",
  "spec.compression.enabled",
  "spec.compression.maxPercent",
  "spec.swap",
  "spec.swap.capacity",
  "spec.swap.writeRate",
  "spec.swap.readRate",
  "spec.swap.swapInLatency",
  "spec.pageSharing",
  "spec.pageSharing.enabled",
  "spec.pageSharing.salting",
  "spec.pageSharing.largePages",
  "spec.pageSharing.scanMinutes",
  "spec.activeMemory",
  "spec.activeMemory.sampling",
  "spec.activeMemory.samplePages",
  "spec.policy",
] as const satisfies readonly FieldPaths<Authored<Host>>[];

const VM_FIELDS = [
  ...META,
  "spec",
  "spec.hostName",
  "spec.powerState",
  "spec.memory",
  "spec.vcpus",
  "spec.reservation",
  "spec.limit",
  "spec.shares",
  "spec.guestOS",
  "spec.tools",
  "spec.tools.installed",
  "spec.tools.balloonDriver",
  "spec.maxBalloon",
  "spec.guestSwap",
  "spec.overhead",
  "spec.workload",
  "spec.workload.allocated",
  "spec.workload.active",
  "spec.workload.compressibility",
  "spec.workload.zeroPages",
  "spec.workload.commonPages",
  "spec.workload.touchAllOnBoot",
  "spec.workload.phases",
  "spec.workload.phases[].after",
  "spec.workload.phases[].allocated",
  "spec.workload.phases[].active",
  "spec.workload.phases[].rampSeconds",
  "spec.dynamicMemory",
  "spec.dynamicMemory.enabled",
  "spec.dynamicMemory.startup",
  "spec.dynamicMemory.minimum",
  "spec.dynamicMemory.maximum",
  "spec.dynamicMemory.bufferPercent",
  "spec.dynamicMemory.weight",
] as const satisfies readonly FieldPaths<Authored<VirtualMachine>>[];

const PROFILE_FIELDS = [
  ...META,
  "spec",
  "spec.minimumMemory",
  "spec.touchAllOnBoot",
  "spec.description",
] as const satisfies readonly FieldPaths<Authored<GuestOSProfile>>[];

/** Scenario fields; an `apply` step's object is checked against its own kind's schema, so it is one opaque field here. */
const SCENARIO_FIELDS = [
  ...META,
  "spec",
  "spec.steps",
  "spec.steps[].after",
  "spec.steps[].apply",
  "spec.steps[].delete",
  "spec.steps[].delete.kind",
  "spec.steps[].delete.name",
  "spec.steps[].delete.namespace",
  "spec.steps[].patch",
  "spec.steps[].patch.kind",
  "spec.steps[].patch.name",
  "spec.steps[].patch.namespace",
  "spec.steps[].patch.spec",
  "spec.steps[].restart",
  "spec.steps[].restart.name",
  "spec.steps[].restart.namespace",
] as const satisfies readonly FieldPaths<Authored<Scenario>>[];

/** Compiles only when the inventory names every TS field (the error shows the missing ones). */
type Complete<T, Inventory extends readonly string[]> = [Exclude<FieldPaths<Authored<T>>, Inventory[number]>] extends [never]
  ? true
  : Exclude<FieldPaths<Authored<T>>, Inventory[number]>;
const completeHost: Complete<Host, typeof HOST_FIELDS> = true;
const completeVm: Complete<VirtualMachine, typeof VM_FIELDS> = true;
const completeProfile: Complete<GuestOSProfile, typeof PROFILE_FIELDS> = true;

/** Follows `$ref`s (local or into common.schema.json); returns the node and the document it is in. */
function deref(schema: JsonSchema, root: JsonSchema): [JsonSchema, JsonSchema] {
  const ref = schema.$ref as string | undefined;
  if (ref === undefined) return [schema, root];
  const [file, pointer] = ref.split("#") as [string, string];
  const doc = file === "" ? root : readSchema(file);
  const target = pointer
    .split("/")
    .filter(Boolean)
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], doc) as JsonSchema;
  return deref(target, doc);
}

/** Every property path of a schema (arrays of objects add `[]`), below `prefix`. */
function schemaPaths(schema: JsonSchema, from: JsonSchema, prefix: string): string[] {
  const [node, root] = deref(schema, from);
  const out: string[] = [];
  if (node.type === "array" && node.items) {
    const [items] = deref(node.items as JsonSchema, root);
    if (items.properties) out.push(...schemaPaths(node.items as JsonSchema, root, `${prefix}[]`));
    return out;
  }
  for (const [key, child] of Object.entries((node.properties ?? {}) as Record<string, JsonSchema>)) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    out.push(path, ...schemaPaths(child, root, path));
  }
  return out;
}

const INVENTORY: Record<ManifestKind, readonly string[]> = {
  Host: HOST_FIELDS,
  VirtualMachine: VM_FIELDS,
  GuestOSProfile: PROFILE_FIELDS,
  Scenario: SCENARIO_FIELDS,
};

describe("schemas agree with types.ts", () => {
  it("the compile-time completeness checks are in place", () => {
    expect([completeHost, completeVm, completeProfile]).toEqual([true, true, true]);
  });

  it.each(Object.keys(INVENTORY) as ManifestKind[])("%s: schema fields are exactly the typed fields", (kind) => {
    const schema = kindSchema(kind);
    const properties = schema.properties as Record<string, JsonSchema>;
    expect(Object.keys(properties).sort()).toEqual(["apiVersion", "kind", "metadata", "spec", "status"]);
    const paths = [
      "metadata",
      ...schemaPaths(properties.metadata!, schema, "metadata"),
      "spec",
      ...schemaPaths(properties.spec!, schema, "spec"),
    ];
    expect(paths.sort()).toEqual([...INVENTORY[kind]].sort());
  });

  it("every object schema forbids unknown fields", () => {
    const check = (node: unknown, where: string): void => {
      if (node === null || typeof node !== "object") return;
      const schema = node as JsonSchema;
      if (schema.properties) expect({ where, additionalProperties: schema.additionalProperties }).toEqual({ where, additionalProperties: false });
      for (const [key, child] of Object.entries(schema)) check(child, `${where}/${key}`);
    };
    for (const file of ["common.schema.json", "host.schema.json", "virtualmachine.schema.json", "guestosprofile.schema.json", "scenario.schema.json"]) {
      check(readSchema(file), file);
    }
  });

  it("the schema grammars are the parsers' grammars", () => {
    const defs = readSchema("common.schema.json").definitions as Record<string, JsonSchema>;
    expect(defs.quantity!.pattern).toBe(QUANTITY_PATTERN);
    expect(defs.duration!.pattern).toBe(DURATION_PATTERN);
    expect(String(defs.quantityOrPercent!.pattern).startsWith(QUANTITY_PATTERN)).toBe(true);
    // The schema's percent grammar is the parser's, narrowed to 0–100.
    for (const sample of ["0%", "50%", "100%", "12.5%", ".5%"]) {
      expect(new RegExp(PERCENT_STRING_PATTERN).test(sample)).toBe(true);
      expect(new RegExp(defs.percent!.pattern as string).test(sample)).toBe(true);
    }
    expect(new RegExp(defs.percent!.pattern as string).test("101%")).toBe(false);
  });

  const fullHost: Host = {
    apiVersion: "memplane.io/v1alpha1",
    kind: "Host",
    metadata: { name: "esx-01", labels: { "memplane.io/rack": "a1" }, annotations: { note: "n" }, uid: "u", generation: 1, resourceVersion: "1", creationTimestamp: "0s" },
    spec: {
      capacity: "64Gi",
      vmkernelReserved: "1Gi",
      minFree: "auto",
      memoryStates: { clear: 100, soft: 64, hard: 32, low: 16, largePageBreak: 400, hysteresis: 5, holdSeconds: 15 },
      idleTax: 75,
      ballooning: { enabled: true, maxPercent: 65, appBalloonMaxSlack: "16Mi", guestFloor: "seed", inflateRate: "64Mi", deflateRate: "64Mi" },
      compression: { enabled: true, maxPercent: 10 },
      swap: { capacity: "unlimited", writeRate: "256Mi", readRate: "256Mi", swapInLatency: "1ms" },
      pageSharing: { enabled: true, salting: true, largePages: true, scanMinutes: 60 },
      activeMemory: { sampling: true, samplePages: 100 },
      policy: "mom",
    },
  };
  const fullVm: VirtualMachine = {
    apiVersion: "memplane.io/v1alpha1",
    kind: "VirtualMachine",
    metadata: { name: "web-1", namespace: "prod", labels: { app: "web" } },
    spec: {
      hostName: "esx-01",
      powerState: "On",
      memory: "4Gi",
      vcpus: 2,
      reservation: "1Gi",
      limit: "3Gi",
      shares: 2000,
      guestOS: "rhel9",
      tools: { installed: true, balloonDriver: "slow" },
      maxBalloon: "2Gi",
      guestSwap: "4Gi",
      overhead: "40Mi",
      workload: {
        allocated: "2Gi",
        active: 40,
        compressibility: 50,
        zeroPages: 2,
        commonPages: 5,
        touchAllOnBoot: true,
        phases: [{ after: "5m", allocated: "75%", active: 80, rampSeconds: 60 }],
      },
    },
  };
  const fullProfile: GuestOSProfile = {
    apiVersion: "memplane.io/v1alpha1",
    kind: "GuestOSProfile",
    metadata: { name: "windows-11" },
    spec: { minimumMemory: "4Gi", touchAllOnBoot: true, description: "Windows 11" },
  };

  it.each([fullHost, fullVm, fullProfile])("a fully populated $kind validates", (obj) => {
    const validate = schemaValidator(obj.kind);
    expect(validate(obj) ? [] : validate.errors).toEqual([]);
  });

  it.each([fullHost, fullVm, fullProfile])("a defaulted $kind is valid input again", (obj) => {
    const defaulted = applyDefaults(obj as unknown as ManifestInput);
    const validate = schemaValidator(obj.kind);
    expect(validate(defaulted) ? [] : validate.errors).toEqual([]);
  });
});
