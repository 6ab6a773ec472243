import {
  formatManifestError,
  ManifestValidationError,
  parseManifestText,
  parseManifestTextOrThrow,
  validateManifestObjects,
  validateManifestObjectsOrThrow,
} from "../../../src/manifest/index.js";
import type { Host, VirtualMachine } from "../../../src/api/types.js";

const header = (kind: string, name = "web-1") => `apiVersion: memplane.io/v1alpha1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n`;

function errorsOf(text: string): string[] {
  return parseManifestText(text, "web.yaml").errors.map(formatManifestError);
}

describe("validation messages and positions", () => {
  it("points at the offending value with file:line:column and the field path", () => {
    expect(errorsOf(`${header("VirtualMachine")}  hostName: esx-01\n  memory: 2Gi\n  reservation: 3Gi\n`)).toEqual([
      "web.yaml:8:16 spec.reservation: must not exceed spec.memory (3Gi > 2Gi)",
    ]);
  });

  it("points at the key of an unknown field and suggests the known one", () => {
    expect(errorsOf(`${header("VirtualMachine")}  hostName: esx-01\n  memroy: 2Gi\n`)).toEqual([
      'web.yaml:5:1 spec.memory: missing required field "memory"',
      'web.yaml:7:3 spec.memroy: unknown field "memroy" (did you mean "memory"?)',
    ]);
  });

  it("reports every error of a document, not only the first", () => {
    const text = `${header("Host", "ESX")}  capacity: 64 GB\n  idleTax: 100\n  ballooning:\n    maxPercent: -1\n    enabledd: true\n  policy: ESXi\n`;
    expect(errorsOf(text)).toEqual([
      "web.yaml:4:9 metadata.name: must be a DNS-1123 label: lowercase letters, digits and \"-\", starting and ending with a letter or digit, at most 63 characters (got \"ESX\")",
      expect.stringMatching(/^web\.yaml:6:13 spec\.capacity: must be a memory quantity such as 512Mi, .*non-negative.* \(got "64 GB"\)$/),
      "web.yaml:7:12 spec.idleTax: must be at most 99 (got 100)",
      "web.yaml:9:17 spec.ballooning.maxPercent: must be at least 0 (got -1)",
      'web.yaml:10:5 spec.ballooning.enabledd: unknown field "enabledd" (did you mean "enabled"?)',
      'web.yaml:11:11 spec.policy: must be one of esxi, mom, squeezed, hyperv (got "ESXi") (did you mean "esxi"?)',
    ]);
  });

  it("points into flow mappings and quoted values", () => {
    const text = `${header("VirtualMachine")}  hostName: esx-01\n  memory: "2Gi"\n  workload: {active: "120%", allocated: 1Gi}\n`;
    expect(errorsOf(text)).toEqual([
      'web.yaml:8:22 spec.workload.active: must be a percentage from 0 to 100: a number or a string like "50%" (got "120%")',
    ]);
  });

  it("names the known kinds and apiVersion", () => {
    expect(errorsOf("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n")).toEqual([
      'web.yaml:1:13 apiVersion: unknown apiVersion "v1" (expected memplane.io/v1alpha1)',
      'web.yaml:2:7 kind: unknown kind "Pod"; known kinds: Host, VirtualMachine, GuestOSProfile, Scenario',
    ]);
    expect(errorsOf("metadata: {name: x}\n")).toEqual([
      "web.yaml:1:1 apiVersion: missing required field \"apiVersion\" (use memplane.io/v1alpha1)",
      "web.yaml:1:1 kind: missing required field \"kind\" (known kinds: Host, VirtualMachine, GuestOSProfile, Scenario)",
    ]);
  });

  it("checks limit ≥ reservation and memory > 0", () => {
    expect(errorsOf(`${header("VirtualMachine")}  hostName: esx-01\n  memory: 0\n  reservation: 1Gi\n  limit: 512Mi\n`)).toEqual([
      "web.yaml:7:11 spec.memory: must be greater than 0",
      "web.yaml:8:16 spec.reservation: must not exceed spec.memory (1Gi > 0)",
      "web.yaml:9:10 spec.limit: must not be less than spec.reservation (512Mi < 1Gi)",
    ]);
  });

  it("checks appBalloonMaxSlack bounds at both ends", () => {
    for (const [slack, ok] of [["512Ki", false], ["1Mi", true], ["256Mi", true], ["257Mi", false]] as const) {
      const errors = errorsOf(`${header("Host", "esx-01")}  capacity: 8Gi\n  ballooning: {appBalloonMaxSlack: ${slack}}\n`);
      expect(errors.length === 0).toBe(ok);
      if (!ok) expect(errors[0]).toMatch(/spec\.ballooning\.appBalloonMaxSlack: must be between 1Mi and 256Mi/);
    }
  });

  it("accepts the bounds of percentages and idle tax", () => {
    const text = `${header("Host", "esx-01")}  capacity: 8Gi\n  idleTax: 0\n  ballooning: {maxPercent: 100}\n  compression: {maxPercent: 0}\n`;
    expect(errorsOf(text)).toEqual([]);
    const vm = `${header("VirtualMachine")}  hostName: esx-01\n  memory: 1Gi\n  shares: 1\n  workload: {active: 0, compressibility: "100%", allocated: "100%"}\n`;
    expect(errorsOf(vm)).toEqual([]);
    expect(errorsOf(vm.replace("shares: 1", "shares: 0"))).toEqual([expect.stringMatching(/spec\.shares: must be low, normal, high or a positive integer \(got 0\)/)]);
    expect(errorsOf(vm.replace("shares: 1", "shares: 1.5"))).toEqual([expect.stringMatching(/spec\.shares: must be low/)]);
  });

  it("validates label keys and values", () => {
    const text = "apiVersion: memplane.io/v1alpha1\nkind: Host\nmetadata:\n  name: esx-01\n  labels:\n    'bad key!': x\n    ok: 'bad value!'\nspec: {capacity: 8Gi}\n";
    expect(errorsOf(text).map((e) => e.split(": ")[0])).toEqual(['web.yaml:6:5 metadata.labels["bad key!"]', "web.yaml:7:9 metadata.labels.ok"]);
  });

  it("returns validated, defaulted objects", () => {
    const result = parseManifestText(`${header("VirtualMachine")}  hostName: esx-01\n  memory: 1.5Gi\n`, "web.yaml");
    expect(result.errors).toEqual([]);
    const vm = result.objects[0] as VirtualMachine;
    expect(vm.spec.memory).toBe("1536Mi");
    expect(vm.metadata.namespace).toBe("default");
    expect(vm.spec.workload.allocated).toBe("25%");
  });
});

