/**
 * The hostile-input corpus (test/fixtures/hostile/cases.json, plus inputs too big or too strange
 * to commit, made here in a temp dir) through the BUILT binary's `validate` and `apply --state`.
 *
 * Every case: the expected exit code (1, or 0 where the input is in fact valid); for a rejected
 * file, an `error: <file>...` line naming the file and the line (`file:LINE:` or, for encoding
 * errors, `at line LINE`) and the case's message fragment; every message one line (one
 * paragraph), no stack trace, no internal error; nothing applied (the state directory's bytes are
 * unchanged and its lock released). Files are batched several per process to keep spawns down;
 * the "answer within 2 s" promise is timed per file in-process (`loadManifests`) as CPU time,
 * which neither process start-up nor a loaded CI machine blurs (a generous wall-clock bound
 * still catches anything that blocks).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { loadManifests } from "../../src/manifest/index.js";
import { ROOT, STACK_LINE, inParallel, memplane, requireBuild, tempDir } from "../cli/cli-harness.js";

/** One row of cases.json. */
interface HostileCase {
  file: string;
  /** Exit code of `validate`. */
  exit: 0 | 1;
  /** Line the message must name (absent for whole-file errors such as "too large"). */
  line?: number;
  /** A fragment the file's message must contain (for valid files, of validate's stdout). */
  contains: string;
  note?: string;
  /** Made at test time: absolute directory it lives in. */
  dir?: string;
}

const HOSTILE = path.join(ROOT, "test/fixtures/hostile");
const committed: HostileCase[] = JSON.parse(fs.readFileSync(path.join(HOSTILE, "cases.json"), "utf8"));
const IS_ROOT = typeof process.getuid === "function" && process.getuid() === 0;
const BATCH = 24;
/** The promise: an answer within 2 s. Measured as CPU time, which a loaded CI machine does not stretch. */
const PER_FILE_MS = 2000;
/**
 * Wall-clock bound that still catches a read that blocks (a FIFO, /dev/zero) yet tolerates a CI
 * machine so loaded that a 15 MB parse waits its turn for CPU (25 s was seen at load 16 on 2 cores).
 */
const PER_FILE_WALL_MS = 60_000;

const HOST = (name: string, extra = ""): string =>
  `apiVersion: memplane.io/v1alpha1\nkind: Host\nmetadata:\n  name: ${name}\n${extra}spec:\n  capacity: 8Gi\n`;

/** Inputs made at test time in `dir`: the huge ones, symlink loops, a FIFO, an unreadable file. */
function makeGenerated(dir: string): HostileCase[] {
  const cases: HostileCase[] = [];
  const add = (c: Omit<HostileCase, "dir">): void => void cases.push({ ...c, dir });
  // 60 MB string: refused by size before it is read
  fs.writeFileSync(path.join(dir, "huge-string-60MB.yaml"), HOST("esx-big", `  annotations:\n    blob: "${"x".repeat(60 * 1024 * 1024)}"\n`));
  add({ file: "huge-string-60MB.yaml", exit: 1, contains: "larger than the 16 MiB limit" });
  // 15 MB string: read and parsed, refused by the annotation bound
  fs.writeFileSync(path.join(dir, "long-string-15MB.yaml"), HOST("esx-long", `  annotations:\n    blob: "${"y".repeat(15 * 1024 * 1024)}"\n`));
  add({ file: "long-string-15MB.yaml", exit: 1, line: 6, contains: "metadata.annotations.blob: must be at most" });
  // 20 000-deep nesting, flow and block style
  fs.writeFileSync(path.join(dir, "nesting-20000-flow.yaml"), `apiVersion: memplane.io/v1alpha1\nkind: Host\nmetadata:\n  name: esx-deep\nspec:\n  capacity: ${"[".repeat(20_000)}${"]".repeat(20_000)}\n`);
  add({ file: "nesting-20000-flow.yaml", exit: 1, line: 6, contains: "nested too deeply" });
  fs.writeFileSync(path.join(dir, "nesting-20000-block.yaml"), `a:\n  ${"- ".repeat(20_000)}x\n`);
  add({ file: "nesting-20000-block.yaml", exit: 1, contains: "nested too deeply" });
  fs.writeFileSync(path.join(dir, "nesting-20000-json.json"), `{"a":${'{"b":'.repeat(20_000)}1${"}".repeat(20_000)}}`);
  add({ file: "nesting-20000-json.json", exit: 1, line: 1, contains: "nested too deeply" });
  // a directory with symlink loops (to itself, to its parent) and a dangling link: read once, valid
  const loop = path.join(dir, "symlink-loop");
  fs.mkdirSync(path.join(loop, "sub"), { recursive: true });
  fs.writeFileSync(path.join(loop, "host.yaml"), HOST("esx-loop"));
  fs.symlinkSync(".", path.join(loop, "self"));
  fs.symlinkSync("..", path.join(loop, "sub", "up"));
  fs.symlinkSync("nowhere.yaml", path.join(loop, "dangling.yaml"));
  add({ file: "symlink-loop", exit: 0, contains: "1 document valid", note: "each directory is read once" });
  // a symlink that points at itself, named explicitly
  fs.symlinkSync("self-link.yaml", path.join(dir, "self-link.yaml"));
  add({ file: "self-link.yaml", exit: 1, contains: "cannot read" });
  // a FIFO nobody writes to: refused instead of blocking forever
  try {
    execFileSync("mkfifo", [path.join(dir, "fifo.yaml")]);
    add({ file: "fifo.yaml", exit: 1, contains: "is not a regular file" });
  } catch {
    // no mkfifo on this system: nothing to test
  }
  // an unreadable file. As root (CI containers) chmod 000 does not stop reading, so the file holds
  // a valid manifest and the honest expectation there is exit 0.
  const unreadable = path.join(dir, "unreadable.yaml");
  fs.writeFileSync(unreadable, HOST("esx-unreadable"));
  fs.chmodSync(unreadable, 0o000);
  add(IS_ROOT ? { file: "unreadable.yaml", exit: 0, contains: "1 document valid", note: "root reads chmod 000 files" } : { file: "unreadable.yaml", exit: 1, contains: "permission denied" });
  return cases;
}

