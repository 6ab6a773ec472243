/**
 * Local clients of `memplane serve` find its token in the state directory (`<state>/token`)
 * when neither MEMPLANE_TOKEN nor --token-file is given — only a regular file of theirs that no
 * one else may read — and an unknown kind reads the same through --server as locally (exit 2).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { BIN, FIXTURES, exitOf, memplane, requireBuild, startServe, tempDir } from "../cli/cli-harness.js";

beforeAll(requireBuild);

const unix = typeof process.getuid === "function";

(unix ? test : test.skip)("--server on loopback with --state reads <state>/token; refuses a token file others may read or a symlink", async () => {
  const { dir, state } = tempDir();
  const serve = await startServe(["--state", state, "--listen", "127.0.0.1:0", "--speed", "20"]);
  try {
    const applied = await memplane(["apply", "--server", serve.url, "--state", state, "-f", path.join(FIXTURES, "overcommit.yaml")]);
    expect(applied).toMatchObject({ code: 0, stdout: "host/esx-small created\nvirtualmachine/busy-1 created\nvirtualmachine/busy-2 created\n" });

    // the default state directory, ./.memplane, from the current directory
    fs.mkdirSync(path.join(dir, ".memplane"));
    fs.copyFileSync(path.join(state, "token"), path.join(dir, ".memplane/token"));
    fs.chmodSync(path.join(dir, ".memplane/token"), 0o600);
    const fromCwd = await memplane(["get", "vms", "-o", "name"], { cwd: dir, env: { MEMPLANE_SERVER: serve.url } });
    expect(fromCwd).toMatchObject({ code: 0, stdout: "virtualmachine/busy-1\nvirtualmachine/busy-2\n" });

    // an unknown kind: the same usage error as locally
    const [remoteKind, localKind] = await Promise.all([
      memplane(["get", "pods", "--server", serve.url, "--state", state]),
      memplane(["get", "pods", "--state", path.join(dir, "elsewhere")]),
    ]);
    expect(remoteKind.code).toBe(2);
    expect(remoteKind.stderr).toBe(localKind.stderr);
    expect(localKind.code).toBe(2);

    fs.chmodSync(path.join(dir, ".memplane/token"), 0o644);
    const readable = await memplane(["get", "vms"], { cwd: dir, env: { MEMPLANE_SERVER: serve.url } });
    expect(readable.code).toBe(1);
    expect(readable.stderr).toContain("Error from server (Unauthorized)");
    expect(readable.stderr).toContain(".memplane/token was not read: others may read or write it (mode 644; chmod 600 it)");

    fs.rmSync(path.join(dir, ".memplane/token"));
    fs.symlinkSync(path.join(state, "token"), path.join(dir, ".memplane/token"));
    const linked = await memplane(["get", "vms"], { cwd: dir, env: { MEMPLANE_SERVER: serve.url } });
    expect(linked.code).toBe(1);
    expect(linked.stderr).toContain("token was not read: it is a symbolic link");

    // get -w through the server: the table, then rows as the live clock changes the VMs; Ctrl-C exits 0
    const watch = spawn(process.execPath, [BIN, "get", "vms", "-w", "--server", serve.url, "--state", state], { env: { ...process.env, NO_COLOR: "1" } });
    let out = "";
    watch.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    for (let i = 0; i < 300 && out.split("\n").filter((l) => l.startsWith("busy-")).length < 4; i++) await new Promise((r) => setTimeout(r, 50));
    watch.kill("SIGINT");
    expect(await exitOf(watch, 10_000)).toBe(0);
    expect(out).toMatch(/^NAME\s+HOST\s+PHASE/);
    expect(out.split("\n").filter((l) => l.startsWith("busy-")).length).toBeGreaterThanOrEqual(4);

    // MEMPLANE_TOKEN wins over the file; a wrong one is not "fixed" by it
    const wrong = await memplane(["get", "vms", "--server", serve.url, "--state", state], { env: { MEMPLANE_TOKEN: "not-the-token" } });
    expect(wrong.code).toBe(1);
  } finally {
    serve.child.kill("SIGTERM");
  }
  expect(await exitOf(serve.child, 20_000)).toBe(0);
}, 60_000);
