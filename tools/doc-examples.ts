/**
 * Docs drift check: runs the console examples of README.md and docs/*.md with the built CLI and
 * fails when what they print no longer matches what the docs show. Conventions (which blocks
 * count, `…` elisions, the `<!-- doc-example: skip REASON -->` and `before COMMAND` markers):
 * tools/doc-examples-parse.ts.
 *
 * Each example block runs in a fresh temporary directory (so `./.memplane` is its own state)
 * that links the repository's `manifests/`, `examples/` and `schemas/`, with `memplane` on PATH
 * as the built CLI (`npx memplane` runs it too). Commands go through `sh -c` with stderr merged
 * into stdout, as a terminal shows them; temp paths are printed back as `.`.
 *
 * Usage: `npm run docs:check [-- --update] [FILE...]` — `--update` rewrites the shown outputs
 * in place (outputs that still match are left as written, so the diff shows only real drift).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { type ConsoleExample, extractExamples, outputMatches, replaceOutputs, rewriteOutput } from "./doc-examples-parse.js";
import { REPO_ROOT } from "./repo-root.js";

/** The repository root (this file is tools/doc-examples.ts, built to dist/tools/doc-examples.js). */
export { REPO_ROOT };

/** The built CLI the examples run. */
const CLI = path.join(REPO_ROOT, "dist/src/cli/main.js");

/** Repository folders an example may name by relative path. */
const LINKED = ["manifests", "examples", "schemas"];

/** One command whose output drifted from its doc. */
export interface Drift {
  file: string;
  /** 1-based line of the `$ ` line. */
  line: number;
  command: string;
  shown: string[];
  actual: string[];
  exitCode: number;
  /** Set when the example could not be run at all (so `--update` cannot fix it either). */
  blocked?: string;
}

/** The result of checking (or updating) a set of docs. */
export interface CheckResult {
  checked: number;
  skipped: { file: string; line: number; reason: string }[];
  drifts: Drift[];
  /** Files `--update` rewrote. */
  updated: string[];
}


/** README.md and docs/*.md, repository-relative, in a stable order. */
export function docFiles(): string[] {
  const docs = fs.readdirSync(path.join(REPO_ROOT, "docs")).filter((f) => f.endsWith(".md")).sort();
  return ["README.md", ...docs.map((f) => `docs/${f}`)];
}

/** A fresh work directory for one example: repo folders linked, `memplane` on PATH. */
function makeWorkDir(): { work: string; bin: string } {
  const work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "memplane-doc-")));
  for (const name of LINKED) fs.symlinkSync(path.join(REPO_ROOT, name), path.join(work, name));
  const bin = path.join(work, ".bin");
  fs.mkdirSync(bin);
  const shim = path.join(bin, "memplane");
  fs.writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  fs.chmodSync(shim, 0o755);
  return { work, bin };
}

/** Commands that need a running server or never end: an example with one must be marked `skip`. */
const NOT_RUNNABLE = /--server\b|(^|\s)serve(\s|$)|\blogs\b.*\s(-f|--follow)\b|\s(-w|--watch)\b|(^|\s)top(?!.*--once)/;

/** Why a command cannot run in the check, or undefined when it can. */
export function notRunnable(command: string): string | undefined {
  return NOT_RUNNABLE.test(command)
    ? "needs a running server or never ends: mark the block `<!-- doc-example: skip REASON -->`"
    : undefined;
}

