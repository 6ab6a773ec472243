import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createEngine } from "memplane";
import { MetricsRecorder } from "../../src/metrics/metrics-recorder.js";
import { MAX_VALUES, MetricsSeries } from "../../src/metrics/metrics-series.js";
import { METRICS_FILE, MetricsFileError, readMetricsFile, writeMetricsFile } from "../../src/metrics/metrics-file.js";

/** A 4Gi host overcommitted by two VMs that grow into ballooning and swapping. */
const CLUSTER = `
apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: esx-01}
spec: {capacity: 4Gi}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: web-1}
spec:
  hostName: esx-01
  memory: 3Gi
  workload: {allocated: 10%, active: 80%, phases: [{after: 20s, allocated: 95%, rampSeconds: 30}]}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: db-1, namespace: prod}
spec:
  hostName: esx-01
  memory: 3Gi
  workload: {allocated: 10%, active: 80%, phases: [{after: 20s, allocated: 95%, rampSeconds: 30}]}
`;

const PAGES_PER_MIB = 256;
const parseMi = (q: string): number => {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(q);
  if (!m) throw new Error(`unexpected quantity ${q}`);
  const bytes = Number(m[1]) * ({ Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 } as Record<string, number>)[m[2] ?? ""]!;
  return Number.isFinite(bytes) ? bytes / 4096 : Number(m[1]) / 4096;
};

