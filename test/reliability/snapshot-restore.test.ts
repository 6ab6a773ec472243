/**
 * Restoring damaged snapshots (issue 19 item 8): every damaged snapshot is refused with one
 * typed `SnapshotError` naming what is wrong, and the engine is exactly as it was — tick,
 * store, model and retry state — and goes on exactly as a twin that never saw the attempt.
 * Nonsense that used to be accepted (`memory: banana`, negative or inconsistent ledgers,
 * duplicates, a requeue for no object) is refused; good snapshots still round-trip.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createEngine, SnapshotError, type Controller, type Engine, type EngineSnapshot } from "../../src/index.js";
import { memplane, requireBuild, STACK_LINE, tempDir } from "../cli/cli-harness.js";

const CLUSTER = `
apiVersion: memplane.io/v1alpha1
kind: GuestOSProfile
metadata: {name: tiny-os}
spec: {minimumMemory: 256Mi}
---
apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: esx-01}
spec: {capacity: 6Gi}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: app-1}
spec: {hostName: esx-01, memory: 4Gi, guestOS: rhel7, workload: {allocated: 90%, active: 60}}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: app-2, namespace: team}
spec: {hostName: esx-01, memory: 4Gi, guestOS: tiny-os, workload: {allocated: 90%, active: 60}}
`;

/** Fails app-1 every time: the snapshot holds retry (requeue) entries. */
const flaky: Controller = {
  name: "flaky",
  forKind: "VirtualMachine",
  reconcile: (req) => {
    if (req.name === "app-1") throw new Error("flaky");
  },
};

function engineAt(ticks: number, cluster = CLUSTER): Engine {
  const engine = createEngine({ seed: 5, controllers: { add: [flaky] }, reconcileBudgetMs: 0 });
  engine.apply(cluster);
  engine.step(ticks);
  return engine;
}

/** The source snapshot to damage: 30 ticks in, with Events, status, model ledgers and requeues. */
const GOOD = JSON.parse(JSON.stringify(engineAt(30).snapshot())) as EngineSnapshot & Record<string, unknown>;

type Snap = ReturnType<typeof structuredClone<typeof GOOD>>;
const vmIndex = (s: Snap, name: string): number => s.store.objects.findIndex((o) => o.kind === "VirtualMachine" && o.metadata.name === name);
const vm = (s: Snap, name: string) => s.store.objects[vmIndex(s, name)] as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const model = (s: Snap) => s.model as { hosts: Record<string, any>[]; vms: Record<string, any>[] }; // eslint-disable-line @typescript-eslint/no-explicit-any

