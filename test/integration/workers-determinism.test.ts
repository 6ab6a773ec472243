/**
 * The log and the state are byte-identical for any number of workers (docs/library.md, *Worker
 * threads*): a churny cluster — VMs created, deleted, moved between hosts, powered off,
 * restarted, Scenario steps, four policies — run with 1, 2 and 3 workers, and resumed from a
 * snapshot under another worker count, gives the same JSON log and saved state byte for byte.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { createEngine, formatLogJson, type Engine } from "memplane";

const POLICIES = ["esxi", "mom", "squeezed", "hyperv"] as const;

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
  workload:
    allocated: ${50 + ((h * 7 + n * 13) % 45)}%
    active: ${20 + ((h * 11 + n * 5) % 60)}
    phases:
      - {after: ${30 + n * 10}s, allocated: 95%, rampSeconds: 60}
${extra}`;

const scenario = `apiVersion: memplane.io/v1alpha1
kind: Scenario
metadata: {name: churn}
spec:
  steps:
    - after: 40s
      patch: {kind: VirtualMachine, name: vm-0-1, spec: {hostName: host-2}}
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
        spec: {hostName: host-3, memory: 4Gi, workload: {allocated: 90%, active: 70}}
`;

const cluster = (): string =>
  [0, 1, 2, 3].flatMap((h) => [host(h), ...[0, 1, 2, 3, 4, 5].map((n) => vm(h, n))]).join("---\n") + "---\n" + scenario;

/** The churn outside the Scenario: applies, deletes and moves between steps. */
function churn(engine: Engine, phase: number): void {
  if (phase === 1) {
    engine.delete("VirtualMachine", "vm-1-4");
    engine.apply(vm(2, 9) + "---\n" + vm(0, 8));
    engine.apply(vm(3, 1).replace("hostName: host-3", "hostName: host-0"));
  } else if (phase === 2) {
    engine.apply(host(4));
    engine.apply(vm(4, 0) + "---\n" + vm(4, 1));
    engine.apply(vm(2, 3).replace('guestOS: windows2022', 'guestOS: windows2022\n  powerState: "On"'));
    engine.apply(vm(1, 2).replace("metadata: {name: vm-1-2}", 'metadata: {name: vm-1-2, annotations: {"memplane.io/restartedAt": "by hand"}}'));
  }
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
  const snapshot = JSON.stringify(engine.snapshot());
  sub.unsubscribe();
  engine = createEngine({ seed: 5, workers: resumeWith });
  engine.restore(JSON.parse(snapshot));
  sub = engine.logs$.subscribe((e) => lines.push(formatLogJson(e)));
  churn(engine, 2);
  engine.step(60);
  sub.unsubscribe();
  return { log: lines.join("\n"), state: JSON.stringify(engine.snapshot()) };
}

describe("any number of workers gives the same log and state", () => {
  it("1, 2 and 3 workers (and a restore under another count) agree byte for byte on a churny cluster", () => {
    const one = run(1);
    // the run is churny: moves, restarts, power-offs, deletions and every policy's decisions are in it
    for (const action of ["Admitted", "Restarted", "PoweredOff", "BalloonTargetChanged"]) expect(one.log).toContain(`"action":"${action}"`);
    for (const w of [2, 3]) {
      const other = run(w);
      expect(other.log).toBe(one.log);
      expect(other.state).toBe(one.state);
    }
    const switched = run(1, 3);
    expect(switched.log).toBe(one.log);
    expect(switched.state).toBe(one.state);
  });
});

describe("worker threads never keep a process alive", () => {
  it("a script that creates a 10k-VM engine with workers, steps it and returns exits by itself", () => {
    const dist = path.join(process.cwd(), "dist", "src");
    const script = `
      import { createEngine } from ${JSON.stringify(path.join(dist, "index.js"))};
      import { generateCluster } from ${JSON.stringify(path.join(dist, "generate", "cluster-generator.js"))};
      const engine = createEngine({ workers: 2 });
      engine.apply(generateCluster({ hosts: 100, vmsPerHost: 100, overcommit: 1.5, seed: 1 }));
      engine.step(2);
      console.log(JSON.stringify(engine.workerShards()));`;
    // no close method is called: the process must end when the script's work is done
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 120_000 });
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const shards = JSON.parse(r.stdout) as { hosts: number; vms: number; ticks: number }[];
    expect(shards.reduce((n, s) => n + s.vms, 0)).toBe(10_000);
    expect(shards.reduce((n, s) => n + s.hosts, 0)).toBe(100);
  }, 150_000);
});
