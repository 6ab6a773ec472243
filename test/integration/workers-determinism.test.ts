/**
 * The log and the state are byte-identical for any number of workers (docs/library.md, *Worker
 * threads*): a churny cluster — nine hosts under the four policies, VMs created, deleted and
 * re-created, moved between hosts (spec.hostName), powered off and on, restarted, Scenario steps —
 * run with 1, 2 and 3 workers, and resumed from a snapshot under another worker count, gives the
 * same JSON log and saved state byte for byte. Nine hosts so that 3 shards each get hosts
 * (hosts are spread over the shards for balance), and the churn crosses shards.
 */
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import * as path from "node:path";
import { createEngine, formatLogJson, type Engine } from "memplane";

const POLICIES = ["esxi", "mom", "squeezed", "hyperv"] as const;
const HOSTS = 9;

const host = (i: number) => `apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: host-${i}}
spec:
  capacity: 16Gi
  policy: ${POLICIES[i % POLICIES.length]}
  activeMemory: {sampling: ${i % 2 === 0}}
`;

const vm = (h: number, n: number, extra = "") => `apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: vm-${h}-${n}}
spec:
  hostName: host-${h}
  memory: ${3 + (n % 3)}Gi
  guestOS: ${n % 2 === 0 ? "rhel9" : "windows2022"}
${extra}  workload:
    allocated: ${50 + ((h * 7 + n * 13) % 45)}%
    active: ${20 + ((h * 11 + n * 5) % 60)}
    phases:
      - {after: ${30 + n * 10}s, allocated: 95%, rampSeconds: 60}
`;

/** `vm(h, n)` placed on host `to` instead: a move when the VM exists (spec.hostName changes). */
const moved = (h: number, n: number, to: number) => vm(h, n).replace(`hostName: host-${h}`, `hostName: host-${to}`);

const scenario = `apiVersion: memplane.io/v1alpha1
kind: Scenario
metadata: {name: churn}
spec:
  steps:
    - after: 40s
      patch: {kind: VirtualMachine, name: vm-0-1, spec: {hostName: host-5}}
    - after: 45s
      patch: {kind: VirtualMachine, name: vm-6-2, spec: {hostName: host-1}}
    - after: 50s
      restart: {name: vm-1-2}
    - after: 70s
      patch: {kind: VirtualMachine, name: vm-2-3, spec: {powerState: "Off"}}
    - after: 90s
      delete: {kind: VirtualMachine, name: vm-3-0}
    - after: 100s
      apply:
        apiVersion: memplane.io/v1alpha1
        kind: VirtualMachine
        metadata: {name: late}
        spec: {hostName: host-7, memory: 4Gi, workload: {allocated: 90%, active: 70}}
    - after: 110s
      restart: {name: vm-7-4}
`;

const cluster = (): string =>
  Array.from({ length: HOSTS }, (_, h) => [host(h), ...[0, 1, 2, 3, 4, 5].map((n) => vm(h, n))])
    .flat()
    .join("---\n") + "---\n" + scenario;

/** The churn outside the Scenario: applies, deletes, re-creations and moves between steps. */
function churn(engine: Engine, phase: number): void {
  if (phase === 1) {
    engine.delete("VirtualMachine", "vm-1-4");
    engine.delete("VirtualMachine", "vm-8-0");
    engine.apply(vm(2, 9) + "---\n" + vm(0, 8));
    engine.apply(moved(3, 1, 0) + "---\n" + moved(8, 5, 4) + "---\n" + moved(5, 3, 6));
  } else if (phase === 2) {
    engine.apply(host(HOSTS));
    engine.apply(vm(HOSTS, 0) + "---\n" + vm(HOSTS, 1));
    engine.apply(vm(2, 3, '  powerState: "On"\n')); // powered back on
    engine.apply(vm(1, 2).replace("metadata: {name: vm-1-2}", 'metadata: {name: vm-1-2, annotations: {"memplane.io/restartedAt": "by hand"}}'));
    engine.apply(moved(1, 4, 6) + "---\n" + vm(8, 0)); // re-created, one of them elsewhere
    engine.apply(moved(5, 0, HOSTS) + "---\n" + moved(0, 1, 2)); // moved to the new host; moved again
    engine.delete("VirtualMachine", "late");
  }
}