const where = (c: HostileCase): string => c.dir ?? HOSTILE;
/** The stderr lines about one file (the file as named on the command line). */
const linesAbout = (stderr: string, file: string): string[] => stderr.split("\n").filter((l) => l.startsWith(`error: ${file}`) && /^[:\s]/.test(l.slice(`error: ${file}`.length)));

/** Problems of one rejected case in a batch's stderr. */
function rejectionProblems(c: HostileCase, stderr: string): string[] {
  const lines = linesAbout(stderr, c.file);
  if (lines.length === 0) return [`no "error: ${c.file}" line`];
  const problems: string[] = [];
  if (c.line !== undefined && !lines.some((l) => l.startsWith(`error: ${c.file}:${c.line}:`) || l.includes(`at line ${c.line},`))) {
    problems.push(`no line ${c.line} in ${JSON.stringify(lines)}`);
  }
  if (!lines.some((l) => l.includes(c.contains))) problems.push(`no "${c.contains}" in ${JSON.stringify(lines)}`);
  return problems;
}

/** Problems any batch's stderr may not have. */
function streamProblems(stderr: string): string[] {
  const problems: string[] = [];
  if (STACK_LINE.test(stderr)) problems.push("a stack trace");
  if (/internal error/i.test(stderr)) problems.push("an internal error");
  for (const line of stderr.split("\n")) {
    if (line !== "" && !/^(error|warning): /.test(line)) problems.push(`a line that is not one error paragraph: ${JSON.stringify(line.slice(0, 120))}`);
  }
  return problems;
}

/** Splits into groups of `size` sharing a directory. */
function batches(cases: readonly HostileCase[], size: number): HostileCase[][] {
  const byDir = new Map<string, HostileCase[]>();
  for (const c of cases) byDir.set(where(c), [...(byDir.get(where(c)) ?? []), c]);
  const out: HostileCase[][] = [];
  for (const group of byDir.values()) for (let i = 0; i < group.length; i += size) out.push(group.slice(i, i + size));
  return out;
}

/** Every file (recursively) of a directory with its bytes, to prove nothing changed. */
function snapshotDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const file = path.join(dir, name);
    if (fs.statSync(file).isFile()) out[name] = fs.readFileSync(file).toString("base64");
  }
  return out;
}

requireBuild();

