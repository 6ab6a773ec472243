/**
 * The folder import graph of `src/` and the layering rule it must follow: every relative import
 * points to a folder in the same layer or a lower one, and folders form no cycle. The layers are
 * listed in {@link LAYERS} (bottom first) and explained in docs/architecture.md;
 * `test/architecture/layers.test.ts` fails on any import that breaks them.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The layers of `src/`, bottom first. A folder may import its own layer's folders (if that makes
 * no cycle) and any folder of a lower layer; `(root)` is `src/index.ts`, the public library API.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ["api", "di"],
  ["manifest", "store"],
  ["hypervisor"],
  ["policies"],
  ["engine"],
  ["controllers", "scenario"],
  ["composition"],
  ["state", "etcd", "explain", "compare", "metrics", "generate", "printing"],
  ["report"],
  ["server"],
  ["cli"],
  ["(root)"],
];

/** One import from a file in one folder to a file in another. */
export interface FolderImport {
  from: string;
  to: string;
  /** The importing file, relative to the scanned directory. */
  file: string;
  /** The import specifier as written. */
  specifier: string;
}

/** What breaks the layering rule. */
export interface LayerReport {
  /** Imports into a higher layer (or into a folder no layer lists). */
  upward: FolderImport[];
  /** Cycles between folders, each as the folders in order. */
  cycles: string[][];
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s(?:[^;'"]*?\sfrom\s)?["'](\.{1,2}\/[^"']+)["']/g;
const DYNAMIC_IMPORT = /\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g;

/** The folder of `file` (relative to the scanned root): its first path segment, or `(root)`. */
export function folderOf(file: string): string {
  const parts = file.split(/[\\/]/);
  return parts.length > 1 ? parts[0]! : "(root)";
}

/** Every cross-folder relative import in `files` (path relative to the root → source text). */
export function folderImports(files: ReadonlyMap<string, string>): FolderImport[] {
  const out: FolderImport[] = [];
  for (const [file, text] of files) {
    const from = folderOf(file);
    for (const re of [IMPORT, DYNAMIC_IMPORT]) {
      for (const m of text.matchAll(re)) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file.split(path.sep).join("/")), m[1]!));
        if (target.startsWith("..")) continue; // outside the scanned tree
        const to = folderOf(target);
        if (to !== from) out.push({ from, to, file, specifier: m[1]! });
      }
    }
  }
  return out;
}

function layerIndex(layers: readonly (readonly string[])[]): Map<string, number> {
  const index = new Map<string, number>();
  layers.forEach((folders, i) => folders.forEach((f) => index.set(f, i)));
  return index;
}

/** Folder cycles in the graph of `imports` (each elementary cycle reported once, from its smallest folder). */
function findCycles(imports: readonly FolderImport[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const i of imports) {
    if (!next.has(i.from)) next.set(i.from, new Set());
    next.get(i.from)!.add(i.to);
  }
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const walk = (start: string, at: string, trail: string[]): void => {
    for (const to of [...(next.get(at) ?? [])].sort()) {
      if (to === start) {
        const key = trail.join(">");
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push([...trail, start]);
        }
      } else if (to > start && !trail.includes(to) && trail.length < 12) {
        walk(start, to, [...trail, to]);
      }
    }
  };
  for (const start of [...next.keys()].sort()) walk(start, start, [start]);
  return cycles;
}

/** Checks `files` against `layers`: upward (or unlisted) imports and folder cycles. */
export function checkLayers(files: ReadonlyMap<string, string>, layers: readonly (readonly string[])[] = LAYERS): LayerReport {
  const index = layerIndex(layers);
  const imports = folderImports(files);
  const upward = imports.filter((i) => {
    const from = index.get(i.from);
    const to = index.get(i.to);
    return from === undefined || to === undefined || to > from;
  });
  return { upward, cycles: findCycles(imports) };
}

/** Reads every `.ts` file under `dir` (relative path → text). */
export function readSources(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (sub: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? path.join(sub, entry.name) : entry.name;
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith(".ts")) files.set(rel, fs.readFileSync(path.join(dir, rel), "utf8"));
    }
  };
  walk("");
  return files;
}

/** One line per problem, for test failures and the command line. */
export function describeReport(report: LayerReport): string[] {
  return [
    ...report.upward.map((i) => `${i.file} imports "${i.specifier}": ${i.from} → ${i.to} runs up the layers`),
    ...report.cycles.map((c) => `folder cycle: ${c.join(" → ")}`),
  ];
}
