/**
 * The fast manifest path (JSON.parse for JSON, YAML read without positions) must be invisible:
 * for every fixture and example — valid, malformed or hostile, YAML or JSON — reading with the
 * fast path gives exactly what the position-tracking path gives (same objects with the same key
 * order and prototypes, same errors, same sources). Valid inputs must really take the fast path.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import fc from "fast-check";
import * as yaml from "js-yaml";
import { serializeCluster } from "../../../src/cli/commands/generate.js";
import { generateCluster } from "../../../src/generate/cluster-generator.js";
import { countJsonKeys, looksLikeJson, readJsonValue } from "../../../src/manifest/fast-json.js";
import { ManifestCollector, type ManifestParseResult } from "../../../src/manifest/parse.js";
import { readYamlValues } from "../../../src/manifest/safe-yaml.js";

type Text = readonly [text: string, file: string];

function read(texts: readonly Text[], fastPath: boolean): ManifestParseResult {
  const collector = new ManifestCollector({}, { fastPath });
  for (const [text, file] of texts) collector.addText(text, file);
  return collector.result();
}

/** Reads with and without the fast path, expects the very same result, returns it. */
function sameBothWays(...texts: Text[]): ManifestParseResult {
  const fast = read(texts, true);
  const slow = read(texts, false);
  expect(fast).toStrictEqual(slow);
  expect(JSON.stringify(fast)).toBe(JSON.stringify(slow)); // key order too
  return fast;
}

/** True when the fast reader accepts the text (the collector would not fall back). */
function fastReaderAccepts(text: string, file: string): boolean {
  return looksLikeJson(text, file) ? readJsonValue(text) !== undefined : readYamlValues(text) !== undefined;
}

function manifestFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...manifestFiles(path));
    else if (/\.(ya?ml|json)$/i.test(name)) out.push(path);
  }
  return out;
}

const root = process.cwd();
const rel = (file: string): string => relative(root, file);
const validFiles = [...manifestFiles(join(root, "test/fixtures/valid")), ...manifestFiles(join(root, "manifests/examples"))];
const badFiles = [...manifestFiles(join(root, "test/fixtures/malformed")), ...manifestFiles(join(root, "test/fixtures/hostile"))];

/** A YAML text's documents (Lists flattened) as one JSON `kind: List` text (js-yaml's own reading of valid input). */
function asJsonList(text: string): string {
  const items = yaml
    .loadAll(text)
    .filter((d) => d !== null && d !== undefined)
    .flatMap((d) => ((d as { kind?: unknown }).kind === "List" ? (d as { items: unknown[] }).items : [d]));
  return JSON.stringify({ apiVersion: "v1", kind: "List", items }, null, 2);
}

const HOST = { apiVersion: "memplane.io/v1alpha1", kind: "Host", metadata: { name: "esx-01" }, spec: { capacity: "64Gi" } };
const VM = {
  apiVersion: "memplane.io/v1alpha1",
  kind: "VirtualMachine",
  metadata: { name: "web-1", labels: { app: "web" } },
  spec: { hostName: "esx-01", memory: "4Gi", reservation: "1Gi", workload: { allocated: "50%", phases: [{ after: "90s", allocated: "3Gi" }] } },
};
const json = (value: unknown): string => JSON.stringify(value);
const vmJson = json(VM);