/** [name, damage, a fragment the error must contain] */
const DAMAGE: [string, (s: Snap) => unknown, string][] = [
  ["memory: banana", (s) => void (vm(s, "app-1").spec.memory = "banana"), 'store.objects[2] (VirtualMachine default/app-1) spec.memory: must be a memory quantity'],
  ["reservation above memory", (s) => void (vm(s, "app-1").spec.reservation = "8Gi"), "spec.reservation: must not exceed spec.memory"],
  ["unknown spec field", (s) => void (vm(s, "app-1").spec.turbo = true), "spec.turbo"],
  ["an object listed twice", (s) => void s.store.objects.push(structuredClone(s.store.objects[vmIndex(s, "app-1")]!)), "is listed twice"],
  ["two objects with one uid", (s) => void (vm(s, "app-1").metadata.uid = vm(s, "app-2").metadata.uid), "is also the uid of"],
  ["a uid beyond the counter", (s) => void (vm(s, "app-1").metadata.uid = "00000000-0000-4000-8000-0000000fffff"), "beyond the store's uidCounter"],
  ["negative store resourceVersion", (s) => void (s.store.resourceVersion = -1), "store.resourceVersion: must be a whole number ≥ 0"],
  ["an object newer than the store", (s) => void (vm(s, "app-1").metadata.resourceVersion = "999999"), "metadata.resourceVersion: must be a decimal number from 1 to the store's resourceVersion"],
  ["no uid", (s) => void delete vm(s, "app-1").metadata.uid, "metadata.uid: missing"],
  ["generation 0", (s) => void (vm(s, "app-1").metadata.generation = 0), "metadata.generation: must be a whole number ≥ 1"],
  ["an unknown kind", (s) => void s.store.objects.push({ kind: "Pod", metadata: { name: "x" } } as never), "must be a stored object with kind"],
  ["status that is not an object", (s) => void (vm(s, "app-1").status = "running"), "status: must be an object"],
  ["conditions that are not a list", (s) => void (vm(s, "app-1").status.conditions = 5), "status.conditions must be a list"],
  [
    "an Event with count 0 and a bogus type",
    (s) => {
      const e = s.store.objects.find((o) => o.kind === "Event") as unknown as Record<string, unknown>;
      e.count = 0;
      e.type = "Bogus";
    },
    "count: must be a whole number ≥ 1",
  ],
  ["a negative ledger", (s) => void (model(s).vms[0]!.usedMapped = -5), "usedMapped must be a whole number of pages ≥ 0 (got -5)"],
  ["a ledger that breaks §2", (s) => void (model(s).vms[0]!.usedMapped += 1), "guest ledger"],
  ["boot-zeroed pages beyond the guest-free mapped ones", (s) => void (model(s).vms[0]!.zeroed = model(s).vms[0]!.freeMapped + 1), "zeroed"],
  ["a working set larger than the pages that hold it", (s) => void (model(s).vms[0]!.hotSwapped = model(s).vms[0]!.usedSwapped + 1), "working set (hot pages) larger"],
  ["a fractional hot count", (s) => void (model(s).vms[0]!.hotMapped = 0.5), "hotMapped must be a whole number of pages ≥ 0 (got 0.5)"],
  ["a fractional page count", (s) => void (model(s).hosts[0]!.free = 1.5), "free must be a whole number of pages ≥ 0 (got 1.5)"],
  ["model memory: banana", (s) => void (model(s).vms[0]!.memory = "banana"), 'memory must be a whole number of pages ≥ 0 (got "banana")'],
  ["a VM listed twice in the model", (s) => void model(s).vms.push(structuredClone(model(s).vms[0]!)), "is listed twice"],
  ["a host listing a VM that does not exist", (s) => void model(s).hosts[0]!.vms.push("nope/nope"), 'vms lists "nope/nope", which is not a VM of the model'],
  ["host free that breaks the capacity identity", (s) => void (model(s).hosts[0]!.free += 256), "capacity"],
  ["a model of another version", (s) => void ((s.model as Record<string, unknown>).version = 7), "model.version"],
  ["a negative tick", (s) => void (s.clock.tick = -1), "clock: clock tick must be a non-negative integer"],
  ["a fractional tick", (s) => void (s.clock.tick = 1.5), "clock"],
  ["a broken generator", (s) => void (s.random = [1, 2] as never), "random: random state must be four unsigned 32-bit integers"],
  ["a seed that is not a number", (s) => void (s.options.seed = "seven" as never), "options.seed: must be an integer"],
  ["tickSeconds that disagree", (s) => void (s.options.tickSeconds = 2), "differs from clock.tickSeconds"],
  ["a requeue with a negative tick", (s) => void (s.manager.requeues[0]!.nextTick = -3), "manager.requeues[0].nextTick"],
  ["a requeue for no object", (s) => void (s.manager.requeues[0]!.uid = "00000000-0000-4000-8000-00000000abcd"), "is not the uid of an object in the store"],
  ["a requeue listed twice", (s) => void s.manager.requeues.push({ ...s.manager.requeues[0]! }), "has two entries for uid"],
  ["no store section", (s) => void delete (s as Record<string, unknown>).store, 'snapshot has no "store" section'],
  ["another version", (s) => void ((s as Record<string, unknown>).version = 2), "cannot restore snapshot version 2"],
  // only a library caller can hand over these
  ["a BigInt in the model", (s) => void (model(s).vms[0]!.usedMapped = 10n), "BigInt"],
  [
    "a cycle in a status",
    (s) => {
      const status = vm(s, "app-1").status as Record<string, unknown>;
      status.self = status;
    },
    "status.self: a cycle",
  ],
  [
    "a getter that throws",
    (s) =>
      void Object.defineProperty(vm(s, "app-1"), "spec", {
        get() {
          throw new Error("spec getter throws");
        },
        enumerable: true,
      }),
    "spec getter throws",
  ],
];

interface Observed {
  tick: number;
  snapshot: string;
  vms: string;
  next: string[];
}

/** Everything visible of an engine, then the log of 5 more ticks (which hidden half-restored state would change). */
function observe(engine: Engine, stepAfter: boolean): Observed {
  const observed: Observed = { tick: engine.tick, snapshot: JSON.stringify(engine.snapshot()), vms: JSON.stringify(engine.store.list("VirtualMachine")), next: [] };
  if (stepAfter) {
    const sub = engine.logs$.subscribe((e) => observed.next.push(JSON.stringify(e)));
    engine.step(5);
    sub.unsubscribe();
  }
  return observed;
}

/** The engine that receives the damaged snapshots: another cluster, another tick. */
const OTHER = CLUSTER.replace(/app-/g, "db-").replace("capacity: 6Gi", "capacity: 7Gi");

