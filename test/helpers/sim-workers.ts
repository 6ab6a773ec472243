/**
 * Helpers of the simulation-worker tests (test/etcd/workers*.test.ts): `memplane serve` and
 * `memplane worker` children of the built binary (every one killed by {@link killChildren}), the
 * run every test drives on the churny cluster of test/fixtures/workers/, and the comparison of
 * its outcome (VMs, hosts, log) with a reference run.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { BIN, ROOT, exitOf, startServe, tempDir, type CliResult } from "../cli/cli-harness.js";
import type { TestEtcd } from "./etcd-server.js";
import { until } from "../server/server-harness.js";

const FIXTURES = path.join(ROOT, "test/fixtures/workers");
export const CLUSTER = path.join(FIXTURES, "cluster.yaml");
export const CHANGE = path.join(FIXTURES, "change.yaml");
export const LATER = path.join(FIXTURES, "later.yaml");
/** Flags of every etcd-backed serve and worker here: short leases, frequent shard checkpoints. */
export const LEASE = ["--lease-ttl", "2"];
export const SERVE_FLAGS = ["--speed", "0", ...LEASE, "--shard-checkpoint-ticks", "5"];

/** Every child process a test started: killed after each test. */
export const children = new Set<ChildProcess>();
/** What each serve and worker of the test printed, for the message of a hung call. */
const transcripts = new Map<string, () => string>();

/** Kills every child process the test started and forgets them (call in afterEach). */
export async function killChildren(): Promise<void> {
  const running = [...children].filter((c) => c.exitCode === null && c.signalCode === null);
  for (const child of running) child.kill("SIGKILL");
  await Promise.all(running.map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once("exit", r)))));
  children.clear();
  transcripts.clear();
}

/** `memplane ...args`, killed and failing (with what the servers and workers printed) when it runs for more than `ms`. */
export function bounded(args: string[], env: Record<string, string>, ms = 30_000): Promise<CliResult> {
  const full: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined, MEMPLANE_STATE: undefined, ...env };
  for (const key of Object.keys(full)) if (full[key] === undefined) delete full[key];
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: full as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      const printed = [...transcripts].map(([who, text]) => `--- ${who}:\n${text().split("\n").slice(-25).join("\n")}`).join("\n");
      reject(new Error(`memplane ${args.join(" ")} still running after ${ms} ms\n${printed}`));
    }, ms);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** A running `memplane serve` and the environment that talks to it. */
export interface Served {
  child: ChildProcess;
  url: string;
  env: Record<string, string>;
  stderr: () => string;
}

/** Starts `memplane serve ...args --state <a temp dir>`; its child is killed by {@link killChildren}. */
export async function serve(args: string[]): Promise<Served> {
  const { state } = tempDir();
  const started = await startServe([...args, "--state", state]);
  children.add(started.child);
  transcripts.set(`serve ${args.join(" ")}`, started.stderr);
  const env = { MEMPLANE_SERVER: started.url, MEMPLANE_TOKEN: fs.readFileSync(path.join(state, "token"), "utf8").trim() };
  return { ...started, env };
}

/** A running `memplane worker`. */
export interface Worker {
  name: string;
  child: ChildProcess;
  stderr: () => string;
}

/** Starts `memplane worker --name NAME ...extra` on `etcd` under `prefix`; resolves once it has joined. */
export async function startWorker(etcd: TestEtcd, prefix: string, name: string, extra: string[] = []): Promise<Worker> {
  const args = [BIN, "worker", "--store", etcd.url, "--etcd-prefix", prefix, "--name", name, ...LEASE, ...extra];
  const child = spawn(process.execPath, args, { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  child.stdout!.resume();
  transcripts.set(`worker ${name}`, () => stderr);
  await until(() => stderr.includes(`worker ${name} joined`) || child.exitCode !== null, 20_000, `worker ${name} to join`);
  if (child.exitCode !== null) throw new Error(`worker ${name} exited with ${child.exitCode}: ${stderr}`);
  return { name, child, stderr: () => stderr };
}

/** `step --server` `ticks` ticks; it must succeed within 30 s (a lease of 2 s may have to expire first). */
export async function step(served: Served, ticks: number): Promise<void> {
  const r = await bounded(["step", "--server", served.url, "--ticks", String(ticks)], served.env);
  if (r.code !== 0) throw new Error(`step --ticks ${ticks} exited ${r.code}: ${r.stderr}\nserve's stderr:\n${served.stderr()}`);
}

/** What a run ends with: hosts and VMs (without resourceVersion) and the log. */
export interface Outcome {
  hosts: unknown[];
  vms: unknown[];
  log: Record<string, unknown>[];
}

export async function outcome(served: Served): Promise<Outcome> {
  const items = async (kind: string): Promise<unknown[]> => {
    const got = await bounded(["get", kind, "-o", "json"], served.env);
    expect(got.code).toBe(0);
    return JSON.parse(got.stdout).items.map((o: { metadata: object }) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } }));
  };
  return { hosts: await items("hosts"), vms: await items("vms"), log: await readLog(served) };
}

