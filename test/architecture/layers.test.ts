/**
 * The layers of src/ (docs/architecture.md): every import points to the same layer or a lower
 * one, folders form no cycle, and modules stay small. The checker itself is tested on planted mistakes, so a broken
 * checker cannot pass by finding nothing.
 */
import * as path from "node:path";
import { LAYERS, checkLayers, describeReport, readSources } from "../../tools/import-graph.js";

const SRC = path.resolve("src");

describe("the layers of src/", () => {
  test("no import runs up the layers and no folders import each other in a cycle", () => {
    expect(describeReport(checkLayers(readSources(SRC)))).toEqual([]);
  });

  test("small modules: no source file is over 450 lines, and the memory model's facade is at most 250", () => {
    const lines = [...readSources(SRC)].map(([file, text]) => [file, text.split("\n").length - (text.endsWith("\n") ? 1 : 0)] as const);
    expect(lines.filter(([, n]) => n > 450).map(([file, n]) => `${file}: ${n} lines`)).toEqual([]);
    expect(lines.find(([file]) => file === path.join("hypervisor", "memory-model.ts"))![1]).toBeLessThanOrEqual(250);
  });

  test("every folder of src/ has a layer", () => {
    const folders = new Set([...readSources(SRC).keys()].map((f) => (f.includes(path.sep) ? f.split(path.sep)[0]! : "(root)")));
    const listed = new Set(LAYERS.flat());
    expect([...folders].filter((f) => !listed.has(f))).toEqual([]);
  });
});

describe("the layer checker", () => {
  const clean = new Map([
    ["api/types.ts", "export type Kind = string;\n"],
    ["engine/engine.ts", 'import type { Kind } from "../api/types.js";\nexport const x = 1;\n'],
    ["cli/main.ts", 'import { x } from "../engine/engine.js";\nconsole.log(x);\n'],
  ]);

  test("finds nothing wrong in a clean tree", () => {
    expect(describeReport(checkLayers(clean))).toEqual([]);
  });

  test("fails on a planted upward import, naming the file and the folders", () => {
    const planted = new Map(clean);
    planted.set("engine/bad.ts", 'import {\n  something,\n} from "../cli/main.js";\n');
    const problems = describeReport(checkLayers(planted));
    expect(problems).toContain('engine/bad.ts imports "../cli/main.js": engine → cli runs up the layers');
    expect(problems).toContain("folder cycle: cli → engine → cli");
  });

  test("sees side-effect, re-export and dynamic imports", () => {
    const planted = new Map(clean);
    planted.set("api/a.ts", 'import "../engine/engine.js";\n');
    planted.set("api/b.ts", 'export * from "../engine/engine.js";\n');
    planted.set("api/c.ts", 'const m = await import("../engine/engine.js");\n');
    expect(checkLayers(planted).upward.map((i) => i.file).sort()).toEqual(["api/a.ts", "api/b.ts", "api/c.ts"]);
  });

  test("a folder in no layer is reported", () => {
    const planted = new Map(clean);
    planted.set("misc/x.ts", 'import { x } from "../engine/engine.js";\n');
    expect(checkLayers(planted).upward.map((i) => i.from)).toEqual(["misc"]);
  });
});