describe("restoring damaged snapshots", () => {
  test("a good snapshot still restores and continues exactly", () => {
    const straight = engineAt(30);
    const resumed = engineAt(3, OTHER);
    resumed.restore(structuredClone(GOOD));
    expect(observe(resumed, true)).toEqual(observe(straight, true));
  });

  test("a snapshot from before working-set locality (no hot counts) restores with every used page cold", () => {
    const old = structuredClone(GOOD);
    for (const v of model(old).vms) {
      delete v.hotMapped;
      delete v.hotCompressed;
      delete v.hotSwapped;
      delete v.counters.doublePagings;
    }
    const target = engineAt(3, OTHER);
    target.restore(old as EngineSnapshot);
    const restored = model(target.snapshot() as Snap).vms;
    expect(restored.length).toBeGreaterThan(0);
    expect(restored.every((v) => v.hotMapped === 0 && v.hotCompressed === 0 && v.hotSwapped === 0 && v.counters.doublePagings === 0)).toBe(true);
    target.step(5); // the working set is found again
    expect(model(target.snapshot() as Snap).vms.some((v) => v.hotMapped > 0)).toBe(true);
  });

  test.each(DAMAGE)("%s: refused with SnapshotError, the engine unchanged", (_name, damage, fragment) => {
    const bad = structuredClone(GOOD);
    damage(bad);
    const target = engineAt(12, OTHER);
    const twin = engineAt(12, OTHER);
    const before = observe(target, false);
    let error: unknown;
    try {
      target.restore(bad as EngineSnapshot);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SnapshotError);
    const e = error as SnapshotError;
    expect(e.message).toContain(fragment);
    expect(e.message).not.toMatch(/\n/);
    expect(e.problems.length).toBeGreaterThan(0);
    // nothing changed: same tick, store, model and retry state; the next ticks are the twin's
    const after = observe(target, true);
    expect(after.tick).toBe(12);
    expect(after.snapshot).toBe(before.snapshot);
    expect(after.vms).toBe(before.vms);
    expect(after).toEqual(observe(twin, true));
    expect(after.next.length).toBeGreaterThan(0);
  });

  test("a snapshot (or a part of one) that is a Proxy whose every trap throws is refused, the engine unchanged", () => {
    const poison = (): object => {
      let p: object = {};
      p = new Proxy({}, new Proxy({}, { get: () => () => { throw p; } }));
      return p;
    };
    const target = engineAt(12, OTHER);
    const before = observe(target, false);
    const whole = (): void => target.restore(poison() as EngineSnapshot);
    expect(whole).toThrow(SnapshotError);
    for (const part of ["store", "model", "manager", "clock", "options"]) {
      const bad = { ...structuredClone(GOOD), [part]: poison() };
      expect(() => target.restore(bad as EngineSnapshot)).toThrow(SnapshotError);
    }
    const after = observe(target, true);
    expect({ ...after, next: [] }).toEqual(before);
    expect(after).toEqual(observe(engineAt(12, OTHER), true));
  });

  test("every problem is listed, the message shows the first few", () => {
    const bad = structuredClone(GOOD);
    for (const o of bad.store.objects) if (o.kind === "VirtualMachine") (o.spec as { memory: string }).memory = "banana";
    bad.store.uidCounter = -4;
    let error: SnapshotError | undefined;
    try {
      engineAt(1).restore(bad);
    } catch (e) {
      error = e as SnapshotError;
    }
    expect(error!.problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining("store.uidCounter"),
        expect.stringContaining("VirtualMachine default/app-1) spec.memory"),
        expect.stringContaining("VirtualMachine team/app-2) spec.memory"),
      ]),
    );
  });

  test("the CLI names the damage in a tampered state.json in one error line and changes nothing", async () => {
    requireBuild();
    const { state } = tempDir();
    const manifest = path.join(path.dirname(state), "cluster.yaml");
    fs.writeFileSync(manifest, CLUSTER);
    expect((await memplane(["apply", "-f", manifest, "--state", state])).code).toBe(0);
    expect((await memplane(["step", "--ticks", "10", "--state", state])).code).toBe(0);
    const file = path.join(state, "state.json");
    const saved = JSON.parse(fs.readFileSync(file, "utf8"));
    saved.engine.model.vms[0].usedMapped = -5;
    fs.writeFileSync(file, JSON.stringify(saved));
    const tampered = fs.readFileSync(file);
    for (const args of [["get", "vm"], ["step", "--ticks", "1"]]) {
      const r = await memplane([...args, "--state", state]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: cannot restore the saved simulation: snapshot is damaged: model\.vms\[0\] \(default\/app-1\) usedMapped must be a whole number of pages ≥ 0 \(got -5\).*\n$/);
      expect(r.stderr).not.toMatch(STACK_LINE);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
    expect(fs.readFileSync(file).equals(tampered)).toBe(true);
  });
});
