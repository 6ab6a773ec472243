/**
 * The simulation workers (issue 17) through the built binary, for what an operator does around
 * them besides faults (test/etcd/workers.test.ts has those): a worker stopped with SIGTERM hands
 * its shards over with a checkpoint; `serve` stopped and started again while the workers keep
 * running; a worker over TLS with user and password, the password in no output. Each run ends
 * as a file-backed `memplane serve` driven the same way ends.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { exitOf, requireBuild, tempDir } from "../cli/cli-harness.js";
import { describeWithEtcd, startEtcd, type TestEtcd } from "../helpers/etcd-server.js";
import { until } from "../server/server-harness.js";
import { CLUSTER, SERVE_FLAGS, bounded, fileBackedReference, drive, expectSame, killChildren, owners, readLog, serve, startWorker, step, type Outcome, type Served, type Worker } from "../helpers/sim-workers.js";

beforeAll(requireBuild);
afterEach(killChildren);

describeWithEtcd("simulation workers on etcd: operations", () => {
  let etcd: TestEtcd;
  let reference: Outcome;

  beforeAll(async () => {
    etcd = await startEtcd();
    reference = await fileBackedReference();
  }, 60_000);
  afterAll(async () => etcd?.destroy());

  test("a worker stopped with SIGTERM hands its shard over with a checkpoint and exits 0; the run ends as without the stop", async () => {
    const prefix = "/o-sigterm";
    const served = await serve(["--store", etcd.url, "--etcd-prefix", prefix, ...SERVE_FLAGS, "--no-local-worker", "--shards", "3"]);
    const workers = await Promise.all(["w1", "w2", "w3"].map((n) => startWorker(etcd, prefix, n)));
    let leaving: Worker | undefined;
    const got = await drive(served, async () => {
      const held = [...owners(etcd, prefix).values()];
      leaving = workers.find((w) => held.includes(w.name))!;
      leaving.child.kill("SIGTERM");
      expect(await exitOf(leaving.child, 15_000)).toBe(0);
      expect(leaving.stderr()).toContain(`SIGTERM: worker ${leaving.name} handed its shards back and left`);
    });
    expectSame(got, reference);
    expect([...owners(etcd, prefix).values()]).not.toContain(leaving!.name);
    // handed over at tick 13: its next holder re-runs nothing
    expect(workers.filter((w) => w !== leaving).some((w) => /holds shard \d+ from its checkpoint at tick 13/.test(w.stderr()))).toBe(true);
  }, 60_000);

  test("serve stopped and started again while the workers keep running: the workers follow the new server and the run ends as without the stop", async () => {
    const prefix = "/o-reserve";
    const args = ["--store", etcd.url, "--etcd-prefix", prefix, ...SERVE_FLAGS, "--no-local-worker", "--shards", "3"];
    const first = await serve(args);
    await Promise.all(["w1", "w2"].map((n) => startWorker(etcd, prefix, n)));
    let before: Record<string, unknown>[] = [];
    const got = await drive(first, async (): Promise<Served> => {
      before = await readLog(first); // the log is not kept in etcd: a server shows the entries since its start
      first.child.kill("SIGTERM");
      expect(await exitOf(first.child, 20_000)).toBe(0);
      const second = await serve(args); // its own token; the cluster is in etcd
      await until(() => second.stderr().includes("Ctrl-C to stop"), 10_000, "the start-up line");
      expect(second.stderr()).toContain("at tick 13 (13s)");
      return second;
    });
    expectSame({ ...got, log: [...before, ...got.log] }, reference);
    expect(new Set(owners(etcd, prefix).values())).toEqual(new Set(["w1", "w2"]));
  }, 60_000);

  test("kill -9 of a worker in the middle of a step: the step waits for the lease, and the run ends as without the kill", async () => {
    const prefix = "/o-midstep";
    const served = await serve(["--store", etcd.url, "--etcd-prefix", prefix, ...SERVE_FLAGS, "--no-local-worker", "--shards", "3"]);
    const workers = await Promise.all(["w1", "w2", "w3"].map((n) => startWorker(etcd, prefix, n)));
    const got = await drive(
      served,
      async () => undefined,
      async (s) => {
        const [shard, name] = [...owners(etcd, prefix)][0]!;
        const victim = workers.find((w) => w.name === name)!;
        // the victim's shard's calls: the step is a tick into the shard once two more are written
        const run = (JSON.parse(etcd.etcdctl(["get", `${prefix}/sim/run`, "--print-value-only"])) as { run: number }).run;
        const inbox = `${prefix}/sim/runs/${String(run).padStart(12, "0")}/in/${String(shard).padStart(12, "0")}/`;
        const lastCall = (): number => Math.max(0, ...etcd.etcdctl(["get", "--prefix", inbox, "--keys-only"]).split("\n").filter((k) => k !== "").map((k) => Number(k.slice(inbox.length))));
        const before = lastCall();
        let done = false;
        const stepping = step(s, 7).finally(() => (done = true));
        await until(() => done || lastCall() >= before + 3, 20_000, "the step to get a tick into the shard");
        expect(done).toBe(false);
        victim.child.kill("SIGKILL");
        await stepping;
      },
    );
    expectSame(got, reference);
  }, 60_000);

  // The coordinator's campaign lease is 5 s (coordinator.ts), so a server restarted after a crash
  // wins the election once the dead one's lease ran out; Events published after the last engine
  // checkpoint are dropped at the load (etcd-store.ts) and made again when those ticks re-run.
  test("serve killed with -9 and started again at once: the new server coordinates the running workers", async () => {
    const prefix = "/o-crash";
    const args = ["--store", etcd.url, "--etcd-prefix", prefix, ...SERVE_FLAGS, "--no-local-worker", "--shards", "2"];
    const first = await serve(args);
    await startWorker(etcd, prefix, "w1");
    expect((await bounded(["apply", "-f", CLUSTER], first.env)).code).toBe(0);
    await step(first, 3);
    first.child.kill("SIGKILL");
    await exitOf(first.child, 5000).catch(() => undefined);
    const second = await serve(args);
    await until(() => second.stderr().includes("Ctrl-C to stop"), 10_000, "the start-up line");
    const stepped = await bounded(["step", "--server", second.url, "--ticks", "2"], second.env);
    expect(stepped).toMatchObject({ code: 0 });
    expect(new Set(owners(etcd, prefix).values())).toEqual(new Set(["w1"]));
  }, 60_000);

  describe("over TLS with user and password", () => {
    const password = "Wk-17-etcd-password-not-for-logs";
    let secure: TestEtcd;
    beforeAll(async () => {
      secure = await startEtcd({ tls: true, auth: { user: "memplane", password, prefix: "/memplane" } });
    }, 60_000);
    afterAll(async () => secure?.destroy());

    test("a worker logs in with the server's TLS and credential options; a wrong password exits 1 naming the login; no password in any output", async () => {
      const { dir } = tempDir();
      const certs = secure.certificates!;
      const passwordFile = path.join(dir, "etcd-password");
      fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
      const wrongFile = path.join(dir, "wrong-password");
      fs.writeFileSync(wrongFile, `${password}-wrong\n`, { mode: 0o600 });
      const tls = ["--etcd-ca", certs.ca, "--etcd-cert", certs.clientCert, "--etcd-key", certs.clientKey, "--etcd-user", "memplane"];

      const wrong = await bounded(["worker", "--store", secure.url, "--name", "w1", ...tls, "--etcd-password-file", wrongFile], {}, 20_000);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/^error: etcd at etcds:\/\/127\.0\.0\.1:\d+ refused the login as user "memplane" at start-up: wrong user name or password/);
      expect(wrong.stdout + wrong.stderr).not.toContain(password);

      const served = await serve(["--store", secure.url, ...tls, "--etcd-password-file", passwordFile, ...SERVE_FLAGS, "--no-local-worker"]);
      const worker = await startWorker(secure, "/memplane", "w1", [...tls, "--etcd-password-file", passwordFile]);
      const got = await drive(served);
      expectSame(got, reference);
      expect(worker.stderr() + served.stderr()).not.toContain(password);
    }, 60_000);
  });
});
