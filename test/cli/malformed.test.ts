/**
 * The malformed-manifest table (test/fixtures/malformed/cases.json) through the built binary:
 * every case is rejected by `apply` with exit 1, a message naming file:line and the field, no
 * stack trace, and nothing applied.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT, STACK_LINE, inParallel, memplane, requireBuild, tempDir } from "./cli-harness.js";

interface MalformedCase {
  file: string;
  line: number;
  path: string;
  contains: string;
}

const DIR = path.join(ROOT, "test/fixtures/malformed");
const CASES_FILE = path.join(DIR, "cases.json");
const cases: MalformedCase[] = fs.existsSync(CASES_FILE) ? JSON.parse(fs.readFileSync(CASES_FILE, "utf8")) : [];

requireBuild();

describe("malformed manifests", () => {
  test.concurrent("the table exists and has cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  test.concurrent("apply rejects every case: exit 1, file:line, field, message, no stack; get shows nothing applied", async () => {
    // One state directory for the whole table: any case that applied something would show in `get`.
    const { state } = tempDir();
    const failures: string[] = [];
    await inParallel(cases, Math.max(4, os.cpus().length * 2), async (c) => {
      const r = await memplane(["apply", "-f", path.join(DIR, c.file), "--state", state]);
      const problems: string[] = [];
      if (r.code !== 1) problems.push(`exit ${r.code}`);
      if (!r.stderr.includes(`${c.file}:${c.line}:`)) problems.push(`no "${c.file}:${c.line}:"`);
      if (!r.stderr.includes(c.path)) problems.push(`no field path "${c.path}"`);
      if (!r.stderr.includes(c.contains)) problems.push(`no "${c.contains}"`);
      if (STACK_LINE.test(r.stderr)) problems.push("a stack trace");
      if (r.stdout !== "") problems.push(`stdout ${JSON.stringify(r.stdout)}`);
      if (problems.length > 0) failures.push(`${c.file}: ${problems.join(", ")}\n  stderr: ${r.stderr.trim()}`);
    });
    expect(failures).toEqual([]);
    const [vms, hosts, profiles] = await Promise.all([
      memplane(["get", "vms", "-A", "-o", "json", "--state", state]),
      memplane(["get", "hosts", "-o", "json", "--state", state]),
      memplane(["get", "os", "-l", "memplane.io/builtin!=true", "-o", "json", "--state", state]),
    ]);
    expect(JSON.parse(vms.stdout).items).toEqual([]);
    expect(JSON.parse(hosts.stdout).items).toEqual([]);
    expect(JSON.parse(profiles.stdout).items).toEqual([]);
    expect(fs.existsSync(state)).toBe(false);
  }, 120_000);
});
