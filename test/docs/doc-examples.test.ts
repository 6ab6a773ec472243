/**
 * Docs drift check (tools/doc-examples.ts): every console example in README.md and docs/*.md
 * prints what the doc shows when run with the built CLI — and the check itself notices drift,
 * honours the skip/before markers and rewrites shown output without losing the doc's shape.
 */
import { extractExamples, outputMatches, replaceOutputs, rewriteOutput } from "../../tools/doc-examples-parse.js";
import { checkDocs, describeDrift, notRunnable } from "../../tools/doc-examples.js";

const DOC = [
  "Intro.",
  "",
  "<!-- doc-example: skip needs a running server -->",
  "```console",
  "$ memplane clock pause --server http://127.0.0.1:1",
  "```",
  "",
  "<!-- doc-example: before memplane apply -f manifests/examples/no-tools -->",
  "```console",
  "$ memplane get hosts",
  "NAME     STATE",
  "esx-01   high",
  "",
  "$ npx memplane step -q",
  "```",
  "",
  "```console",
  "$ curl -s http://127.0.0.1/healthz",
  "ok",
  "```",
].join("\n");

describe("doc examples: reading a doc", () => {
  const examples = extractExamples("x.md", DOC);

  test("finds memplane blocks with their markers, and leaves other commands' blocks alone", () => {
    expect(examples).toHaveLength(2);
    expect(examples[0]!.skip).toBe("needs a running server");
    expect(examples[1]!.before).toEqual(["memplane apply -f manifests/examples/no-tools"]);
    expect(examples[1]!.commands.map((c) => [c.command, c.output, c.blankAfter])).toEqual([
      ["memplane get hosts", ["NAME     STATE", "esx-01   high"], 1],
      ["npx memplane step -q", [], 0],
    ]);
  });

  test("an elision stands for any lines, a line ending in ' …' for a cut line; anything else must be equal", () => {
    expect(outputMatches(["a", "…", "z"], ["a", "b", "c", "z"])).toBe(true);
    expect(outputMatches(["a", "...", "z"], ["a", "z"])).toBe(true);
    expect(outputMatches(["NAME   ENTITLEMENT …"], ["NAME   ENTITLEMENT   ACTIVE"])).toBe(true);
    expect(outputMatches(["a", "z"], ["a", "b", "z"])).toBe(false);
    expect(outputMatches(["NAME   ENTITLEMENT …"], ["NAME   SZTGT   ACTIVE"])).toBe(false);
  });

  test("rewriting keeps matching output as written and keeps the doc's elisions and cuts", () => {
    expect(rewriteOutput(["a", "…"], ["a", "b"])).toEqual(["a", "…"]);
    expect(rewriteOutput(["old"], ["new 1", "new 2"])).toEqual(["new 1", "new 2"]);
    const shown = ["Name: x", "...", "  Balloon [MCTLSZ]:  1.0 GiB", "...", "Events: …"];
    const actual = ["Name: x", "Memory:", "  Balloon [MCTLSZ]:  2.0 GiB", "  Swapped:  0 B", "Events: 3 recent"];
    const next = rewriteOutput(shown, actual);
    expect(next).toEqual(["Name: x", "  ...", "  Balloon [MCTLSZ]:  2.0 GiB", "...", "Events: …"]);
    expect(outputMatches(next, actual)).toBe(true);
  });

  test("rewritten outputs land under their commands, blank separators kept", () => {
    const out = replaceOutputs(DOC, examples, new Map([[examples[1]!.commands[0]!.line, ["NAME     STATE", "esx-01   soft"]]]));
    expect(out).toContain("$ memplane get hosts\nNAME     STATE\nesx-01   soft\n\n$ npx memplane step -q");
  });

  test("commands that need a server or never end are refused, not run", () => {
    expect(notRunnable("memplane step --server http://x --ticks 5")).toMatch(/doc-example: skip/);
    expect(notRunnable("memplane serve --speed 10")).toBeDefined();
    expect(notRunnable("memplane logs -f --log-format json")).toBeDefined();
    expect(notRunnable("memplane top --once")).toBeUndefined();
    expect(notRunnable("memplane get vms -o wide")).toBeUndefined();
  });
});

describe("doc examples: README.md and docs/*.md", () => {
  test("every console example prints what its doc shows (fix: `npm run docs:check -- --update`)", () => {
    const r = checkDocs();
    expect(r.checked).toBeGreaterThan(0);
    if (r.drifts.length > 0) {
      throw new Error(`${r.drifts.map(describeDrift).join("\n\n")}\n\nIf the new output is right, run \`npm run docs:check -- --update\` and review the diff.`);
    }
  });
});
