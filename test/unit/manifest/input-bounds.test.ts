/**
 * The pieces that keep reading a manifest bounded (issue #19, "Inputs are bounded"): the banded
 * edit distance behind "did you mean", the document count taken from the markers before parsing,
 * the per-file node budget, the per-file error cap, shortened echoes of input, and reading stdin
 * under a byte limit. The attacks themselves are in test/reliability/hostile-inputs.test.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { EVENT_ID, parseEvents } from "js-yaml";
import { loadManifests, parseManifestText, readYamlDocuments } from "../../../src/manifest/index.js";
import { InputTooLargeError, readStreamBounded } from "../../../src/manifest/bounded-read.js";
import { quoteInput, shortenInput } from "../../../src/manifest/echo.js";
import { ErrorList, MAX_ERRORS_PER_FILE } from "../../../src/manifest/error-list.js";
import { formatPath } from "../../../src/manifest/source-map.js";
import { editDistanceWithin, suggest } from "../../../src/manifest/suggest.js";
import { documentPastLimit } from "../../../src/manifest/yaml-limits.js";
import { ROOT } from "../../cli/cli-harness.js";

/** The full-matrix distance the suggestion code used before (optimal string alignment). */
function referenceDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** A small seeded generator (no Math.random in tests either: failures must replay). */
function lcg(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
}

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

describe("did you mean", () => {
  test("the banded distance agrees with the full matrix up to its bound, on 20 000 seeded pairs", () => {
    const random = lcg(19);
    const word = (): string => Array.from({ length: Math.floor(random() * 10) }, () => "abc"[Math.floor(random() * 3)]).join("");
    const wrong: string[] = [];
    for (let k = 0; k < 20_000; k++) {
      const [a, b, max] = [word(), word(), Math.floor(random() * 5)];
      const expected = Math.min(referenceDistance(a, b), max + 1);
      if (editDistanceWithin(a, b, max) !== expected) wrong.push(`${a} ${b} ≤${max}: ${editDistanceWithin(a, b, max)} (want ${expected})`);
    }
    expect(wrong).toEqual([]);
  });

  test("suggests what it did before for ordinary typos", () => {
    expect(suggest("capcity", ["capacity", "vmkernelReserved", "minFree"])).toBe("capacity");
    expect(suggest("Hots", ["Host", "VirtualMachine", "GuestOSProfile", "Scenario"])).toBe("Host");
    expect(suggest("vmkernelreserved", ["capacity", "vmkernelReserved"])).toBe("vmkernelReserved");
    expect(suggest("memroy", ["memory", "maxBalloon"])).toBe("memory");
    expect(suggest("zzzzzz", ["memory", "maxBalloon"])).toBeUndefined();
  });

  test("costs next to nothing for an absurd word: no suggestion for anything over 64 characters", () => {
    const candidates = Array.from({ length: 200 }, (_, i) => `field${i}`);
    const start = process.cpuUsage();
    expect(suggest("k".repeat(1_000_000), candidates)).toBeUndefined();
    expect(suggest("k".repeat(65), candidates)).toBeUndefined();
    expect(editDistanceWithin("k".repeat(1_000_000), "capacity", 3)).toBe(4);
    expect(editDistanceWithin("k".repeat(100_000), "k".repeat(100_002), 3)).toBe(2);
    expect(cpuMs(start)).toBeLessThan(2000); // ~20 ms outside jest; the full matrices took seconds
  });
});

describe("counting documents before parsing", () => {
  const jsDocuments = (text: string): number | undefined => {
    try {
      return parseEvents(text, { maxDepth: 64 }).filter((e) => e.type === EVENT_ID.DOCUMENT).length;
    } catch {
      return undefined; // not YAML: the count does not matter, the reader refuses it anyway
    }
  };
  const texts = [
    "", "\n", "# c\n", "a: 1\n", "---\n", "---\n---\n", "...\n", "...\n...\n", "a\n...\n", "a\n...\nb\n", "a\n...\n# c\n", "---\n...\n---\n...\n",
    "--- a\n--- b\n", "%YAML 1.2\n---\na\n", "a\n...\n%YAML 1.2\n---\nb\n", "---\n...\n\n", "a\n--- |\n  x\n---\n", "...\n  \n", "--- #c\n",
    "x: |\n a\n---\n", "...\n---\n", "a\n... # c\nb\n", "a: 1\r\n---\r\nb: 2\r\n", "a: 1\r---\rb: 2\r", "---x\n", " ---\n", "a: '---'\n",
  ];
  const files = [path.join(ROOT, "test/fixtures/hostile"), path.join(ROOT, "manifests/examples")].flatMap((dir) =>
    (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.(ya?ml|json)$/.test(f)).map((f) => fs.readFileSync(path.join(dir, f), "utf8")),
  );

  test("agrees with js-yaml's document count on tricky texts and on every committed manifest", () => {
    const wrong: string[] = [];
    for (const text of [...texts, ...files]) {
      const count = jsDocuments(text);
      if (count === undefined) continue;
      if (documentPastLimit(text, count) !== -1) wrong.push(`${JSON.stringify(text.slice(0, 60))}: over ${count}`);
      if (count > 0 && documentPastLimit(text, count - 1) === -1) wrong.push(`${JSON.stringify(text.slice(0, 60))}: not over ${count - 1}`);
    }
    expect(wrong).toEqual([]);
  });

  test("refuses a file with too many documents at the first one past the limit, before parsing it", () => {
    const text = "---\n".repeat(4_000_000);
    const start = process.cpuUsage();
    const result = parseManifestText(text, "empty.yaml");
    expect(cpuMs(start)).toBeLessThan(1000);
    expect(result.errors).toEqual([
      { file: "empty.yaml", line: 50_001, column: 1, path: "", message: expect.stringContaining("more than 50000 documents in one file") },
    ]);
  });
});