describe("fast path: valid inputs", () => {
  it("finds the fixtures and examples", () => {
    expect(validFiles.length).toBeGreaterThanOrEqual(10);
    expect(badFiles.length).toBeGreaterThanOrEqual(100);
  });

  it.each(validFiles.map(rel))("%s: same objects both ways, read by the fast reader", (file) => {
    const text = readFileSync(join(root, file), "utf8");
    const result = sameBothWays([text, file]);
    expect(result.errors).toEqual([]);
    expect(result.objects.length).toBeGreaterThan(0);
    expect(fastReaderAccepts(text, file)).toBe(true);
  });

  it.each(validFiles.filter((f) => !f.endsWith(".json")).map(rel))("%s as JSON: same objects as the YAML", (file) => {
    const text = readFileSync(join(root, file), "utf8");
    const fromJson = sameBothWays([asJsonList(text), file.replace(/\.ya?ml$/, ".json")]);
    expect(fromJson.errors).toEqual([]);
    expect(fromJson.objects).toStrictEqual(read([[text, file]], true).objects);
    expect(readJsonValue(asJsonList(text))).toBeDefined();
  });

  it.each(["yaml", "json"] as const)("a generated cluster as %s", (format) => {
    const objects = generateCluster({ hosts: 3, vmsPerHost: 20, overcommit: 1.5, seed: 7 });
    const text = serializeCluster(objects, format);
    const result = sameBothWays([text, `cluster.${format}`]);
    expect(result.errors).toEqual([]);
    expect(result.objects).toHaveLength(objects.length);
    expect(fastReaderAccepts(text, `cluster.${format}`)).toBe(true);
  });

  it("JSON details YAML reads the same way: BOM, escapes, colons and quotes inside strings, numbers", () => {
    const tricky = {
      ...VM,
      metadata: { name: "web-1", annotations: { 'a"b:c': 'x\\":{"y": 1}', "ünï": "\u00e9\ud83d\ude00\\", slash: "a/b" } },
      spec: { ...VM.spec, vcpus: 2e0, memory: 4294967296 },
    };
    for (const text of ["\ufeff" + json(VM), json(tricky), JSON.stringify(tricky, null, "\t"), `  \r\n${vmJson}\r\n`]) {
      expect(sameBothWays([text, "x.json"]).errors).toEqual([]);
      expect(readJsonValue(text)).toBeDefined();
    }
  });

  it("keys named like Object.prototype members read the same from JSON and YAML", () => {
    const members = { toString: "a", valueOf: "b", hasOwnProperty: "c", isPrototypeOf: "d", propertyIsEnumerable: "e" };
    const withMembers = { ...VM, metadata: { name: "web-1", labels: members, annotations: members } };
    const text = json(withMembers);
    expect(readJsonValue(text)).toBeDefined();
    const fromJson = sameBothWays([text, "members.json"]);
    expect(fromJson.errors).toEqual([]);
    expect(fromJson.objects).toStrictEqual(sameBothWays([yaml.dump(withMembers), "members.yaml"]).objects);
    expect(sameBothWays([json({ ...VM, spec: { ...VM.spec, toString: 1 } }), "unknown.json"]).errors[0]!.message).toMatch(/unknown field "toString"/);
  });
});

describe("fast path: invalid inputs give the same errors", () => {
  it.each(badFiles.map(rel))("%s", (file) => {
    const text = readFileSync(join(root, file), "utf8");
    sameBothWays([text, file]);
  });

  const deep = (levels: number): string => `{"apiVersion":"memplane.io/v1alpha1","kind":"Host","metadata":{"name":"h","annotations":${'{"a":'.repeat(levels)}"x"${"}".repeat(levels)}},"spec":{"capacity":"1Gi"}}`;
  const cases: [name: string, text: string][] = [
    ["duplicate key", vmJson.replace('"kind":"VirtualMachine",', '"kind":"VirtualMachine","kind":"VirtualMachine",')],
    ["duplicate nested key", vmJson.replace('"memory":"4Gi"', '"memory":"4Gi","memory":"8Gi"')],
    ["duplicate label", vmJson.replace('"app":"web"', '"app":"web","app":"db"')],
    ["__proto__ at the top", vmJson.replace("{", '{"__proto__":{"polluted":true},')],
    ["__proto__ in labels", vmJson.replace('"app":"web"', '"__proto__":"x"')],
    ["constructor in spec", vmJson.replace('"memory"', '"constructor":{"prototype":1},"memory"')],
    ["prototype in a phase", vmJson.replace('"after":"90s"', '"prototype":1,"after":"90s"')],
    ["nested 40 deep (past the fast path's cap)", deep(40)],
    ["nested 70 deep", deep(70)],
    ["wrong types", json({ ...VM, spec: { ...VM.spec, memory: true, vcpus: "2" } })],
    ["unknown kind", json({ ...VM, kind: "VirtualMachin" })],
    ["wrong apiVersion", json({ ...VM, apiVersion: "v1" })],
    ["reservation above memory", json({ ...VM, spec: { ...VM.spec, reservation: "8Gi" } })],
    ["a number too large for a double", vmJson.replace('"vcpus"', '"x"').replace('"memory":"4Gi"', '"memory":1e400')],
    ["truncated", vmJson.slice(0, 80)],
    ["two objects", `${vmJson}\n${vmJson}`],
    ["empty object", "{}"],
    ["array of objects", `[${json(HOST)}, ${vmJson}]`],
    ["List without items", '{"apiVersion":"v1","kind":"List"}'],
    ["List with a bad item", `{"apiVersion":"v1","kind":"List","items":[${json(HOST)}, 5, ${json({ ...VM, spec: {} })}]}`],
    ["duplicate names in a List", `{"apiVersion":"v1","kind":"List","items":[${json(HOST)},\n${json(HOST)}]}`],
  ];
  it.each(cases)("%s", (_name, text) => {
    const result = sameBothWays([text, "bad.json"]);
    expect(result.errors.length).toBeGreaterThan(0);
  });

  // Not JSON, but YAML: the fast path declines and the YAML reader accepts them, as before.
  it.each([
    ["trailing comma", vmJson.replace(/}$/, ",}")],
    ["YAML flow mapping", "{apiVersion: memplane.io/v1alpha1, kind: Host, metadata: {name: h}, spec: {capacity: 1Gi}}"],
  ])("%s in a .json file is read as YAML", (_name, text) => {
    expect(readJsonValue(text)).toBeUndefined();
    expect(sameBothWays([text, "lenient.json"]).objects).toHaveLength(1);
  });

  it("a document over the node limit (a large JSON List)", () => {
    const items = Array.from({ length: 5000 }, (_, i) => ({ ...VM, metadata: { name: `vm-${i}`, labels: { app: "web" } } }));
    const text = json({ apiVersion: "v1", kind: "List", items });
    expect(readJsonValue(text)).toBeUndefined();
    expect(sameBothWays([text, "big.json"]).errors[0]!.message).toMatch(/more than 100000 nodes; split it into several documents or files/);
  });

  it.each([
    ["json", json(HOST), `{"apiVersion":"v1","kind":"List","items":[\n${vmJson},\n${json(HOST)}]}`],
    ["yaml", "# first\n---\n" + yaml.dump(HOST), yaml.dump(VM) + "---\n" + yaml.dump(HOST)],
  ])("a name taken by an earlier %s file points at that file's line", (format, first, second) => {
    const result = sameBothWays([first, `a.${format}`], [second, `b.${format}`]);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]!.message).toMatch(new RegExp(`first defined at a\\.${format}:\\d+:\\d+`));
  });
});

