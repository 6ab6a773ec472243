/**
 * `memplane serve` through the built binary, as a user runs it: start it on a free port, apply
 * and get through `--server`, stop it with SIGTERM and find everything saved in the state dir.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { FIXTURES, exitOf, memplane, requireBuild, startServe, tempDir } from "../cli/cli-harness.js";

beforeAll(requireBuild);

test("serve, apply --server, get --server, SIGTERM saves the state", async () => {
  const { state } = tempDir();
  const serve = await startServe(["--state", state, "--listen", "127.0.0.1:0", "--speed", "20"]);
  try {
    const tokenFile = path.join(state, "token");
    expect(fs.statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(tokenFile, "utf8").trim()).toMatch(/^[0-9a-f]{64}$/);

    const denied = await memplane(["apply", "--server", serve.url, "-f", path.join(FIXTURES, "overcommit.yaml")]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain("Error from server (Unauthorized)");

    const applied = await memplane(["apply", "--server", serve.url, "--token-file", tokenFile, "-f", path.join(FIXTURES, "overcommit.yaml")]);
    expect(applied).toMatchObject({ code: 0, stdout: "host/esx-small created\nvirtualmachine/busy-1 created\nvirtualmachine/busy-2 created\n" });

    const anonymous = await memplane(["get", "vms"], { env: { MEMPLANE_SERVER: serve.url } });
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain("Error from server (Unauthorized)");
    expect(anonymous.stderr).toContain("set MEMPLANE_TOKEN or pass --token-file");

    const got = await memplane(["get", "vms", "-o", "json"], { env: { MEMPLANE_SERVER: serve.url, MEMPLANE_TOKEN: fs.readFileSync(tokenFile, "utf8").trim() } });
    expect(got.code).toBe(0);
    const list = JSON.parse(got.stdout);
    expect(list).toMatchObject({ apiVersion: "v1", kind: "List" });
    expect(list.items.map((o: any) => o.metadata.name)).toEqual(["busy-1", "busy-2"]);

    const env = { MEMPLANE_SERVER: serve.url, MEMPLANE_TOKEN: fs.readFileSync(tokenFile, "utf8").trim() };
    const [deleted, missing] = await Promise.all([memplane(["delete", "vm", "busy-2"], { env }), memplane(["get", "vm", "nope"], { env })]);
    expect(deleted).toMatchObject({ code: 0, stdout: "virtualmachine/busy-2 deleted\n" });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Error from server (NotFound): virtualmachines "nope" not found in namespace "default"');

    const step = await memplane(["step", "--server", serve.url], { env });
    expect(step.code).toBe(0);
    expect(step.stderr).toContain(`advanced 1 tick on ${serve.url}`);
  } finally {
    serve.child.kill("SIGTERM");
  }
  expect(await exitOf(serve.child, 20_000)).toBe(0);
  expect(serve.stderr()).toMatch(/SIGTERM: stopped at tick \d+ .*state saved to/);
  expect(fs.existsSync(path.join(state, "lock"))).toBe(false);

  const saved = await memplane(["get", "vms", "--state", state, "-o", "json"]);
  expect(JSON.parse(saved.stdout).items.map((o: any) => o.metadata.name)).toEqual(["busy-1"]);
  const savedState = JSON.parse(fs.readFileSync(path.join(state, "state.json"), "utf8"));
  expect(savedState.tick).toBeGreaterThan(0);
});