describe("the per-file node budget", () => {
  test("counts every document's nodes together, from the parser's events", () => {
    const text = "---\n[1, 2, 3, 4]\n".repeat(3); // 5 nodes a document
    expect(readYamlDocuments(text, { maxFileNodes: 15 }).problems).toEqual([]);
    const over = readYamlDocuments(text, { maxFileNodes: 14 });
    expect(over.refused).toBe(true);
    expect(over.documents).toEqual([]);
    expect(over.problems).toEqual([{ position: { line: 6, column: 11 }, path: [], message: expect.stringContaining("file has more than 14 nodes (mappings") }]);
  });

  test("counts alias expansions across documents, and reports only the limit", () => {
    const doc = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\nb: [*a, *a, *a, *a]\n"; // 54 nodes, 17 node events
    const result = parseManifestText(`---\n${doc}`.repeat(3), "aliases.yaml");
    expect(result.errors.length).toBeGreaterThan(1); // within the default budget: every document is validated
    // 54 nodes a document: the third document's first alias is the 131st node
    const limited = readYamlDocuments(`---\n${doc}`.repeat(3), { maxFileNodes: 130 });
    expect(limited.refused).toBe(true);
    expect(limited.problems).toEqual([{ position: { line: 9, column: 5 }, path: [], message: expect.stringContaining("file has more than 130 nodes once aliases are expanded") }]);
  });
});

describe("errors are bounded", () => {
  test("each file keeps its first 20 errors by position and counts the rest, whatever order they came in", () => {
    const list = new ErrorList();
    const random = lcg(7);
    const lines = Array.from({ length: 1000 }, (_, i) => i + 1).sort(() => random() - 0.5);
    for (const line of lines) list.add({ file: "a.yaml", line, column: 1, path: "spec", message: `at ${line}` });
    list.add({ file: "b.yaml", line: 3, column: 1, path: "", message: "only one" });
    const shown = list.list();
    expect(shown.map((e) => `${e.file}:${e.line}`)).toEqual([...Array.from({ length: MAX_ERRORS_PER_FILE }, (_, i) => `a.yaml:${i + 1}`), "a.yaml:0", "b.yaml:3"]);
    expect(shown[MAX_ERRORS_PER_FILE]!.message).toBe("… and 980 more errors (only the first 20 are shown)");
  });

  test("long keys and messages are cut, with their length", () => {
    expect(quoteInput("short")).toBe('"short"');
    expect(quoteInput("k".repeat(1000))).toBe(`"${"k".repeat(80)}…" (1000 characters)`);
    expect(shortenInput("x".repeat(81))).toBe(`${"x".repeat(80)}… (81 characters)`);
    expect(formatPath(["spec", "k".repeat(100), 0])).toBe(`spec["${"k".repeat(80)}…" (100 characters)][0]`);
    const list = new ErrorList();
    list.add({ file: "f", line: 1, column: 1, path: "", message: "m".repeat(5000) });
    expect(list.list()[0]!.message.length).toBeLessThan(1100);
  });

  test("a YAML tag, an alias name and a value that cannot be read are echoed short", () => {
    const long = "t".repeat(10_000);
    const messages = [`a: !${long} 1\n`, `a: *${long}\n`, `a: !!int ${long}\n`, `a: 1\n${long}: 1\n${long}: 2\n`].map((text) => readYamlDocuments(text).problems[0]!.message);
    for (const message of messages) expect(message.length).toBeLessThan(300);
    expect(messages[3]).toContain("(10000 characters)");
  });

  test("a 1 MB quantity and a 100 KB label key are echoed short", () => {
    const text = `apiVersion: memplane.io/v1alpha1\nkind: Host\nmetadata:\n  name: esx\n  labels:\n    ${"l".repeat(100_000)}: x\nspec:\n  capacity: ${"9".repeat(1_000_000)}Gi\n`;
    const { errors } = parseManifestText(text, "long.yaml");
    expect(errors.map((e) => e.path.length + e.message.length)).toEqual([expect.any(Number), expect.any(Number)]);
    for (const e of errors) expect(e.path.length + e.message.length).toBeLessThan(400);
    expect(errors[1]!.message).toMatch(/^invalid quantity "9{37}\.\.\.": is too long/);
  });
});

describe("standard input is read under the limit", () => {
  test("reading stops as soon as the limit is passed, and the stream is closed", async () => {
    let pulled = 0;
    let closed = false;
    async function* endless(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) {
          pulled++;
          yield new Uint8Array(1024);
        }
      } finally {
        closed = true;
      }
    }
    await expect(readStreamBounded(endless(), 10 * 1024)).rejects.toBeInstanceOf(InputTooLargeError);
    expect(pulled).toBe(11);
    expect(closed).toBe(true);
  });

  test("loadManifests refuses input over the limit and bytes that are not UTF-8", async () => {
    const tooLarge = await loadManifests(["-"], { maxFileBytes: 100, stdin: () => Promise.reject(new InputTooLargeError(100)) });
    expect(tooLarge.errors.map((e) => `${e.file} ${e.message}`)).toEqual(["<stdin> input is larger than the 100 bytes limit; reading stopped there"]);
    const bytes = await loadManifests(["-"], { maxFileBytes: 100, stdin: () => new Uint8Array(101) });
    expect(bytes.errors[0]!.message).toContain("larger than the 100 bytes limit");
    const latin1 = await loadManifests(["-"], { stdin: () => Buffer.from("a: caf\xe9\n", "latin1") });
    expect(latin1.errors[0]!.message).toContain("input is not valid UTF-8 (byte 0xe9 at line 1");
  });
});
