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
 * still catches anything that blocks). The attacks on the input bounds (issue #19: huge keys,
 * floods of documents, errors and alias expansions) must also keep their errors under 64 KiB and
 * answer within a capped V8 heap, and an endless stdin must be cut off at 16 MiB. The same
 * attacks as request bodies to the server are in hostile-bodies.test.ts.
 */
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { loadManifests } from "../../src/manifest/index.js";
import { BIN, ROOT, STACK_LINE, inParallel, memplane, requireBuild, tempDir } from "../cli/cli-harness.js";

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
  /** The V8 heap (MiB) `validate` must answer within (the input-bound attacks). */
  heapMiB?: number;
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
/** What the errors about one file may take on stderr: 20 errors and a count, each line bounded. */
const MAX_STDERR_PER_FILE = 64 * 1024;

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
  cases.push(...makeBoundAttacks(dir));
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

/**
 * The attacks on the input bounds of issue #19, made at test time: each once cost seconds to
 * minutes of CPU, hundreds of MB to GB of memory, or megabytes of stderr. Every one must now be
 * refused within the 2 s, with a bounded message that names the file and the line.
 */
function makeBoundAttacks(dir: string): HostileCase[] {
  const cases: HostileCase[] = [];
  const write = (file: string, text: string, c: Omit<HostileCase, "dir" | "file">): void => {
    fs.writeFileSync(path.join(dir, file), text);
    cases.push({ file, dir, ...c });
  };
  // a 1 MB unknown key: the did-you-mean edit distance took 10 s and 588 MB, the error line was 2 MB
  write("unknown-key-1MB.yaml", `${HOST("esx-key")}  ${"k".repeat(1_000_000)}: 1\n`, { exit: 1, line: 7, contains: '…" (1000000 characters)', heapMiB: 128 });
  // 250 unknown keys of 60 KB (15 MB): 136 s of CPU and 30 MB of stderr
  const keys = Array.from({ length: 250 }, (_, i) => `  ${i.toString(36).padStart(2, "0")}${"k".repeat(60_000)}: 1\n`).join("");
  write("unknown-keys-250x60KB.yaml", `${HOST("esx-keys")}${keys}`, { exit: 1, line: 7, contains: "… and 230 more errors", heapMiB: 128 });
  // 4 million empty documents in 16 MB (49 s and 4 GB for 2.3 million): refused from the markers, before parsing
  write("empty-documents-4M.yaml", "---\n".repeat(4_000_000), { exit: 1, line: 50_001, contains: "more than 50000 documents in one file", heapMiB: 128 });
  // 40 000 documents with two errors each: 80 000 error lines before; now the first 20 and a count
  write("error-documents-40k.yaml", "---\nkind: Hots\n".repeat(40_000), { exit: 1, line: 2, contains: "… and 79980 more errors", heapMiB: 128 });
  // a List of 99 990 empty items through the JSON fast path: 200 000 error lines (26 MB) before
  write("empty-items-100k.json", JSON.stringify({ apiVersion: "memplane.io/v1alpha1", kind: "List", items: Array.from({ length: 99_990 }, () => ({})) }), {
    exit: 1,
    line: 1,
    contains: "… and 199960 more errors",
    heapMiB: 128,
  });
  // alias bombs under the per-document limit, one per document: 4 GB and a crash before
  const bomb = `a: &a [${Array(10).fill("1").join(",")}]\nb: &b [${Array(10).fill("*a").join(",")}]\nc: &c [${Array(10).fill("*b").join(",")}]\nd: [${Array(80).fill("*c").join(",")}]\n`;
  write("alias-bombs-per-document.yaml", `---\n${bomb}`.repeat(30), {
    exit: 1,
    line: 140,
    contains: "file has more than 2500000 nodes once aliases are expanded",
    heapMiB: 128,
  });
  // 3 million one-character values in 6 MB: refused from the parser's events, before anything is
  // built (the events themselves take ~70 bytes per byte of such a text, hence the larger heap)
  write("dense-values-3M.yaml", `---\n[${Array(99_000).fill("1").join(",")}]\n`.repeat(31), {
    exit: 1,
    line: 52,
    contains: "file has more than 2500000 nodes",
    heapMiB: 512,
  });
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
  if (!lines.some((l) => l.includes(c.contains))) problems.push(`no "${c.contains}" in ${JSON.stringify(lines.map((l) => l.slice(0, 300)))}`);
  const bytes = Buffer.byteLength(lines.join("\n"));
  if (bytes > MAX_STDERR_PER_FILE) problems.push(`${bytes} bytes of errors (at most ${MAX_STDERR_PER_FILE})`);
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

  test("the input-bound attacks are answered within a bounded heap (validate under --max-old-space-size)", async () => {
    const bounded = generated.filter((c) => c.heapMiB !== undefined);
    expect(bounded.length).toBeGreaterThanOrEqual(7);
    const failures: string[] = [];
    await inParallel(bounded, 2, async (c) => {
      const r = await memplane(["validate", "-f", c.file], { cwd: where(c), env: { NODE_OPTIONS: `--max-old-space-size=${c.heapMiB}` } });
      if (r.code !== 1 || /heap out of memory|Allocation failed/.test(r.stderr)) failures.push(`${c.file} in ${c.heapMiB} MiB: exit ${r.code}: ${r.stderr.slice(0, 300)}`);
      failures.push(...rejectionProblems(c, r.stderr).map((p) => `${c.file}: ${p}`));
    });
    expect(failures).toEqual([]);
  }, 120_000);
});

/**
 * Feeds `validate -f -` an endless stream (`yes "a: b" | memplane validate -f -` never answered):
 * it must stop reading once past the 16 MiB limit and answer. Resolves with the exit code, stderr
 * and how many bytes the pipe took (what the child read, plus the pipe's own buffer).
 */
function feedEndlessStdin(limitBytes: number): Promise<{ code: number; stderr: string; written: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "validate", "-f", "-"], { env: { ...process.env, NO_COLOR: "1" } });
    let stderr = "";
    let written = 0;
    let open = true;
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.stdin.on("error", () => (open = false)); // EPIPE once the child stops reading
    const chunk = Buffer.from("a: b\n".repeat(16 * 1024));
    const pump = (): void => {
      // a bound of our own, so that a reader that never stops fails the test instead of hanging it
      while (open && written < limitBytes) {
        const more = child.stdin.write(chunk, (err) => (err ? (open = false) : (written += chunk.length)));
        if (!more) return void child.stdin.once("drain", pump);
      }
      if (open) child.stdin.end();
    };
    pump();
    child.stdout.resume();
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`validate -f - did not answer within 30 s (${written} bytes written, stderr ${JSON.stringify(stderr)})`));
    }, 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stderr, written });
    });
  });
}

test("an endless stdin is refused once it passes 16 MiB, without reading the rest", async () => {
  const limit = 16 * 1024 * 1024;
  const r = await feedEndlessStdin(4 * limit);
  // the child read at most the limit and a chunk; the rest is what the pipe buffers
  expect(r.written).toBeLessThan(limit + 2 * 1024 * 1024);
  expect(r.code).toBe(1);
  expect(r.stderr).toBe("error: <stdin> input is larger than the 16 MiB limit; reading stopped there\n");
}, 60_000);