describe("strict helpers and object input", () => {
  it("parseManifestTextOrThrow throws one ManifestValidationError holding every error", () => {
    const text = `${header("VirtualMachine")}  hostName: esx-01\n  memory: 2Gi\n  reservation: 3Gi\n  vcpus: 0\n`;
    let thrown: unknown;
    try {
      parseManifestTextOrThrow(text, "web.yaml");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ManifestValidationError);
    const e = thrown as ManifestValidationError;
    expect(e.errors).toHaveLength(2);
    expect(e.message).toBe(
      "web.yaml:8:16 spec.reservation: must not exceed spec.memory (3Gi > 2Gi)\nweb.yaml:9:10 spec.vcpus: must be at least 1 (got 0)",
    );
    expect(parseManifestTextOrThrow(`${header("Host", "esx-01")}  capacity: 1Gi\n`, "h.yaml")).toHaveLength(1);
  });

  it("validates plain objects (engine.apply(objects)) with field paths", () => {
    const host = { apiVersion: "memplane.io/v1alpha1", kind: "Host", metadata: { name: "esx-01" }, spec: { capacity: 1073741824 } };
    const ok = validateManifestObjects([host]);
    expect(ok.errors).toEqual([]);
    expect((ok.objects[0] as Host).spec.capacity).toBe("1Gi");
    const bad = validateManifestObjects({ ...host, spec: { capacity: "lots" } });
    expect(bad.errors.map(formatManifestError)).toEqual([expect.stringMatching(/^<objects> spec\.capacity: must be a memory quantity/)]);
    const list = validateManifestObjects({ apiVersion: "v1", kind: "List", items: [host, { ...host, spec: {} }] }, "api");
    expect(list.errors.map(formatManifestError)).toEqual([
      'api items[1].spec.capacity: missing required field "capacity"',
    ]);
    expect(() => validateManifestObjectsOrThrow([host, host])).toThrow(/duplicate Host "esx-01"/);
  });

  it("rejects a __proto__ key in plain objects", () => {
    const evil = JSON.parse('{"apiVersion":"memplane.io/v1alpha1","kind":"Host","metadata":{"name":"a"},"spec":{"capacity":"1Gi","__proto__":{"x":1}}}');
    expect(validateManifestObjects(evil).errors.map(formatManifestError)).toEqual([
      expect.stringMatching(/^<objects> spec\.__proto__: forbidden key "__proto__"/),
    ]);
  });
});
