/**
 * `memplane run --watch` through the built binary: it keeps simulating in real time, an invalid
 * edit prints the error and keeps the last good state, a valid edit is applied, and SIGTERM
 * saves the state.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { BIN, FIXTURES, memplane, requireBuild, tempDir } from "../cli/cli-harness.js";

beforeAll(requireBuild);

test("run --watch re-applies edited manifests, survives an invalid edit and saves on SIGTERM", async () => {
  const { dir, state } = tempDir();
  const manifest = path.join(dir, "cluster.yaml");
  fs.writeFileSync(manifest, fs.readFileSync(path.join(FIXTURES, "overcommit.yaml"), "utf8"));
  const child = spawn(process.execPath, [BIN, "run", "-f", manifest, "--watch", "--speed", "50", "--state", state, "--log-format", "json"], {
    env: { ...process.env, NO_COLOR: "1", MEMPLANE_STATE: undefined },
  });
  let stderr = "";
  let stdout = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

  /** Waits until stderr matches, at most `ms`. */
  const waitFor = async (pattern: RegExp, ms: number): Promise<void> => {
    const deadline = Date.now() + ms;
    while (!pattern.test(stderr)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`timed out waiting for ${pattern}; stderr so far:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  try {
    await waitFor(/watching .*cluster\.yaml/, 20_000);
    expect(stderr).toContain("virtualmachine/busy-1 created");

    fs.writeFileSync(manifest, fs.readFileSync(manifest, "utf8").replace(/memory: 4Gi/g, "memory: 4Gx"));
    await waitFor(/the last good manifests keep running/, 10_000);
    expect(stderr).toMatch(/error: .*cluster\.yaml:15:11 spec\.memory: must be a memory quantity/);

    fs.writeFileSync(manifest, fs.readFileSync(manifest, "utf8").replace(/memory: 4Gx/g, "memory: 3Gi"));
    await waitFor(/virtualmachine\/busy-2 configured/, 10_000);
    expect(stdout).toMatch(/"action":"Admitted"/); // the log streams while it runs
  } finally {
    child.kill("SIGTERM");
  }
  const code = await Promise.race([exited, new Promise<"hung">((r) => setTimeout(() => r("hung"), 20_000).unref())]);
  if (code === "hung") child.kill("SIGKILL");
  expect(code).toBe(0);
  expect(stderr).toMatch(/SIGTERM: stopped after \d+ ticks at tick \d+ .*state saved to/);

  const saved = await memplane(["get", "vms", "--state", state, "-o", "json"]);
  const items = JSON.parse(saved.stdout).items;
  expect(items.map((o: any) => o.spec.memory)).toEqual(["3Gi", "3Gi"]);
});

test("run --speed without --watch, and --watch on stdin, are usage errors", async () => {
  const [speed, stdin] = await Promise.all([
    memplane(["run", "-f", path.join(FIXTURES, "overcommit.yaml"), "--speed", "5"]),
    memplane(["run", "-f", "-", "--watch"], { stdin: "" }),
  ]);
  expect(speed.code).toBe(2);
  expect(speed.stderr).toContain("--speed only applies with --watch");
  expect(stdin.code).toBe(2);
  expect(stdin.stderr).toContain("cannot watch stdin");
});
