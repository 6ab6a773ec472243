/**
 * The columnar model (docs/architecture.md, *The columnar model*): slots are dense and reused
 * lowest first, growth keeps every value and bumps the layout version, records are views that
 * read and write the shared columns, a dropped record keeps its last values, and a model
 * snapshot of the version before the columns (1) restores.
 */
import { createEngine } from "../../../src/index.js";
import { Worker } from "node:worker_threads";
import { attachVmColumns, newVmColumns } from "../../../src/hypervisor/columns.js";
import { ModelIndex } from "../../../src/hypervisor/model-index.js";
import type { ResolvedHost, ResolvedVm } from "../../../src/hypervisor/resolved.js";

const vmSpec = (hostName: string, memory: number): ResolvedVm => ({ hostName, memory, reservation: 0, overhead: 10 }) as unknown as ResolvedVm;
const hostSpec = (capacity: number): ResolvedHost => ({ capacity, vmkernelReserved: 100 }) as unknown as ResolvedHost;

describe("ColumnTable", () => {
  it("hands out dense slots, reuses the lowest freed one first, and starts a reused slot at 0", () => {
    const t = newVmColumns(4);
    expect([t.allocate(), t.allocate(), t.allocate(), t.allocate()]).toEqual([0, 1, 2, 3]);
    t.f64.usedMapped[2] = 7;
    t.release(2);
    t.release(0);
    expect(t.size).toBe(2);
    expect(t.allocate()).toBe(0);
    expect(t.allocate()).toBe(2);
    expect(t.f64.usedMapped[2]).toBe(0);
  });

  it("grows by doubling in shared memory, keeping every value and bumping the layout version", () => {
    const t = newVmColumns(2);
    const columns = t.f64;
    const before = t.layoutVersion;
    t.allocate();
    t.allocate();
    t.f64.balloon[1] = 123.5;
    t.u8.phase[1] = 2;
    expect(t.allocate()).toBe(2);
    expect(t.capacity).toBe(4);
    expect(t.layoutVersion).toBe(before + 1);
    expect(t.f64).toBe(columns); // the column object keeps its identity
    expect(t.f64.balloon[1]).toBe(123.5);
    expect(t.u8.phase[1]).toBe(2);
    expect(t.numbers).toBeInstanceOf(SharedArrayBuffer);
    expect(t.f64.balloon.buffer).toBe(t.numbers);
    expect(t.numbers.byteLength).toBe(t.numberFields.length * 4 * 8);
  });
});

describe("reserving room for many records at once", () => {
  it("grows the columns to exactly the size asked for, keeping every value, and never shrinks them", () => {
    const t = newVmColumns(4);
    t.allocate();
    t.f64.balloon[0] = 5;
    const before = t.layoutVersion;
    t.reserve(1000);
    expect(t.capacity).toBe(1000);
    expect(t.layoutVersion).toBe(before + 1);
    expect(t.f64.balloon[0]).toBe(5);
    t.reserve(10);
    expect(t.capacity).toBe(1000);
    for (let i = 1; i < 1000; i++) t.allocate();
    expect(t.capacity).toBe(1000); // the 1 000 records took no doubling
  });

  it("sizes a model index's VM columns and decision rings for the VMs a sync is about to add", () => {
    const index = new ModelIndex();
    index.reserveVms(5000);
    expect(index.vmColumns.capacity).toBe(5000);
    expect(index.decisionTable.capacity).toBe(5000);
    for (let i = 0; i < 5000; i++) index.addVm(`default/vm-${i}`, "default", `vm-${i}`, 1, 0, vmSpec("esx-01", 100));
    expect(index.vmColumns.capacity).toBe(5000);
    expect(index.decisionTable.capacity).toBe(5000);
  });
});

describe("ColumnTable.attach", () => {
  it("sees the same memory from another table and from a worker thread", async () => {
    const t = newVmColumns(8);
    const slot = t.allocate();
    t.f64.balloon[slot] = 11;
    const other = attachVmColumns(t.layout());
    expect(other.f64.balloon[slot]).toBe(11);
    other.f64.balloon[slot] = 12;
    expect(t.f64.balloon[slot]).toBe(12);
    // a worker writes through the layout it was posted; the owner reads it
    const index = t.numberFields.indexOf("balloon");
    const code = `const { workerData, parentPort } = require("node:worker_threads");
      const column = new Float64Array(workerData.numbers, ${index} * workerData.capacity * 8, workerData.capacity);
      column[${slot}] += 30; parentPort.postMessage("done");`;
    const worker = new Worker(code, { eval: true, workerData: t.layout() });
    await new Promise((resolve) => worker.once("message", resolve));
    await worker.terminate();
    expect(t.f64.balloon[slot]).toBe(42);
  });
});

