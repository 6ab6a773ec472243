/**
 * The simulation workers of issue 17 (`memplane worker`, `serve --store … --shards N`) through
 * the built binary, against a throwaway etcd. Every run applies the same churny cluster
 * (test/fixtures/workers/: six hosts, all low from the first tick, VMs moving across shards, a
 * host and VMs arriving and a VM deleted mid-run) and steps it to tick 20; its final VMs and
 * hosts (spec and status, without resourceVersion) and its log must equal those of a file-backed
 * `memplane serve --state DIR` driven the same way — on 3 worker processes, on the local worker,
 * after a kill -9 of a worker holding shards, with a worker joining mid-run and across an etcd
 * restart. Every child process is killed after each test, passed or failed.
 */
import { STACK_LINE, exitOf, requireBuild } from "../cli/cli-harness.js";
import { describeWithEtcd, freePort, startEtcd, type TestEtcd } from "../helpers/etcd-server.js";
import { CLUSTER, SERVE_FLAGS, bounded, fileBackedReference, children, drive, expectSame, killChildren, owners, serve, startWorker, step, type Outcome, type Served, type Worker } from "../helpers/sim-workers.js";
import { until } from "../server/server-harness.js";

beforeAll(requireBuild);

afterEach(killChildren);

describeWithEtcd("simulation workers on etcd", () => {
  let etcd: TestEtcd;
  /** The fault-free reference: a file-backed server driven the same way. */
  let reference: Outcome;

  beforeAll(async () => {
    etcd = await startEtcd();
    reference = await fileBackedReference();
    expect(reference.log.length).toBeGreaterThan(500);
    expect([...new Set(reference.log.map((e) => e.action))]).toEqual(expect.arrayContaining(["BalloonTargetChanged", "SwapTargetChanged", "CompressionStarted", "StateChanged"]));
  }, 60_000);
  afterAll(async () => etcd?.destroy());

  test("3 worker processes and no local worker: the same objects and log as one process", async () => {
    const prefix = "/w-three";
    const served = await serve(["--store", etcd.url, "--etcd-prefix", prefix, ...SERVE_FLAGS, "--no-local-worker", "--shards", "3"]);
    // no worker yet: a step is refused at once, with what to do
    const early = await bounded(["step", "--server", served.url], served.env, 10_000);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/\(ServiceUnavailable\): cannot step now: no simulation worker is live under etcd:\/\/.* start one with memplane worker --store/);
    const workers = await Promise.all(["w1", "w2", "w3"].map((n) => startWorker(etcd, prefix, n)));
    const got = await drive(served, async () => {
      // every worker holds one shard of three
      expect([...owners(etcd, prefix).values()].sort()).toEqual(["w1", "w2", "w3"]);
    });
    expectSame(got, reference);
    for (const w of workers) expect(w.stderr()).toMatch(new RegExp(`worker ${w.name} holds shard \\d`));
  }, 60_000);

  test("the default: serve's local worker alone, 2 shards", async () => {
    const prefix = "/w-local";
    const served = await serve(["--store", etcd.url, "--etcd-prefix", prefix, ...SERVE_FLAGS]);
    const got = await drive(served, async () => {
      const held = owners(etcd, prefix);
      expect(held.size).toBe(2);
      expect([...held.values()].every((w) => w.endsWith("-local"))).toBe(true);
    });
    expectSame(got, reference);
  }, 60_000);

  test("kill -9 of a worker holding a shard: its shard moves after the lease expires and the run ends as without the kill", async () => {
    const prefix = "/w-kill";
    const served = await serve(["--store", etcd.url, "--etcd-prefix", prefix, ...SERVE_FLAGS, "--no-local-worker", "--shards", "3"]);
    const workers = await Promise.all(["w1", "w2", "w3"].map((n) => startWorker(etcd, prefix, n)));
    let victim: Worker | undefined;
    const got = await drive(served, async () => {
      const held = owners(etcd, prefix);
      victim = workers.find((w) => [...held.values()].includes(w.name))!;
      const registered = JSON.parse(etcd.etcdctl(["get", `${prefix}/sim/workers/${victim.name}`, "--print-value-only"])) as { pid: number };
      expect(registered.pid).toBe(victim.child.pid);
      process.kill(registered.pid, "SIGKILL");
      await exitOf(victim.child, 5000).catch(() => undefined);
    });
    expectSame(got, reference);
    expect(new Set(got.log.map((e) => JSON.stringify(e))).size).toBe(new Set(reference.log.map((e) => JSON.stringify(e))).size); // no entry twice
    const held = owners(etcd, prefix);
    expect(held.size).toBe(3);
    expect([...held.values()]).not.toContain(victim!.name);
    expect(served.stderr()).toContain(`simulation worker ${victim!.name} left`);
    expect(workers.filter((w) => w !== victim).some((w) => /holds shard \d+ from its checkpoint at tick 10/.test(w.stderr()))).toBe(true);
  }, 60_000);

  test("a worker joining mid-run gets a shard at the next tick boundary; the run ends as with one worker", async () => {
    const prefix = "/w-join";
    const served = await serve(["--store", etcd.url, "--etcd-prefix", prefix, ...SERVE_FLAGS, "--no-local-worker", "--shards", "3"]);
    await startWorker(etcd, prefix, "w1");
    let second: Worker | undefined;
    const got = await drive(served, async () => {
      expect([...owners(etcd, prefix).values()]).toEqual(["w1", "w1", "w1"]);
      second = await startWorker(etcd, prefix, "w2");
    });
    expectSame(got, reference);
    expect([...owners(etcd, prefix).values()].filter((w) => w === "w2").length).toBeGreaterThanOrEqual(1);
    expect(second!.stderr()).toMatch(/worker w2 holds shard \d+ from its checkpoint at tick 13/);
  }, 60_000);

  /**
   * Steps to tick 20 once the server and the workers are back. A step refused before its first
   * tick advances nothing; one the client gave up on (its ticks waiting for a worker to join
   * again) may still run on the server — so the clock is read before each try.
   */
  const stepWhenBack = async (s: Served): Promise<void> => {
    let tick = -1;
    for (let i = 0; i < 40 && tick !== 20; i++) {
      const clock = await bounded(["clock", "status", "-o", "json", "--server", s.url], s.env);
      if (clock.code === 0) tick = (JSON.parse(clock.stdout) as { tick: number }).tick;
      if (tick >= 0 && tick < 20) await bounded(["step", "--server", s.url, "--ticks", String(20 - tick)], s.env);
      if (tick !== 20) await new Promise((r) => setTimeout(r, 500));
    }
    expect(tick).toBe(20);
  };

  test("etcd stopped past the workers' leases and started again: the workers join again and the run ends as without the stop", async () => {
    const own = await startEtcd();
    try {
      const prefix = "/w-restart";
      const served = await serve(["--store", own.url, "--etcd-prefix", prefix, ...SERVE_FLAGS, "--shards", "3"]);
      const worker = await startWorker(own, prefix, "w1");
      const got = await drive(
        served,
        async () => {
          await own.stop();
          await until(() => worker.stderr().includes("worker w1 lost its lease"), 15_000, "the worker to lose its lease");
          await new Promise((r) => setTimeout(r, 3000)); // a few attempts to join again fail
          await own.start();
        },
        stepWhenBack,
      );
      expectSame(got, reference);
      expect(worker.stderr()).toContain("worker w1 joined again");
    } finally {
      for (const c of children) c.kill("SIGKILL");
      await own.destroy();
    }
  }, 60_000);

  // A tick never starts into an outage (the coordinator asks etcd first), and the engine
  // checkpoint asks etcd before it asks the shards, so nothing waits on the relay while etcd is away.
  test("while etcd is down, reads and steps get a clear error instead of hanging", async () => {
    const own = await startEtcd();
    try {
      const prefix = "/w-down";
      const served = await serve(["--store", own.url, "--etcd-prefix", prefix, ...SERVE_FLAGS, "--checkpoint-period", "1s"]);
      expect((await bounded(["apply", "-f", CLUSTER], served.env)).code).toBe(0);
      await step(served, 3);
      await own.stop();
      await new Promise((r) => setTimeout(r, 2500)); // past an engine checkpoint
      const read = await bounded(["get", "hosts"], served.env, 6000);
      expect(read.code).toBe(1);
      expect(read.stderr).toMatch(/Error from server \(ServiceUnavailable\): .*etcd/);
      const r = await bounded(["step", "--server", served.url, "--ticks", "1"], served.env, 6000);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/etcd|simulation worker/);
      expect(r.stderr).not.toMatch(STACK_LINE);
    } finally {
      for (const c of children) c.kill("SIGKILL");
      await own.destroy();
    }
  }, 40_000);

  test("a worker that cannot reach etcd at start, or whose name is taken, exits 1 with one paragraph; worker without --store names --store", async () => {
    const port = await freePort();
    const r = await bounded(["worker", "--store", `etcd://127.0.0.1:${port}`], {}, 20_000);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(new RegExp(`^error: cannot reach etcd at etcd://127\\.0\\.0\\.1:${port}`));
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).not.toMatch(STACK_LINE);

    // a second live worker of the same name is refused
    await startWorker(etcd, "/w-names", "twin");
    const twin = await bounded(["worker", "--store", etcd.url, "--etcd-prefix", "/w-names", "--name", "twin"], {}, 20_000);
    expect(twin.code).toBe(1);
    expect(twin.stderr).toMatch(/^error: the worker could not join at .*: a live worker named twin is already registered/);
    expect(twin.stderr.trim().split("\n")).toHaveLength(1);

    const bare = await bounded(["worker"], {}, 20_000);
    expect([1, 2]).toContain(bare.code);
    expect(bare.stderr).toMatch(/^error: .*--store/);
    expect(bare.stderr.trim().split("\n")).toHaveLength(1);
  }, 30_000);
});
