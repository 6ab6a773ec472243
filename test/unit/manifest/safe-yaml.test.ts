import { parseManifestText, readYamlDocuments } from "../../../src/manifest/index.js";

const VM = "apiVersion: memplane.io/v1alpha1\nkind: VirtualMachine\nmetadata: {name: web-1}\nspec:\n  hostName: esx-01\n  memory: 2Gi\n";

describe("safe YAML", () => {
  it("builds values with the YAML 1.2 core schema", () => {
    const { documents, problems } = readYamlDocuments("a: 1\nb: 1.5\nc: true\nd: null\ne: ~\nf: yes\ng: '1'\nh: 0x10\ni:\n");
    expect(problems).toEqual([]);
    expect({ ...(documents[0]!.value as object) }).toEqual({ a: 1, b: 1.5, c: true, d: null, e: null, f: "yes", g: "1", h: 16, i: null });
  });

  it("fails an alias bomb fast with a clear message", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 12; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(", ")}]`);
    }
    const started = process.hrtime.bigint();
    const result = parseManifestText(levels.join("\n") + "\n", "bomb.yaml");
    const millis = Number(process.hrtime.bigint() - started) / 1e6;
    expect(result.objects).toEqual([]);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]!.message).toMatch(/more than 100000 nodes once aliases are expanded/);
    expect(millis).toBeLessThan(2000);
  });

  it("allows a few ordinary aliases and copies them", () => {
    const { documents, problems } = readYamlDocuments("base: &b {x: 1}\none: *b\ntwo: *b\n");
    expect(problems).toEqual([]);
    const value = documents[0]!.value as Record<string, Record<string, number>>;
    expect(value.one).toEqual({ x: 1 });
    expect(value.one).not.toBe(value.two);
  });

  it("rejects unknown and recursive aliases", () => {
    expect(readYamlDocuments("a: *nope\n").problems[0]!.message).toMatch(/unknown alias "\*nope"/);
    expect(readYamlDocuments("a: &x [*x]\n").problems[0]!.message).toMatch(/recursive alias/);
  });

  it.each(["!!js/function 'function(){}'", "!!js/regexp /x/", "!!python/object:os.system ls", "!<tag:yaml.org,2002:js/undefined> ''", "!!binary aGVsbG8=", "!!timestamp 2001-12-14"])(
    "rejects the tag in %s without crashing",
    (tagged) => {
      const result = parseManifestText(`${VM}  guestOS: ${tagged}\n`, "t.yaml");
      expect(result.objects).toEqual([]);
      expect(result.errors.some((e) => e.line === 7 && e.path === "spec.guestOS" && /unsupported YAML tag/.test(e.message))).toBe(true);
    },
  );

  it("accepts the core tags when they fit", () => {
    const result = parseManifestText(`${VM}  vcpus: !!int "2"\n  guestOS: !!str rhel9\n`, "t.yaml");
    expect(result.errors).toEqual([]);
  });

  it.each(["__proto__", "constructor", "prototype"])("rejects the key %s at any depth and never pollutes", (key) => {
    const text = `${VM}  workload:\n    phases:\n      - after: 1m\n        ${key}: {polluted: true}\n`;
    const result = parseManifestText(text, "p.yaml");
    expect(result.objects).toEqual([]);
    expect(result.errors).toEqual([
      { file: "p.yaml", line: 10, column: 9, path: `spec.workload.phases[0].${key}`, message: expect.stringContaining(`forbidden key "${key}"`) },
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
  });

  it("rejects a JSON __proto__ key too", () => {
    const result = parseManifestText('{"apiVersion": "memplane.io/v1alpha1", "__proto__": {"polluted": 1}}', "p.json");
    expect(result.errors.some((e) => e.path === "__proto__" && /forbidden key "__proto__"/.test(e.message))).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("bounds nesting depth", () => {
    const deep = `a: ${"[".repeat(100)}${"]".repeat(100)}\n`;
    const result = parseManifestText(deep, "deep.yaml");
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]!.message).toMatch(/nested too deeply \(more than 64 levels\)/);
  });

  it("bounds the size of a text", () => {
    const result = readYamlDocuments("a: 1\n".repeat(100), { maxChars: 100 });
    expect(result.problems[0]!.message).toBe("source is larger than the 100 character limit");
    expect(readYamlDocuments("x".repeat(17 * 1024 * 1024)).problems[0]!.message).toBe("source is larger than the 16 MiB limit");
  });

  it("reports duplicate keys with both lines", () => {
    const result = parseManifestText(`${VM}  memory: 4Gi\n`, "d.yaml");
    expect(result.errors).toEqual([
      { file: "d.yaml", line: 7, column: 3, path: "spec.memory", message: 'duplicate key "memory" (first at line 6)' },
    ]);
  });

  it("reports a syntax error in one document and still checks the others", () => {
    const text = `${VM}  reservation: 4Gi\n---\napiVersion: [oops\n---\n${VM.replace("2Gi", "2 GB")}`;
    const result = parseManifestText(text, "multi.yaml");
    expect(result.errors.map((e) => [e.line, e.path, e.message.split(" ").slice(0, 3).join(" ")])).toEqual([
      [7, "spec.reservation", "must not exceed"],
      [10, "", "YAML syntax error:"],
      [16, "spec.memory", "must be a"],
    ]);
  });

  it("rejects complex mapping keys", () => {
    expect(readYamlDocuments("? [a, b]\n: 1\n").problems[0]!.message).toMatch(/mapping keys must be plain strings/);
  });
});