describe("record views", () => {
  it("read and write the columns at their slot, and keep the record's fields and JSON order", () => {
    const index = new ModelIndex();
    const host = index.addHost("esx-01", 1, hostSpec(1000));
    const a = index.addVm("default/a", "default", "a", 1, 0, vmSpec("esx-01", 50));
    const b = index.addVm("default/b", "default", "b", 1, 0, vmSpec("esx-01", 60));
    expect([a.slot, b.slot]).toEqual([0, 1]);
    b.usedMapped = 12;
    b.counters.swapIns += 3;
    b.phase = "Running";
    b.restartedAt = null;
    expect(index.vmColumns.f64.usedMapped[1]).toBe(12);
    expect(index.vmColumns.f64.swapIns[1]).toBe(3);
    expect(b.phase).toBe("Running");
    expect(b.restartedAt).toBeNull();
    expect(host.free).toBe(900);
    expect(host.state).toBe("high");
    expect(host.climbSince).toBe(-1);
    const json = JSON.parse(JSON.stringify(b)) as Record<string, unknown>;
    expect(Object.keys(json).slice(0, 10)).toEqual(["key", "namespace", "name", "generation", "createdAt", "spec", "hostName", "phase", "admission", "poweredOnAt"]);
    expect(json).toMatchObject({ memory: 60, usedMapped: 12, phase: "Running", restartedAt: null, counters: { swapIns: 3 } });
    index.zeroCounters();
    expect(b.counters.swapIns).toBe(0);
  });

  it("lists a host's VMs as slots in admission order, and sums their swap over the columns", () => {
    const index = new ModelIndex();
    const host = index.addHost("esx-01", 1, hostSpec(1000));
    for (const n of ["a", "b", "c"]) index.addVm(`default/${n}`, "default", n, 1, 0, vmSpec("esx-01", 10));
    host.vms = ["default/c", "default/a"];
    expect([...index.slotsOf(host)]).toEqual([2, 0]);
    index.vm("default", "a")!.usedSwapped = 5;
    index.vm("default", "b")!.usedSwapped = 100; // not admitted on the host
    index.vm("default", "c")!.freeSwapped = 7;
    expect(index.swappedOn(host)).toBe(12);
    host.vms = [...host.vms, "default/b"];
    expect([...index.slotsOf(host)]).toEqual([2, 0, 1]);
    expect(index.swappedOn(host)).toBe(112);
  });

  it("detach a dropped record: it keeps its last values, and its slot goes to the next VM", () => {
    const index = new ModelIndex();
    const a = index.addVm("default/a", "default", "a", 1, 0, vmSpec("esx-01", 50));
    a.balloon = 42;
    index.dropVm(a);
    const c = index.addVm("default/c", "default", "c", 1, 0, vmSpec("esx-01", 70));
    expect(c.slot).toBe(0);
    expect(c.balloon).toBe(0);
    expect(a.balloon).toBe(42);
    expect(a.memory).toBe(50);
    c.balloon = 5;
    expect(a.balloon).toBe(42);
  });

  it("detaches a dropped VM's decision records too: the next VM in its ring slot starts empty", () => {
    const index = new ModelIndex();
    const a = index.addVm("default/a", "default", "a", 1, 0, vmSpec("esx-01", 50));
    a.decisions.record({ type: "admission", tick: 1, admitted: true, reason: "Admitted", message: "fits" });
    a.decisions.record({ type: "swap", tick: 2, swapTarget: 5, need: 5, reason: "HostStateHard", balloonDone: true, compressed: 1, swapped: 4, hostState: "hard" });
    const saved = JSON.stringify(a.decisions);
    index.dropVm(a);
    const c = index.addVm("default/c", "default", "c", 1, 0, vmSpec("esx-01", 70));
    expect(c.decisions.length).toBe(0);
    c.decisions.record({ type: "swap", tick: 9, swapTarget: 1, need: 1, reason: "HostStateHard", balloonDone: false, compressed: 0, swapped: 1, hostState: "hard" });
    expect(JSON.stringify(a.decisions)).toBe(saved);
    expect(c.decisions.list().map((d) => d.tick)).toEqual([9]);
  });
});

describe("model snapshot version", () => {
  const cluster = [
    { apiVersion: "memplane.io/v1alpha1", kind: "Host", metadata: { name: "esx-01" }, spec: { capacity: "4Gi" } },
    { apiVersion: "memplane.io/v1alpha1", kind: "VirtualMachine", metadata: { name: "a" }, spec: { hostName: "esx-01", memory: "3Gi" } },
    { apiVersion: "memplane.io/v1alpha1", kind: "VirtualMachine", metadata: { name: "b" }, spec: { hostName: "esx-01", memory: "3Gi" } },
  ];

  it("is 2, and a version 1 snapshot (before the columns) restores to the same model", () => {
    const engine = createEngine({ seed: 3 });
    engine.apply(cluster);
    engine.step(30);
    const snapshot = engine.snapshot();
    expect((snapshot.model as { version: number }).version).toBe(2);
    const old = JSON.parse(JSON.stringify(snapshot)) as typeof snapshot;
    (old.model as { version: number }).version = 1;
    const restored = createEngine({ seed: 3 });
    restored.restore(old);
    expect(JSON.stringify(restored.snapshot())).toBe(JSON.stringify(snapshot));
    restored.step(5);
    engine.step(5);
    expect(JSON.stringify(restored.snapshot())).toBe(JSON.stringify(engine.snapshot()));
  });
});
