/**
 * Wiring check of `createEngine` with the real memory model and built-in controllers: the
 * container resolves, every built-in runs in CONTROLLER_ORDER, and a small cluster steps
 * without a ReconcileError. (Behaviour of the model itself is tested elsewhere.)
 */
import "reflect-metadata";
import { createEngine, CONTROLLER_ORDER, TOKENS, type Controller, type LogEntry } from "../../../src/index.js";

const cluster = `
apiVersion: memplane.io/v1alpha1
kind: Host
metadata: { name: esx-01 }
spec: { capacity: 8Gi }
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: { name: app }
spec: { hostName: esx-01, memory: 4Gi, guestOS: rhel7 }
`;

describe("createEngine with the real model and controllers", () => {
  it("binds every built-in controller in CONTROLLER_ORDER and steps without ReconcileErrors", () => {
    const engine = createEngine({ seed: 42 });
    const builtins = engine.container.getAll<Controller>(TOKENS.Controller).map((c) => c.name);
    const ordered = CONTROLLER_ORDER.filter((n) => builtins.includes(n));
    expect(ordered).toHaveLength(builtins.length);
    const logs: LogEntry[] = [];
    engine.logs$.subscribe((e) => logs.push(e));
    engine.apply(cluster);
    engine.step(5);
    expect(logs.filter((e) => e.action === "ReconcileError")).toEqual([]);
    expect(engine.store.get("VirtualMachine", "app")?.status?.phase).toBe("Running");
    expect(engine.store.get("Host", "esx-01")?.status?.state).toBeDefined();
  });

  it("is deterministic and survives a JSON snapshot round trip", () => {
    const run = () => {
      const engine = createEngine({ seed: 42 });
      engine.apply(cluster);
      engine.step(20);
      return engine;
    };
    const a = run();
    expect(JSON.stringify(run().snapshot())).toBe(JSON.stringify(a.snapshot()));
    const b = createEngine();
    b.restore(JSON.parse(JSON.stringify(a.snapshot())));
    const logsA: string[] = [];
    const logsB: string[] = [];
    a.logs$.subscribe((e) => logsA.push(JSON.stringify(e)));
    b.logs$.subscribe((e) => logsB.push(JSON.stringify(e)));
    a.step(30);
    b.step(30);
    expect(logsB).toEqual(logsA);
    expect(JSON.stringify(b.snapshot())).toBe(JSON.stringify(a.snapshot()));
  });

  it("accepts disable by built-in name and rejects unknown names", () => {
    expect(() => createEngine({ controllers: { disable: ["page-sharing"] } })).not.toThrow();
    expect(() => createEngine({ controllers: { disable: ["paging"] } })).toThrow(/known: .*balloon/);
  });
});

describe("createEngine({ workers })", () => {
  const twoHosts = `apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: h1}
spec: {capacity: 8Gi}
---
apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: h2}
spec: {capacity: 8Gi}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: a}
spec: {hostName: h1, memory: 1Gi}
`;

  it("takes a whole number of threads from 1 to 256 and refuses anything else, naming the option", () => {
    expect(createEngine({ workers: 2 }).options.workers).toBe(2);
    expect(createEngine({ workers: 1 }).options.workers).toBe(1);
    expect(createEngine({ workers: 256 }).options.workers).toBe(256);
    expect(createEngine().options.workers).toBeUndefined(); // the default rule decides at each tick
    for (const bad of [0, -1, 257, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "2", null]) {
      expect(() => createEngine({ workers: bad as number })).toThrow(/^engine option workers must be a whole number of threads from 1 to 256, got /);
    }
  });

  it("keeps what was asked across a restore (a snapshot does not carry a worker count)", () => {
    const first = createEngine({ workers: 3 });
    first.apply(twoHosts);
    first.step(2);
    const snapshot = JSON.parse(JSON.stringify(first.snapshot())) as ReturnType<typeof first.snapshot>;
    expect(JSON.stringify(snapshot)).not.toContain("workers");
    const second = createEngine({ workers: 2 });
    second.restore(snapshot);
    expect(second.options.workers).toBe(2);
  });

  it("workerShards(): the shards cover every host and VM once, and each ran every tick", () => {
    const engine = createEngine({ workers: 2 });
    engine.apply(twoHosts);
    engine.step(3);
    const shards = engine.workerShards();
    expect(new Set(shards.map((s) => s.worker)).size).toBe(shards.length);
    expect(shards.reduce((n, s) => n + s.hosts, 0)).toBe(2);
    expect(shards.reduce((n, s) => n + s.vms, 0)).toBe(1);
    for (const s of shards) expect(s.ticks).toBe(3);
  });

  it("a small cluster without the option runs on the main thread alone: one row, worker 0", () => {
    const engine = createEngine();
    expect(engine.workerShards()).toEqual([{ worker: 0, hosts: 0, vms: 0, ticks: 0 }]);
    engine.apply(twoHosts);
    engine.step(3);
    expect(engine.workerShards()).toEqual([{ worker: 0, hosts: 2, vms: 1, ticks: 3 }]);
  });
});