/** The engine was made with `workers` and its shards cover every host and VM of the model once. */
function expectShards(engine: Engine, workers: number): void {
  expect(engine.options.workers).toBe(workers);
  const shards = engine.workerShards();
  // one thread: worker 0 (the main thread); N threads: workers 1 … N, each with hosts of its own
  expect(shards.map((s) => s.worker)).toEqual(workers === 1 ? [0] : Array.from({ length: workers }, (_, i) => i + 1));
  if (workers > 1) for (const s of shards) expect(s.hosts).toBeGreaterThan(0);
  expect(shards.reduce((n, s) => n + s.hosts, 0)).toBe(engine.model.hosts().length);
  expect(shards.reduce((n, s) => n + s.vms, 0)).toBe(engine.model.allVms().length);
}

/** The JSON log and final state of the churny run with `workers` threads (and a restore half-way under `resumeWith`). */
function run(workers: number, resumeWith = workers): { log: string; state: string } {
  let engine = createEngine({ seed: 5, workers });
  const lines: string[] = [];
  let sub = engine.logs$.subscribe((e) => lines.push(formatLogJson(e)));
  engine.apply(cluster());
  engine.step(60);
  churn(engine, 1);
  engine.step(60);
  expectShards(engine, workers);
  const snapshot = JSON.stringify(engine.snapshot());
  sub.unsubscribe();
  engine = createEngine({ seed: 5, workers: resumeWith });
  engine.restore(JSON.parse(snapshot));
  sub = engine.logs$.subscribe((e) => lines.push(formatLogJson(e)));
  churn(engine, 2);
  engine.step(60);
  expectShards(engine, resumeWith);
  sub.unsubscribe();
  return { log: lines.join("\n"), state: JSON.stringify(engine.snapshot()) };
}

describe("any number of workers gives the same log and state", () => {
  it("1, 2 and 3 workers (and a restore under another count) agree byte for byte on a churny cluster", () => {
    const one = run(1);
    // the run is churny: admissions, moves, restarts, power-offs and every host's decisions are in it
    for (const action of ["Admitted", "Restarted", "PoweredOff", "BalloonTargetChanged", "EntitlementChanged"]) expect(one.log).toContain(`"action":"${action}"`);
    expect(one.log.match(/"reason":"HostChanged"/g)?.length ?? 0).toBeGreaterThanOrEqual(6);
    for (let h = 0; h <= HOSTS; h++) expect(one.log).toContain(`"host":"host-${h}"`);
    for (const w of [2, 3]) {
      const other = run(w);
      expect(other.log).toBe(one.log);
      expect(other.state).toBe(one.state);
    }
    for (const [first, then] of [[1, 3], [3, 2]] as const) {
      const switched = run(first, then);
      expect(switched.log).toBe(one.log);
      expect(switched.state).toBe(one.state);
    }
  }, 120_000);
});

describe("worker threads never keep a process alive", () => {
  it("a script that creates 10k-VM engines (2 workers, and the default), steps them and returns exits by itself", () => {
    const dist = path.join(process.cwd(), "dist", "src");
    const script = `
      import { createEngine } from ${JSON.stringify(path.join(dist, "index.js"))};
      import { generateCluster } from ${JSON.stringify(path.join(dist, "generate", "cluster-generator.js"))};
      const cluster = generateCluster({ hosts: 100, vmsPerHost: 100, overcommit: 1.5, seed: 1 });
      const shards = [];
      for (const options of [{ workers: 2 }, {}]) {
        const engine = createEngine(options);
        engine.apply(cluster);
        engine.step(2);
        shards.push(engine.workerShards());
      }
      console.log(JSON.stringify(shards));`;
    // no close method is called: the process must end when the script's work is done
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 120_000 });
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const engines = JSON.parse(r.stdout) as { worker: number; hosts: number; vms: number; ticks: number }[][];
    expect(engines).toHaveLength(2);
    // 2 workers: two disjoint, non-empty shards; the default: one per core from 10 000 VMs
    expect(engines[0]!.map((s) => s.worker)).toEqual([1, 2]);
    expect(engines[1]!.length).toBe(Math.max(1, availableParallelism()) === 1 ? 1 : availableParallelism());
    for (const shards of engines) {
      if (shards.length > 1) for (const s of shards) expect(s.hosts).toBeGreaterThan(0);
      expect(shards.reduce((n, s) => n + s.vms, 0)).toBe(10_000);
      expect(shards.reduce((n, s) => n + s.hosts, 0)).toBe(100);
      for (const s of shards) expect(s.ticks).toBe(2);
    }
  }, 150_000);
});