/** Runs one command line as the docs show it; returns its printed lines and exit code. */
function runCommand(command: string, work: string, bin: string): { lines: string[]; exitCode: number } {
  const script = command.replace(/(^|[;&|(]\s*)npx memplane\b/g, "$1memplane");
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`, NO_COLOR: "1", FORCE_COLOR: "0", TZ: "UTC", COLUMNS: "120" };
  delete env.MEMPLANE_SERVER;
  delete env.MEMPLANE_TOKEN;
  delete env.MEMPLANE_STATE;
  const r = spawnSync("sh", ["-c", `exec 2>&1\n${script}`], { cwd: work, env, encoding: "utf8", timeout: 30_000 });
  const text = (r.stdout ?? "").split(work).join(".").replace(/\n+$/, "");
  return { lines: text === "" ? [] : text.split("\n").map((l) => l.trimEnd()), exitCode: r.status ?? 1 };
}

/** Runs one example block; returns each command's drift (if any) and its actual output. */
function runExample(example: ConsoleExample): { drifts: Drift[]; outputs: Map<number, string[]> } {
  const { work, bin } = makeWorkDir();
  const drifts: Drift[] = [];
  const outputs = new Map<number, string[]>();
  try {
    const stopper = [...example.before, ...example.commands.map((c) => c.command)].find((c) => notRunnable(c) !== undefined);
    if (stopper !== undefined) {
      drifts.push({ file: example.file, line: example.fence + 1, command: stopper, shown: [], actual: [], exitCode: 2, blocked: notRunnable(stopper) });
      return { drifts, outputs };
    }
    for (const command of example.before) {
      const r = runCommand(command, work, bin);
      if (r.exitCode !== 0) {
        drifts.push({ file: example.file, line: example.fence + 1, command, shown: [], actual: r.lines, exitCode: r.exitCode, blocked: "its `before` command failed" });
        return { drifts, outputs };
      }
    }
    for (const c of example.commands) {
      const r = runCommand(c.command, work, bin);
      // A command whose doc shows nothing only has to succeed; one that shows output has to print it.
      const ok = c.output.length === 0 ? r.exitCode === 0 : outputMatches(c.output, r.lines);
      if (c.output.length > 0) outputs.set(c.line, rewriteOutput(c.output, r.lines));
      if (!ok) drifts.push({ file: example.file, line: c.line + 1, command: c.command, shown: c.output, actual: r.lines, exitCode: r.exitCode });
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return { drifts, outputs };
}

/** Checks the given docs (default: README.md and docs/*.md); with `update`, rewrites their shown outputs. */
export function checkDocs(options: { update?: boolean; files?: string[] } = {}): CheckResult {
  if (!fs.existsSync(CLI)) throw new Error(`${path.relative(process.cwd(), CLI)} is missing: run \`npm run build\` first`);
  const result: CheckResult = { checked: 0, skipped: [], drifts: [], updated: [] };
  for (const file of options.files ?? docFiles()) {
    const full = path.join(REPO_ROOT, file);
    const text = fs.readFileSync(full, "utf8");
    const examples = extractExamples(file, text);
    const outputs = new Map<number, string[]>();
    for (const example of examples) {
      if (example.skip !== undefined) {
        result.skipped.push({ file, line: example.fence + 1, reason: example.skip });
        continue;
      }
      result.checked++;
      const r = runExample(example);
      result.drifts.push(...r.drifts);
      for (const [line, out] of r.outputs) outputs.set(line, out);
    }
    if (options.update) {
      const next = replaceOutputs(text, examples, outputs);
      if (next !== text) {
        fs.writeFileSync(full, next);
        result.updated.push(file);
      }
    }
  }
  return result;
}

/** A drift as a reader fixes it: where, the command, what the doc shows and what it printed. */
export function describeDrift(d: Drift): string {
  const indent = (lines: string[]): string => (lines.length === 0 ? "    (nothing)" : lines.map((l) => `    ${l}`).join("\n"));
  if (d.blocked !== undefined) return `${d.file}:${d.line}: $ ${d.command}\n  ${d.blocked}${d.actual.length > 0 ? `; it printed:\n${indent(d.actual)}` : ""}`;
  return `${d.file}:${d.line}: $ ${d.command}  (exit ${d.exitCode})\n  the doc shows:\n${indent(d.shown)}\n  it printed:\n${indent(d.actual)}`;
}

function main(argv: string[]): number {
  const update = argv.includes("--update");
  const files = argv.filter((a) => !a.startsWith("--"));
  const r = checkDocs({ update, files: files.length > 0 ? files : undefined });
  for (const s of r.skipped) console.log(`skip ${s.file}:${s.line}: ${s.reason}`);
  if (update) {
    console.log(`${r.checked} examples run; ${r.updated.length > 0 ? `rewrote ${r.updated.join(", ")}` : "no doc changed"}`);
    const failing = r.drifts.filter((d) => d.shown.length === 0 || d.blocked !== undefined);
    for (const d of failing) console.error(describeDrift(d));
    return failing.length > 0 ? 1 : 0;
  }
  for (const d of r.drifts) console.error(describeDrift(d));
  console.log(`${r.checked} examples checked, ${r.skipped.length} skipped, ${r.drifts.length} drifted`);
  if (r.drifts.length > 0) console.log("If the new output is right, run `npm run docs:check -- --update` and review the diff.");
  return r.drifts.length > 0 ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  process.exitCode = main(process.argv.slice(2));
}