describe("hostile inputs", () => {
  const { dir, state } = tempDir();
  const generated = makeGenerated(dir);
  const all = [...committed, ...generated];
  const invalid = all.filter((c) => c.exit === 1);
  const valid = all.filter((c) => c.exit === 0);

  afterAll(() => {
    try {
      fs.chmodSync(path.join(dir, "unreadable.yaml"), 0o644);
    } catch {
      // already gone
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("the corpus has at least 60 committed files, every kind of attack the issue names, and valid files of every kind", () => {
    const files = fs.readdirSync(HOSTILE).filter((f) => f !== "cases.json" && f !== "generate.mjs");
    expect(files.length).toBeGreaterThanOrEqual(60);
    expect(files.sort()).toEqual(committed.map((c) => c.file).sort());
    for (const prefix of ["alias-", "deep-", "binary-", "bom-", "crlf-", "duplicate-", "tag-js-function", "tag-python", "proto-", "constructor-", "prototype-", "number-overflow", "number-nan", "number-inf", "quantity-", "json-trailing", "empty"]) {
      expect(committed.some((c) => c.file.startsWith(prefix))).toBe(true);
    }
    for (const kind of ["Host", "VirtualMachine", "GuestOSProfile"]) {
      expect(committed.some((c) => c.exit === 0 && fs.readFileSync(path.join(HOSTILE, c.file), "utf8").includes(`kind: ${kind}`))).toBe(true);
    }
    expect(generated.map((c) => c.file)).toEqual(expect.arrayContaining(["huge-string-60MB.yaml", "nesting-20000-flow.yaml", "symlink-loop", "unreadable.yaml"]));
  });

  test("every file is answered within 2 s of CPU time (in-process, one file at a time) and nothing blocks", async () => {
    const slow: string[] = [];
    for (const c of all) {
      const start = performance.now();
      const cpu = process.cpuUsage();
      const result = await loadManifests([path.join(where(c), c.file)]);
      const used = process.cpuUsage(cpu);
      const cpuMs = (used.user + used.system) / 1000;
      const wallMs = performance.now() - start;
      if (cpuMs > PER_FILE_MS) slow.push(`${c.file}: ${Math.round(cpuMs)} ms of CPU`);
      if (wallMs > PER_FILE_WALL_MS) slow.push(`${c.file}: ${Math.round(wallMs)} ms wall-clock`);
      // the library agrees with the table on valid/invalid
      if ((result.errors.length > 0 ? 1 : 0) !== c.exit) slow.push(`${c.file}: ${result.errors.length} errors but exit ${c.exit} expected`);
    }
    expect(slow).toEqual([]);
  }, 300_000);

  test("validate: rejected files exit 1 naming file, line and problem in one paragraph; valid ones exit 0", async () => {
    const failures: string[] = [];
    await inParallel(batches(invalid, BATCH), Math.max(2, os.cpus().length), async (batch) => {
      const r = await memplane(["validate", "-f", ...batch.map((c) => c.file)], { cwd: where(batch[0]!) });
      if (r.code !== 1) failures.push(`batch ${batch[0]!.file}…: exit ${r.code}`);
      if (r.stdout !== "") failures.push(`batch ${batch[0]!.file}…: stdout ${JSON.stringify(r.stdout.slice(0, 200))}`);
      failures.push(...streamProblems(r.stderr).map((p) => `batch ${batch[0]!.file}…: ${p}`));
      for (const c of batch) failures.push(...rejectionProblems(c, r.stderr).map((p) => `${c.file}: ${p}`));
    });
    // valid files one process per directory: stdout counts every document of every file
    for (const batch of batches(valid, 100)) {
      const r = await memplane(["validate", "-f", ...batch.map((c) => c.file)], { cwd: where(batch[0]!) });
      if (r.code !== 0) failures.push(`valid batch: exit ${r.code}: ${r.stderr}`);
      failures.push(...streamProblems(r.stderr));
      const expected = batch.reduce((n, c) => n + Number(/^(\d+) document/.exec(c.contains)![1]), 0);
      if (!r.stdout.includes(`${expected} document${expected === 1 ? "" : "s"} valid`)) failures.push(`valid batch: stdout ${r.stdout} (expected ${expected})`);
    }
    expect(failures).toEqual([]);
  }, 120_000);

  test("apply --state: rejected files exit 1 with the same messages and leave the state directory byte-for-byte unchanged", async () => {
    // a state with the valid files applied first: what a hostile apply must not touch
    const failures: string[] = [];
    for (const batch of batches(valid, 100)) {
      const withObjects = batch.filter((c) => !c.contains.startsWith("0 "));
      const r = await memplane(["apply", "-f", ...withObjects.map((c) => c.file), "--state", state], { cwd: where(batch[0]!) });
      if (r.code !== 0) failures.push(`valid apply: exit ${r.code}: ${r.stderr}`);
      const empty = batch.filter((c) => c.contains.startsWith("0 "));
      if (empty.length > 0) {
        const e = await memplane(["apply", "-f", ...empty.map((c) => c.file), "--state", state], { cwd: where(batch[0]!) });
        if (e.code !== 1 || !e.stderr.includes("no objects passed to apply")) failures.push(`empty apply: exit ${e.code}: ${e.stderr}`);
        failures.push(...streamProblems(e.stderr));
      }
    }
    expect(failures).toEqual([]);
    const before = snapshotDir(state);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(["state.json", "log.jsonl"]));

    await inParallel(batches(invalid, BATCH), Math.max(2, os.cpus().length), async (batch) => {
      const r = await memplane(["apply", "-f", ...batch.map((c) => c.file), "--state", state], { cwd: where(batch[0]!) });
      if (r.code !== 1) failures.push(`batch ${batch[0]!.file}…: exit ${r.code}`);
      if (r.stdout !== "") failures.push(`batch ${batch[0]!.file}…: stdout ${JSON.stringify(r.stdout.slice(0, 200))}`);
      failures.push(...streamProblems(r.stderr).map((p) => `batch ${batch[0]!.file}…: ${p}`));
      for (const c of batch) failures.push(...rejectionProblems(c, r.stderr).map((p) => `${c.file}: ${p}`));
    });
    expect(failures).toEqual([]);
    expect(snapshotDir(state)).toEqual(before);
    expect(Object.prototype).not.toHaveProperty("polluted");
  }, 120_000);
});