/** The server's log (`logs --server … --log-format json`), entry by entry. */
export async function readLog(served: Served): Promise<Record<string, unknown>[]> {
  const logs = await bounded(["logs", "--server", served.url, "--log-format", "json"], served.env);
  expect(logs.code).toBe(0);
  return logs.stdout.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * The run every test drives: the cluster, 6 ticks, the change (two VMs move, a host and a VM
 * arrive), 5 ticks, the later change (a VM deleted, one moved to the new host, one's workload
 * peaks), 2 ticks, then `between` (a kill, a join, an etcd stop …; it may hand back a server
 * that replaces `served`), then `afterBetween` (7 ticks). With shard checkpoints every 5 ticks,
 * tick 13 is 3 ticks past the last checkpoint: a shard lost there is restored from a checkpoint
 * holding objects made mid-run and re-runs the later change.
 */
export async function drive(
  served: Served,
  between: () => Promise<Served | void> = async () => undefined,
  afterBetween: (s: Served) => Promise<void> = (s) => step(s, 7),
): Promise<Outcome> {
  expect((await bounded(["apply", "-f", CLUSTER], served.env)).code).toBe(0);
  await step(served, 6);
  expect((await bounded(["apply", "-f", CHANGE], served.env)).code).toBe(0);
  await step(served, 5);
  expect(await bounded(["delete", "vm", "vm-33"], served.env)).toMatchObject({ code: 0, stdout: "virtualmachine/vm-33 deleted\n" });
  expect((await bounded(["apply", "-f", LATER], served.env)).code).toBe(0);
  await step(served, 2);
  const now = (await between()) ?? served;
  await afterBetween(now);
  return outcome(now);
}

/** Equal runs: the objects, and the log entry by entry (the first difference named). */
export function expectSame(actual: Outcome, expected: Outcome): void {
  const first = actual.log.findIndex((e, i) => JSON.stringify(e) !== JSON.stringify(expected.log[i]));
  if (first >= 0 || actual.log.length !== expected.log.length) {
    const at = first >= 0 ? first : Math.min(actual.log.length, expected.log.length);
    throw new Error(
      `the log differs from the reference at entry ${at} of ${actual.log.length} (reference: ${expected.log.length}):\n` +
        `  got:      ${JSON.stringify(actual.log[at])}\n  expected: ${JSON.stringify(expected.log[at])}`,
    );
  }
  expect(actual.vms).toEqual(expected.vms);
  expect(actual.hosts).toEqual(expected.hosts);
}

/** The owner keys of the current run: shard → worker name. */
export function owners(etcd: TestEtcd, prefix: string): Map<number, string> {
  const run = JSON.parse(etcd.etcdctl(["get", `${prefix}/sim/run`, "--print-value-only"])) as { run: number };
  const lines = etcd.etcdctl(["get", "--prefix", `${prefix}/sim/runs/${String(run.run).padStart(12, "0")}/owner/`]).split("\n").filter((l) => l !== "");
  const out = new Map<number, string>();
  for (let i = 0; i + 1 < lines.length; i += 2) out.set(Number(lines[i]!.slice(lines[i]!.lastIndexOf("/") + 1)), lines[i + 1]!);
  return out;
}

/** The fault-free reference every test compares with: a file-backed `serve` driven the same way, stopped cleanly. */
export async function fileBackedReference(): Promise<Outcome> {
  const plain = await serve(["--speed", "0"]);
  const reference = await drive(plain);
  plain.child.kill("SIGTERM");
  expect(await exitOf(plain.child, 20_000)).toBe(0);
  return reference;
}
