/**
 * `--workers N` on run, step and serve (docs/cli.md, *run*): checked and accepted; today every
 * simulation runs on one thread, so the log is the same for any N.
 */
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

  test.concurrent("step --server does not take --workers (the server runs with its own)", async () => {
    const r = await memplane(["step", "--server", "http://127.0.0.1:9", "--workers", "2"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--workers applies to a local simulation");
  });

  test.concurrent("--help of run, step and serve lists --workers", async () => {
    for (const cmd of ["run", "step", "serve"]) {
      const r = await memplane([cmd, "--help"]);
      expect(r.stdout).toContain("--workers <n>");
    }
  });
});