describe("MetricsRecorder", () => {
  test("samples every tick per host and VM, matching the objects' status", () => {
    const engine = createEngine({ seed: 7 });
    engine.apply(CLUSTER);
    const recorder = MetricsRecorder.attach(engine);
    engine.step(120);
    const s = recorder.series;
    expect(s.ticks).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect([...s.hosts.keys()]).toEqual(["esx-01"]);
    expect([...s.vms.keys()].sort()).toEqual(["default/web-1", "prod/db-1"]);

    const host = engine.store.get("Host", "esx-01")!;
    const h = s.hosts.get("esx-01")!;
    const last = s.length - 1;
    expect(h.free[last]).toBe(parseMi(host.status!.memory.free));
    expect(h.minFree[last]).toBe(parseMi(host.status!.memory.minFree));
    expect(h.capacity[last]).toBe(4 * 1024 * PAGES_PER_MIB);
    expect(["high", "clear", "soft", "hard", "low"][h.state[last]!]).toBe(host.status!.state);
    // thresholds descend: clear > soft > hard > low, all below minFree
    expect(h.minFree[last]!).toBeGreaterThanOrEqual(h.clear[last]!);
    expect(h.clear[last]!).toBeGreaterThan(h.soft[last]!);
    expect(h.soft[last]!).toBeGreaterThan(h.hard[last]!);
    expect(h.hard[last]!).toBeGreaterThan(h.low[last]!);

    const vm = engine.store.get("VirtualMachine", "web-1", "default")!;
    const v = s.vms.get("default/web-1")!;
    const mem = vm.status!.memory;
    expect(v.consumed[last]).toBe(parseMi(mem.consumed));
    expect(v.balloon[last]).toBe(parseMi(mem.balloon));
    expect(v.swapped[last]).toBe(parseMi(mem.swapped));
    expect(v.compressed[last]).toBe(parseMi(mem.compressed));
    expect(v.entitlement[last]).toBe(parseMi(mem.entitlement));
    expect(v.active[last]).toBe(parseMi(mem.active));
    expect(v.memory[last]).toBe(3 * 1024 * PAGES_PER_MIB);
    expect(v.memoryStallPercent[last]).toBe(vm.status!.memoryStallPercent);
    // the scenario does reclaim: the host leaves high and some VM balloons
    expect(Math.max(...h.state)).toBeGreaterThan(0);
    expect(Math.max(...v.balloon, ...s.vms.get("prod/db-1")!.balloon)).toBeGreaterThan(0);
    recorder.detach();
    engine.step(5);
    expect(s.length).toBe(120);
  });

  test("retention: the stride doubles when full and samples stay on multiples of it", () => {
    const engine = createEngine();
    engine.apply(CLUSTER);
    const recorder = MetricsRecorder.attach(engine, { maxSamples: 16 });
    engine.step(100);
    const s = recorder.series;
    expect(s.length).toBeLessThanOrEqual(16);
    expect(s.stride).toBe(8);
    expect(s.ticks.every((t) => t % 8 === 0)).toBe(true);
    expect(s.ticks[0]).toBe(8);
    expect(s.lastTick).toBe(96);
    for (const cols of [...s.hosts.values(), ...s.vms.values()]) {
      for (const col of Object.values(cols)) expect(col).toHaveLength(s.length);
    }
  });

  test("retention: a big cluster thins by total values (MAX_VALUES), not only by sample count", () => {
    const s = new MetricsSeries(1);
    for (let t = 1; t <= 1000; t++) {
      const i = s.begin(t);
      if (i < 0) continue;
      for (let v = 0; v < 1000; v++) s.vm(`default/vm-${v}`).consumed[i] = t;
    }
    expect(s.columns).toBe(9000);
    expect(s.length * s.columns).toBeLessThanOrEqual(MAX_VALUES);
    expect(s.stride).toBe(4); // 4e6 / 9000 ≈ 444 samples: 1000 ticks fit at every 4th
    expect(s.ticks.every((t) => t % 4 === 0)).toBe(true);
    expect(s.vms.get("default/vm-7")!.consumed.every((v, i) => v === s.ticks[i])).toBe(true);
  });

  test("a series saved, reloaded and continued equals one recorded in one go", () => {
    const whole = createEngine({ seed: 3 });
    whole.apply(CLUSTER);
    const wholeRec = MetricsRecorder.attach(whole, { maxSamples: 32 });
    whole.step(90);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "memplane-metrics-"));
    const first = createEngine({ seed: 3 });
    first.apply(CLUSTER);
    const firstRec = MetricsRecorder.attach(first, { maxSamples: 32 });
    first.step(50);
    writeMetricsFile(dir, firstRec.series);
    const snapshot = JSON.parse(JSON.stringify(first.snapshot()));

    const second = createEngine({ seed: 3 });
    second.restore(snapshot);
    const loaded = readMetricsFile(dir, second.tick)!;
    const secondRec = MetricsRecorder.attach(second, { series: loaded });
    second.step(40);
    expect(JSON.parse(JSON.stringify(secondRec.series))).toEqual(JSON.parse(JSON.stringify(wholeRec.series)));
  });

  test("a VM created later and one deleted have NaN (null in JSON) where they did not exist", () => {
    const engine = createEngine();
    engine.apply(CLUSTER);
    const recorder = MetricsRecorder.attach(engine);
    engine.step(3);
    engine.apply(CLUSTER.replace("name: web-1", "name: late"));
    engine.delete("VirtualMachine", "db-1", "prod");
    engine.step(3);
    const s = recorder.series;
    const late = s.vms.get("default/late")!;
    expect(late.consumed.slice(0, 3).every(Number.isNaN)).toBe(true);
    expect(late.consumed.slice(3).every(Number.isFinite)).toBe(true);
    const json = JSON.parse(JSON.stringify(s)) as { vms: Record<string, { consumed: (number | null)[] }> };
    expect(json.vms["default/late"]!.consumed[0]).toBeNull();
    const db = s.vms.get("prod/db-1")!;
    expect(db.consumed.slice(3).every(Number.isNaN)).toBe(true);
    expect(MetricsSeries.fromJSON(json).vms.get("default/late")!.consumed[0]).toBeNaN();
  });

  test("metrics.json: samples after the saved tick are dropped; damage is a clear error", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "memplane-metrics-"));
    expect(readMetricsFile(dir, 10)).toBeUndefined();
    const engine = createEngine();
    engine.apply(CLUSTER);
    const recorder = MetricsRecorder.attach(engine);
    engine.step(20);
    writeMetricsFile(dir, recorder.series);
    const back = readMetricsFile(dir, 12)!;
    expect(back.ticks).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(back.vms.get("default/web-1")!.consumed).toHaveLength(12);

    fs.writeFileSync(path.join(dir, METRICS_FILE), "{not json");
    expect(() => readMetricsFile(dir, 12, "st")).toThrow(MetricsFileError);
    expect(() => readMetricsFile(dir, 12, "st")).toThrow(/st\/metrics\.json is damaged: not valid JSON/);
    fs.writeFileSync(path.join(dir, METRICS_FILE), JSON.stringify({ format: "memplane-metrics/v1", tickSeconds: 1, stride: 3, maxSamples: 10, ticks: [], hosts: {}, vms: {} }));
    expect(() => readMetricsFile(dir, 12, "st")).toThrow(/stride must be a power of two/);
  });
});
