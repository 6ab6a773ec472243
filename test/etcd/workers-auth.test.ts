/**
 * Simulation workers against an etcd with user/password auth (issue 17, security): `serve
 * --store` and its local worker run with the user whose role reads and writes the prefix (the
 * election, leases and every worker key live under it), and a `memplane worker` with a wrong
 * password exits 1 with one paragraph that names the refused login and never the password.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { FIXTURES, STACK_LINE, exitOf, memplane, requireBuild, startServe, tempDir } from "../cli/cli-harness.js";
import { describeWithEtcd, startEtcd, type TestEtcd } from "../helpers/etcd-server.js";

beforeAll(requireBuild);

describeWithEtcd("simulation workers with etcd auth", () => {
  const password = "pw-W0rker-never-printed";
  let etcd: TestEtcd;
  beforeAll(async () => void (etcd = await startEtcd({ auth: { user: "memplane", password, prefix: "/memplane" } })));
  afterAll(async () => etcd?.destroy());

  test("serve and its local worker simulate with the prefix's user; a worker with a wrong password exits 1 naming the login, not the password", async () => {
    const { dir, state } = tempDir();
    const good = path.join(dir, "pw");
    fs.writeFileSync(good, `${password}\n`, { mode: 0o600 });
    const bad = path.join(dir, "bad");
    fs.writeFileSync(bad, `${password}-typo\n`, { mode: 0o600 });
    const server = await startServe(["--store", etcd.url, "--etcd-user", "memplane", "--etcd-password-file", good, "--state", state, "--speed", "0"]);
    try {
      const env = { MEMPLANE_SERVER: server.url, MEMPLANE_TOKEN: fs.readFileSync(path.join(state, "token"), "utf8").trim() };
      expect((await memplane(["apply", "-f", path.join(FIXTURES, "overcommit.yaml")], { env })).code).toBe(0);
      const stepped = await memplane(["step", "--server", server.url, "--ticks", "5", "-q"], { env });
      expect(stepped.stderr).toBe("");
      expect(stepped.code).toBe(0);
      const owners = etcd.etcdctl(["get", "--prefix", "/memplane/sim/runs/", "--keys-only"]);
      expect(owners).toMatch(/\/owner\//);

      const refused = await memplane(["worker", "--store", etcd.url, "--etcd-user", "memplane", "--etcd-password-file", bad, "--name", "w-bad"]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^error: .*refused the login as user "memplane"/);
      expect(refused.stderr).not.toContain(password);
      expect(refused.stderr).not.toMatch(STACK_LINE);
      expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    } finally {
      server.child.kill("SIGTERM");
    }
    expect(await exitOf(server.child, 20_000)).toBe(0);
    expect(server.stderr()).not.toContain(password);
  });
});
