/**
 * `--workers N` and `$MEMPLANE_WORKERS` on run, step and serve (docs/cli.md, *run*): checked,
 * never saved, and the log is the same for any N.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { FIXTURES, memplane, requireBuild, tempDir } from "./cli-harness.js";

const OVERCOMMIT = path.join(FIXTURES, "overcommit.yaml");

requireBuild();

describe("--workers", () => {
  test.concurrent("run and step give the same log and state with any number of workers", async () => {
    const one = tempDir().dir;
    const three = tempDir().dir;
    const a = await memplane(["run", "-f", OVERCOMMIT, "--ticks", "60", "--log-format", "json", "--state", path.join(one, "s")], { cwd: one });
    const b = await memplane(["run", "-f", OVERCOMMIT, "--ticks", "60", "--log-format", "json", "--workers", "3", "--state", path.join(three, "s")], { cwd: three });
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    expect(a.stdout.split("\n").length).toBeGreaterThan(5);
    const c = await memplane(["step", "--ticks", "30", "--log-format", "json", "--state", path.join(one, "s")], { cwd: one });
    const d = await memplane(["step", "--ticks", "30", "--log-format", "json", "--workers", "2", "--state", path.join(three, "s")], { cwd: three });
    expect(d.code).toBe(0);
    expect(d.stdout).toBe(c.stdout);
  });

  test.concurrent.each([["0"], ["257"], ["1.5"], ["two"]])("refuses --workers %s as a usage error (exit 2)", async (n) => {
    const r = await memplane(["run", "-f", OVERCOMMIT, "--ticks", "1", "--workers", n]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: option '--workers <n>' argument '.*' is invalid\. expected a whole number of worker threads from 1 to 256/);
  });

  test.concurrent.each([["0"], ["257"], ["1.5"], ["two"]])("refuses MEMPLANE_WORKERS=%s as a usage error naming the variable", async (n) => {
    for (const args of [["run", "-f", OVERCOMMIT, "--ticks", "1"], ["step", "--state", path.join(tempDir().dir, "s")], ["serve", "--state", path.join(tempDir().dir, "s")]]) {
      const r = await memplane(args, { env: { MEMPLANE_WORKERS: n } });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`error: MEMPLANE_WORKERS="${n}" is invalid: expected a whole number of worker threads from 1 to 256, e.g. 2.\n`);
    }
  });

  test.concurrent("MEMPLANE_WORKERS is the default of --workers: the same log, and the flag wins over a bad variable", async () => {
    const a = await memplane(["run", "-f", OVERCOMMIT, "--ticks", "30", "--log-format", "json"]);
    const b = await memplane(["run", "-f", OVERCOMMIT, "--ticks", "30", "--log-format", "json"], { env: { MEMPLANE_WORKERS: "2" } });
    const c = await memplane(["run", "-f", OVERCOMMIT, "--ticks", "30", "--log-format", "json", "--workers", "3"], { env: { MEMPLANE_WORKERS: "two" } });
    expect([a.code, b.code, c.code]).toEqual([0, 0, 0]);
    expect(b.stdout).toBe(a.stdout);
    expect(c.stdout).toBe(a.stdout);
  });

  test.concurrent("the worker count is not saved in the state directory", async () => {
    const dir = tempDir().dir;
    const r = await memplane(["run", "-f", OVERCOMMIT, "--ticks", "5", "-q", "--workers", "3", "--state", path.join(dir, "s")], { cwd: dir });
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, "s", "state.json"), "utf8")).not.toMatch(/"workers"/);
  });

  test.concurrent("step --server does not take --workers (the server runs with its own)", async () => {
    const r = await memplane(["step", "--server", "http://127.0.0.1:9", "--workers", "2"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--workers applies to a local simulation");
  });

  test.concurrent("--help of run, step and serve lists --workers", async () => {
    for (const cmd of ["run", "step", "serve"]) {
      const r = await memplane([cmd, "--help"]);
      expect(r.stdout).toContain("--workers <n>");
      expect(r.stdout).toContain("$MEMPLANE_WORKERS");
    }
  });
});
