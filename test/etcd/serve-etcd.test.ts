/**
 * `memplane serve --store etcd://…` through the built binary, against a throwaway etcd: the
 * `--server` commands work as against the file-backed server (apply, step, get, logs, delete),
 * `--state` keeps only the token, and a stop and a start on the same etcd continue the cluster,
 * the simulated time and the model — ending where the file-backed server, never stopped, ends.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { FIXTURES, exitOf, memplane, requireBuild, startServe, tempDir } from "../cli/cli-harness.js";
import { describeWithEtcd, startEtcd, type TestEtcd } from "../helpers/etcd-server.js";
import { until } from "../server/server-harness.js";

beforeAll(requireBuild);

/** The VMs and hosts a server holds now, without resourceVersions (etcd's revisions are not the file store's counter). */
async function cluster(env: Record<string, string>): Promise<unknown> {
  const out: Record<string, unknown> = {};
  for (const kind of ["hosts", "vms"]) {
    const got = await memplane(["get", kind, "-o", "json"], { env });
    expect(got.code).toBe(0);
    out[kind] = JSON.parse(got.stdout).items.map((o: any) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } }));
  }
  return out;
}

/** `step --server` N ticks; returns its stderr. */
async function step(env: Record<string, string>, ticks: number): Promise<string> {
  const r = await memplane(["step", "--server", env.MEMPLANE_SERVER!, "--ticks", String(ticks)], { env });
  expect(r.code).toBe(0);
  return r.stderr;
}

const envOf = (url: string, state: string): Record<string, string> => ({ MEMPLANE_SERVER: url, MEMPLANE_TOKEN: fs.readFileSync(path.join(state, "token"), "utf8").trim() });

describeWithEtcd("serve --store etcd", () => {
  let etcd: TestEtcd;
  beforeAll(async () => void (etcd = await startEtcd()));
  afterAll(async () => etcd?.destroy());

  test("apply, step, get, logs and delete work as on the file-backed server, and a restart continues where it stopped", async () => {
    const manifest = path.join(FIXTURES, "overcommit.yaml");
    // the reference: the file-backed server, 20 ticks without a stop
    const file = tempDir();
    const plain = await startServe(["--state", file.state, "--speed", "0"]);
    let expected: unknown;
    try {
      const env = envOf(plain.url, file.state);
      expect((await memplane(["apply", "--server", plain.url, "-f", manifest], { env })).code).toBe(0);
      await step(env, 12);
      await step(env, 8);
      expected = await cluster(env);
    } finally {
      plain.child.kill("SIGTERM");
    }
    expect(await exitOf(plain.child, 20_000)).toBe(0);

    const { state } = tempDir();
    const args = ["--store", etcd.url, "--etcd-prefix", "/serve-test", "--state", state, "--speed", "0"];
    const first = await startServe(args);
    try {
      await until(() => first.stderr().includes("Ctrl-C to stop"), 10_000, "the start-up line");
      expect(first.stderr()).toContain(`${etcd.url} prefix /serve-test at tick 0`);
      const env = envOf(first.url, state);
      const applied = await memplane(["apply", "--server", first.url, "-f", manifest], { env });
      expect(applied).toMatchObject({ code: 0, stdout: "host/esx-small created\nvirtualmachine/busy-1 created\nvirtualmachine/busy-2 created\n" });
      expect(await step(env, 12)).toContain("to tick 12");
      const logs = await memplane(["logs", "--server", first.url], { env });
      expect(logs.code).toBe(0);
      expect(logs.stdout.trim().split("\n").length).toBeGreaterThan(0);
      // one etcd key per object, the VMs among them
      const keys = etcd.etcdctl(["get", "--prefix", "/serve-test/objects/", "--keys-only"]).split("\n").filter((l) => l !== "");
      expect(keys).toEqual(expect.arrayContaining(["/serve-test/objects/hosts/-/esx-small", "/serve-test/objects/virtualmachines/default/busy-1", "/serve-test/objects/virtualmachines/default/busy-2"]));
    } finally {
      first.child.kill("SIGTERM");
    }
    expect(await exitOf(first.child, 20_000)).toBe(0);
    expect(first.stderr()).toMatch(/SIGTERM: stopped at tick 12 .*committed and checkpointed to etcd:\/\//);
    expect(fs.readdirSync(state)).toEqual(["token"]); // no state.json, no log: the cluster is in etcd

    const second = await startServe(args);
    try {
      await until(() => second.stderr().includes("Ctrl-C to stop"), 10_000, "the start-up line");
      expect(second.stderr()).toContain("at tick 12 (12s)");
      const env = envOf(second.url, state);
      expect(await step(env, 8)).toContain("to tick 20");
      expect(await cluster(env)).toEqual(expected);
      const deleted = await memplane(["delete", "vm", "busy-2"], { env });
      expect(deleted).toMatchObject({ code: 0, stdout: "virtualmachine/busy-2 deleted\n" });
      expect(etcd.etcdctl(["get", "/serve-test/objects/virtualmachines/default/busy-2", "--keys-only"]).trim()).toBe("");
    } finally {
      second.child.kill("SIGTERM");
    }
    expect(await exitOf(second.child, 20_000)).toBe(0);
  });

  test("a server that cannot reach etcd at start exits 1 with one clear paragraph", async () => {
    const { state } = tempDir();
    const r = await memplane(["serve", "--store", "etcd://127.0.0.1:1", "--state", state, "--speed", "0"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot reach etcd at etcd:\/\/127\.0\.0\.1:1/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});
