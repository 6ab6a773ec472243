/**
 * `memplane serve --store` through the built binary, for what an operator meets around etcd:
 * etcd not there at start (exit 1, one paragraph, no stack trace, no hang); TLS with a client
 * certificate and user/password auth (the password from a file, in no output); and etcd stopped
 * and started under a running server — clients get a clear 503 while it is down, never a hang,
 * and the same cluster after it is back.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { FIXTURES, STACK_LINE, exitOf, memplane, requireBuild, startServe, tempDir, type CliResult } from "../cli/cli-harness.js";
import { describeWithEtcd, freePort, startEtcd, type TestEtcd } from "../helpers/etcd-server.js";

beforeAll(requireBuild);

/** `memplane ...args`, failing the test instead of hanging when it runs for more than `ms`. */
async function bounded(args: string[], env: Record<string, string>, ms = 30_000): Promise<CliResult> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`memplane ${args.join(" ")} still running after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([memplane(args, { env }), hang]);
  } finally {
    clearTimeout(timer);
  }
}

describeWithEtcd("serve --store: etcd operations", () => {
  test("no etcd at the address: serve exits 1 with one paragraph naming the endpoint", async () => {
    const { state } = tempDir();
    const port = await freePort();
    const result = await bounded(["serve", "--store", `etcd://127.0.0.1:${port}`, "--state", state], {});
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(new RegExp(`^error: cannot reach etcd at etcd://127\\.0\\.0\\.1:${port} at start-up \\(connect ECONNREFUSED [^)]*\\); is etcd running and listening there`));
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).not.toMatch(STACK_LINE);
  });

  test("a bad flag combination is a usage error (exit 2)", async () => {
    const { state } = tempDir();
    const result = await bounded(["serve", "--store", "etcd://127.0.0.1:2379", "--etcd-ca", path.join(FIXTURES, "overcommit.yaml"), "--state", state], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: --etcd-ca given with the plain URL etcd:\/\/127\.0\.0\.1:2379; use etcds:\/\//);
  });

  describe("over TLS with user and password", () => {
    const password = "Sq-51-etcd-password-not-for-logs";
    let etcd: TestEtcd;
    beforeAll(async () => {
      etcd = await startEtcd({ tls: true, auth: { user: "memplane", password, prefix: "/memplane" } });
    });
    afterAll(async () => etcd?.destroy());

    test("a wrong password: exit 1, the login named, no password in the output", async () => {
      const { dir, state } = tempDir();
      const passwordFile = path.join(dir, "etcd-password");
      fs.writeFileSync(passwordFile, `${password}-wrong\n`);
      fs.chmodSync(passwordFile, 0o640);
      const certs = etcd.certificates!;
      const result = await bounded(
        ["serve", "--store", etcd.url, "--etcd-ca", certs.ca, "--etcd-cert", certs.clientCert, "--etcd-key", certs.clientKey, "--etcd-user", "memplane", "--etcd-password-file", passwordFile, "--state", state],
        {},
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^warning: etcd password file .* is readable by its group \(mode 0640\): .*chmod 600/);
      expect(result.stderr).toMatch(/\nerror: etcd at etcds:\/\/127\.0\.0\.1:\d+ refused the login as user "memplane" at start-up: wrong user name or password/);
      expect(result.stdout + result.stderr).not.toContain(password);
    });

    test("CA, client certificate and password (from MEMPLANE_ETCD_PASSWORD): apply and get work, one key per object, no password anywhere", async () => {
      const { state } = tempDir();
      const certs = etcd.certificates!;
      process.env.MEMPLANE_ETCD_PASSWORD = password;
      let serve: Awaited<ReturnType<typeof startServe>>;
      try {
        serve = await startServe(["--store", etcd.url, "--etcd-ca", certs.ca, "--etcd-cert", certs.clientCert, "--etcd-key", certs.clientKey, "--etcd-user", "memplane", "--state", state, "--speed", "0"]);
      } finally {
        delete process.env.MEMPLANE_ETCD_PASSWORD;
      }
      let output = "";
      try {
        const env = { MEMPLANE_SERVER: serve.url, MEMPLANE_TOKEN: fs.readFileSync(path.join(state, "token"), "utf8").trim() };
        const applied = await bounded(["apply", "-f", path.join(FIXTURES, "overcommit.yaml")], env);
        expect(applied).toMatchObject({ code: 0, stdout: "host/esx-small created\nvirtualmachine/busy-1 created\nvirtualmachine/busy-2 created\n" });
        const keys = etcd.etcdctl(["get", "--prefix", "/memplane/", "--keys-only"]).split("\n").filter((k) => k !== "");
        expect(keys.filter((k) => /busy-1|busy-2|esx-small/.test(k))).toHaveLength(3);
        output = applied.stdout + applied.stderr;
      } finally {
        serve.child.kill("SIGTERM");
      }
      expect(await exitOf(serve.child, 20_000)).toBe(0);
      expect(output + serve.stderr()).not.toContain(password);
      expect(fs.readdirSync(state).some((f) => fs.readFileSync(path.join(state, f), "utf8").includes(password))).toBe(false);
    });
  });

  test("etcd stopped and started under a running server: clear 503 while down, never a hang, the same cluster after", async () => {
    const etcd = await startEtcd();
    const { state } = tempDir();
    let serve: Awaited<ReturnType<typeof startServe>> | undefined;
    try {
      serve = await startServe(["--store", etcd.url, "--state", state, "--speed", "0"]);
      const env = { MEMPLANE_SERVER: serve.url, MEMPLANE_TOKEN: fs.readFileSync(path.join(state, "token"), "utf8").trim() };
      expect((await bounded(["apply", "-f", path.join(FIXTURES, "overcommit.yaml")], env)).code).toBe(0);

      await etcd.stop();
      const read = await bounded(["get", "vms"], env);
      expect(read.code).toBe(1);
      expect(read.stderr).toMatch(new RegExp(`Error from server \\(ServiceUnavailable\\): .*etcd at ${etcd.url.replace(/\./g, "\\.")}`));
      expect(read.stderr).not.toMatch(STACK_LINE);
      const write = await bounded(["delete", "vm", "busy-2"], env);
      expect(write.code).toBe(1);
      expect(write.stderr).toMatch(/Error from server \(ServiceUnavailable\)/);
      expect(serve.stderr()).toMatch(/etcd/);

      await etcd.start();
      let got: CliResult | undefined;
      for (let i = 0; i < 60; i++) {
        got = await bounded(["get", "vms", "-o", "name"], env);
        if (got.code === 0) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(got).toMatchObject({ code: 0, stdout: "virtualmachine/busy-1\nvirtualmachine/busy-2\n" });
      expect(await bounded(["step", "--server", serve.url], env)).toMatchObject({ code: 0 });
      expect(serve.stderr()).toMatch(/is back/);
    } finally {
      serve?.child.kill("SIGTERM");
      if (serve) expect(await exitOf(serve.child, 20_000)).toBe(0);
      await etcd.destroy();
    }
  });
});