describe("countJsonKeys", () => {
  it("counts colons outside strings only", () => {
    expect(countJsonKeys('{"a:b": "c:d", "e": {"f": [1, "g:"]}}')).toBe(3);
    expect(countJsonKeys('{"a\\"": "\\\\", "b": "\\\\\\":"}')).toBe(2);
    expect(countJsonKeys("[]")).toBe(0);
  });
});

describe("looksLikeJson", () => {
  it("goes by the file name or the first character", () => {
    expect(looksLikeJson("kind: Host", "a.JSON")).toBe(true);
    expect(looksLikeJson("\ufeff \n {", "-")).toBe(true);
    expect(looksLikeJson("  [1]", "a.yaml")).toBe(true);
    expect(looksLikeJson("kind: Host", "a.yaml")).toBe(false);
    expect(looksLikeJson("", "a.yaml")).toBe(false);
  });
});

describe("fast path: mutated inputs (fast-check, seeded)", () => {
  const seeds: Text[] = [
    [JSON.stringify({ apiVersion: "v1", kind: "List", items: [HOST, VM] }, null, 2), "pretty.json"],
    [`{"apiVersion":"v1","kind":"List","items":[\n${json(HOST)},\n${vmJson}\n]}`, "lines.json"],
    [yaml.dump(HOST) + "---\n" + yaml.dump(VM), "two.yaml"],
    [yaml.dump(VM, { flowLevel: 2 }), "flow.yaml"],
  ];
  const tokens = [
    '"a":1,', '"kind":"Host",', '"name":"web-1",', '"__proto__":{},', '"constructor":1,', "\\", '\\"', '"', ":", ",", "{", "}", "[", "]",
    "1e400", "-0", "0.5", "\\u0000", "\ufeff", "\t", "\r\n", "\n", "#", "&a ", "*a", "!!str ", "---\n", "null", "true",
  ];
  const mutation = fc.oneof(
    fc.record({ op: fc.constant("insert" as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...tokens), fc.string({ maxLength: 6 })) }),
    fc.record({ op: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
    fc.record({ op: fc.constant("dupLine" as const), at: fc.nat() }),
  );
  const mutate = (text: string, ops: readonly { op: string; at: number; text?: string; length?: number }[]): string => {
    let t = text;
    for (const m of ops) {
      const at = m.at % (t.length + 1);
      if (m.op === "insert") t = t.slice(0, at) + m.text + t.slice(at);
      else if (m.op === "delete") t = t.slice(0, at) + t.slice(at + (m.length ?? 1));
      else {
        const lines = t.split("\n");
        const i = m.at % lines.length;
        lines.splice(i, 0, lines[i]!);
        t = lines.join("\n");
      }
    }
    return t;
  };

  it("both paths agree on every mutation of JSON and YAML manifests", () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 3 }), ([text, file], ops) => {
        const mutated = mutate(text, ops);
        expect(read([[mutated, file]], true)).toStrictEqual(read([[mutated, file]], false));
      }),
      { seed: 6, numRuns: 400 },
    );
  });
});
