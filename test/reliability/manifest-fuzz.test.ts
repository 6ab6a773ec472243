/**
 * Fuzzing the manifest front door in-process (fast-check, seeded): valid manifests are mutated —
 * characters inserted, deleted and replaced, lines duplicated and swapped, hostile YAML tokens
 * (anchors, aliases, tags, `__proto__`, BOMs, CRs, NULs, huge numbers) spliced in, and parsed
 * objects given arbitrary values at arbitrary paths. `parseManifestText` and
 * `validateManifestObjects` must never throw; the strict variants may throw only the typed
 * ManifestValidationError; every error names its source, a line ≥ 0 and a one-line message;
 * and nothing leaks onto Object.prototype.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import {
  ManifestValidationError,
  parseManifestText,
  parseManifestTextOrThrow,
  validateManifestObjects,
  validateManifestObjectsOrThrow,
  type ManifestError,
} from "../../src/manifest/index.js";

const HOSTILE = path.join(process.cwd(), "test/fixtures/hostile");
/** The valid manifests of the corpus, as seeds for mutation. */
const SEEDS = (JSON.parse(fs.readFileSync(path.join(HOSTILE, "cases.json"), "utf8")) as { file: string; exit: number; contains: string }[])
  .filter((c) => c.exit === 0 && !c.contains.startsWith("0 "))
  .map((c) => fs.readFileSync(path.join(HOSTILE, c.file), "utf8"));

const TOKENS = [
  "&a ", "*a", "*b", "&b [*a, *a, *a, *a]", "!!js/function ", "!!python/object:os.system ", "!!binary ", "!!set ", "!local ",
  "__proto__: ", "constructor: ", "prototype: ", "<<: ", "? ", "- ", ": ", "{", "}", "[", "]", ",", "'", '"', "#", "|", ">",
  "\t", "\r", "\r\n", "\n", "\ufeff", "\u0000", "\u2028", "---\n", "...\n", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n",
  ".nan", ".inf", "-.inf", "1e400", "99999999999999999999999", "0x1F", "0o17", "-0", "~", "null", "true", "no", "8GB", "8Gi", "1.5.5Gi", "Ei",
];

/** One text mutation. */
const mutation = fc.oneof(
  fc.record({ op: fc.constant("insert" as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 8 }), fc.string({ unit: "binary", maxLength: 4 })) }),
  fc.record({ op: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ op: fc.constant("replace" as const), at: fc.nat(), text: fc.constantFrom(...TOKENS) }),
  fc.record({ op: fc.constant("dupLine" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("swapLines" as const), at: fc.nat(), with: fc.nat() }),
);

function mutate(text: string, ops: readonly { op: string; at: number; text?: string; length?: number; with?: number }[]): string {
  let t = text;
  for (const m of ops) {
    const at = t.length === 0 ? 0 : m.at % (t.length + 1);
    if (m.op === "insert") t = t.slice(0, at) + m.text + t.slice(at);
    else if (m.op === "delete") t = t.slice(0, at) + t.slice(at + (m.length ?? 1));
    else if (m.op === "replace") t = t.slice(0, at) + m.text + t.slice(at + (m.text?.length ?? 1));
    else {
      const lines = t.split("\n");
      const i = m.at % lines.length;
      if (m.op === "dupLine") lines.splice(i, 0, lines[i]!);
      else {
        const j = (m.with ?? 0) % lines.length;
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      }
      t = lines.join("\n");
    }
  }
  return t;
}

/** Problems with the shape of reported errors. */
function errorShapeProblems(errors: readonly ManifestError[], source: string): string[] {
  const out: string[] = [];
  for (const e of errors) {
    if (e.file !== source) out.push(`error names ${JSON.stringify(e.file)}, not the source`);
    if (!Number.isInteger(e.line) || e.line < 0 || !Number.isInteger(e.column) || e.column < 0) out.push(`bad position ${e.line}:${e.column}`);
    if (typeof e.message !== "string" || e.message.trim() === "") out.push("empty message");
    else if (/[\r\n]/.test(e.message)) out.push(`message spans lines: ${JSON.stringify(e.message)}`);
    if (/^\s{4}at /m.test(e.message)) out.push("stack trace in message");
  }
  return out;
}

/** Cases per property (FUZZ_RUNS=5000 for a longer hunt). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);

describe("manifest fuzzing", () => {
  afterAll(() => {
    expect(Object.prototype).not.toHaveProperty("polluted");
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  test("mutated YAML/JSON text: parseManifestText never throws, errors are well-formed, the strict form throws only ManifestValidationError", () => {
    fc.assert(
      fc.property(fc.constantFrom(...SEEDS), fc.array(mutation, { minLength: 1, maxLength: 6 }), (seed, ops) => {
        const text = mutate(seed, ops);
        const result = parseManifestText(text, "fuzz.yaml");
        expect(errorShapeProblems(result.errors, "fuzz.yaml")).toEqual([]);
        try {
          const objects = parseManifestTextOrThrow(text, "fuzz.yaml");
          expect(result.errors).toEqual([]);
          expect(objects.length).toBe(result.objects.length);
        } catch (e) {
          expect(e).toBeInstanceOf(ManifestValidationError);
          expect((e as ManifestValidationError).errors.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: RUNS, seed: 7 },
    );
  });

  test("parsed objects with arbitrary values at arbitrary paths: validation never throws anything but the typed error", () => {
    const base = SEEDS.map((s) => parseManifestTextOrThrow(s, "seed.yaml"));
    const anyValue = fc.oneof(
      fc.anything({ maxDepth: 3, withNullPrototype: true, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true }),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 2 ** 64, "8Gi", "-1", "", "__proto__", Symbol("s"), () => 1),
    );
    fc.assert(
      fc.property(fc.constantFrom(...base), fc.array(fc.constantFrom("apiVersion", "kind", "metadata", "spec", "name", "labels", "memory", "capacity", "tools", "workload", "phases", "items", "__proto__", "constructor", "0"), { minLength: 1, maxLength: 4 }), anyValue, (objects, pathKeys, value) => {
        const copy = JSON.parse(JSON.stringify(objects)) as Record<string, unknown>[];
        let node: Record<string, unknown> = copy[0]!;
        for (const key of pathKeys.slice(0, -1)) {
          const next = Object.prototype.hasOwnProperty.call(node, key) ? node[key] : undefined;
          if (next === null || typeof next !== "object") {
            const fresh: Record<string, unknown> = {};
            Object.defineProperty(node, key, { value: fresh, enumerable: true, writable: true, configurable: true });
            node = fresh;
          } else node = next as Record<string, unknown>;
        }
        Object.defineProperty(node, pathKeys[pathKeys.length - 1]!, { value, enumerable: true, writable: true, configurable: true });
        const result = validateManifestObjects(copy, "<fuzz>");
        expect(errorShapeProblems(result.errors, "<fuzz>")).toEqual([]);
        try {
          validateManifestObjectsOrThrow(copy, "<fuzz>");
        } catch (e) {
          expect(e).toBeInstanceOf(ManifestValidationError);
        }
      }),
      { numRuns: RUNS, seed: 11 },
    );
  });
});
