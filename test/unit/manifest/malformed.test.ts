/**
 * The malformed-manifest table (test/fixtures/malformed/cases.json): every file must fail through
 * loadManifests with an error at the expected line and field path whose message contains the
 * expected fragment (callers then apply nothing). The CLI suite runs the same table through the binary.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { formatManifestError, loadManifests } from "../../../src/manifest/index.js";

interface MalformedCase {
  file: string;
  line: number;
  path: string;
  contains: string;
}

const dir = join(process.cwd(), "test/fixtures/malformed");
const cases = JSON.parse(readFileSync(join(dir, "cases.json"), "utf8")) as MalformedCase[];

describe("malformed manifests", () => {
  it("has at least 25 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases)("$file → line $line $path: $contains", async (c) => {
    const file = join(dir, c.file);
    const result = await loadManifests([file]);
    expect(result.errors.length).toBeGreaterThan(0);
    const rendered = result.errors.map(formatManifestError);
    const match = result.errors.find((e) => e.file === file && e.line === c.line && e.path === c.path && e.message.includes(c.contains));
    expect({ match: match !== undefined, errors: rendered }).toEqual({ match: true, errors: rendered });
    const text = rendered.find((r) => r.includes(c.contains))!;
    expect(text.startsWith(`${file}:${c.line}:`)).toBe(true);
    expect(text).not.toMatch(/\n\s+at /);
  });
});
