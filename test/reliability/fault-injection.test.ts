/**
 * Faults users can simulate (manifests/examples/faults, issue 7 item 4), through the library:
 * a stuck and a slow balloon driver, a nearly full swap datastore, guest swap exhaustion, and a
 * host that loses memory at runtime. Each degrades the way docs/memory-model.md says; nothing
 * throws, no reconcile fails, and the memory model's §2 invariants hold at every checked tick.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { TOKENS, createEngine, quantityToPages, type Engine, type LogEntry, type MemoryModel } from "../../src/index.js";

const FAULTS = path.join(process.cwd(), "manifests/examples/faults");
const MiB = 256; // pages
const GiB = 1024 * MiB;

/** An engine with one fault example applied, its log, and a failure counter. */
function start(example: string): { engine: Engine; logs: LogEntry[]; failures: () => number; violations: () => string[] } {
  const engine = createEngine({ seed: 1 });
  const logs: LogEntry[] = [];
  let failures = 0;
  engine.logs$.subscribe((e) => logs.push(e));
  engine.ticks$.subscribe((t) => (failures += t.errors));
  const dir = path.join(FAULTS, example);
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort()) engine.apply(fs.readFileSync(path.join(dir, f), "utf8"));
  const model = (): MemoryModel => engine.container.get<MemoryModel>(TOKENS.MemoryModel);
  return { engine, logs, failures: () => failures, violations: () => model().invariantViolations().map((v) => `${v.object}: ${v.message}`) };
}

/** Steps one tick at a time, collecting invariant violations. */
function stepChecked(run: ReturnType<typeof start>, ticks: number, each?: (tick: number) => void): string[] {
  const found: string[] = [];
  for (let i = 0; i < ticks; i++) {
    run.engine.step(1);
    found.push(...run.violations().map((v) => `tick ${run.engine.tick}: ${v}`));
    each?.(run.engine.tick);
  }
  return found;
}

function vm(engine: Engine, namespace: string, name: string) {
  const o = engine.store.get("VirtualMachine", name, namespace)!;
  const m = (o.status?.memory ?? {}) as Record<string, string>;
  const pages = (k: string): number => quantityToPages(m[k] ?? "0");
  const cond = (type: string) => o.status?.conditions?.find((c) => c.type === type);
  return { status: o.status, pages, cond };
}

function hostCond(engine: Engine, name: string, type: string) {
  return engine.store.get("Host", name)?.status?.conditions?.find((c) => c.type === type);
}

const eventsFor = (engine: Engine, name: string): string[] =>
  (engine.store.list("Event") as readonly { reason?: string; involvedObject?: { name?: string } }[]).filter((e) => e.involvedObject?.name === name).map((e) => e.reason ?? "");

describe("fault injection", () => {
  test("balloonDriver: stuck — never inflates, Unresponsive after 30 s, reclaim falls to compression and swap", () => {
    const run = start("balloon-stuck");
    const readyAt: Record<number, string> = {};
    let askedAt = 0; // the first tick with a balloon target (the host pages its growth out to the limit first)
    const violations = stepChecked(run, 120, (tick) => {
      const s = vm(run.engine, "fault-stuck", "stuck");
      expect(s.pages("balloon")).toBe(0); // target never reached, not even partly
      if (askedAt === 0 && s.pages("balloonTarget") > 0) askedAt = tick;
      const c = s.cond("BalloonDriverReady");
      readyAt[tick] = `${c?.status}/${c?.reason}`;
    });
    expect(violations).toEqual([]);
    expect(run.failures()).toBe(0);
    const stuck = vm(run.engine, "fault-stuck", "stuck");
    const healthy = vm(run.engine, "fault-stuck", "healthy");
    // it was asked to balloon and never did
    expect(run.logs.some((e) => e.name === "stuck" && e.action === "BalloonTargetChanged")).toBe(true);
    // Ready while the driver has been idle < 30 s, Unresponsive from then on
    expect(askedAt).toBeGreaterThan(0);
    expect(readyAt[askedAt + 10]).toBe("True/Ready");
    expect(readyAt[askedAt + 28]).toBe("True/Ready");
    expect(readyAt[askedAt + 30]).toBe("False/Unresponsive");
    expect(readyAt[120]).toBe("False/Unresponsive");
    // its ~2Gi over the limit went to compression and the swap file instead
    expect(stuck.pages("swapped") + stuck.pages("compressed")).toBeGreaterThan(1.5 * GiB);
    // the healthy twin was ballooned (past its untouched pages into used memory, at the guest's
    // paging rate) and swapped far less
    expect(healthy.pages("balloon")).toBeGreaterThan(1 * GiB);
    expect(healthy.pages("swapped")).toBeLessThan(stuck.pages("swapped"));
  });

  test("balloonDriver: slow — inflates at a tenth of the healthy rate (6.4Mi/s vs 64Mi/s)", () => {
    const run = start("balloon-slow");
    // at tick 10 both balloons are still taking untouched pages (at the driver's rate; used
    // memory would go at the guest's paging rate)
    const violations = stepChecked(run, 10);
    expect(violations).toEqual([]);
    const at10 = { slow: vm(run.engine, "fault-slow", "slow").pages("balloon"), healthy: vm(run.engine, "fault-slow", "healthy").pages("balloon") };
    run.engine.step(1);
    const slowStep = vm(run.engine, "fault-slow", "slow").pages("balloon") - at10.slow;
    const healthyStep = vm(run.engine, "fault-slow", "healthy").pages("balloon") - at10.healthy;
    expect(healthyStep).toBe(64 * MiB);
    expect(slowStep).toBeGreaterThanOrEqual(Math.floor(6.4 * MiB));
    expect(slowStep).toBeLessThanOrEqual(Math.ceil(6.4 * MiB));
    const s = vm(run.engine, "fault-slow", "slow").cond("BalloonDriverReady");
    expect([s?.status, s?.reason]).toEqual(["True", "Slow"]);
    expect(run.failures()).toBe(0);
  });

  test("a nearly full swap datastore — InsufficientSwap at admission, SwapSpaceLow once swapping fills it", () => {
    const run = start("swap-datastore-full");
    const violations = stepChecked(run, 30);
    expect(violations).toEqual([]);
    expect(run.failures()).toBe(0);
    const second = vm(run.engine, "fault-swap", "second");
    expect(second.status?.phase).toBe("Pending");
    expect([second.cond("Admitted")?.status, second.cond("Admitted")?.reason]).toEqual(["False", "InsufficientSwap"]);
    expect(run.logs.some((e) => e.name === "second" && e.action === "AdmissionDenied" && e.reason === "InsufficientSwap")).toBe(true);
    expect(vm(run.engine, "fault-swap", "reserved").status?.phase).toBe("Running");
    expect(vm(run.engine, "fault-swap", "first").status?.phase).toBe("Running");
    const low = hostCond(run.engine, "esx-swapfull", "SwapSpaceLow");
    expect([low?.status, low?.reason]).toEqual(["True", "SwapDatastoreNearlyFull"]);
    expect(eventsFor(run.engine, "esx-swapfull")).toContain("SwapSpaceLow");
    // never more swapped than the datastore holds
    expect(vm(run.engine, "fault-swap", "first").pages("swapped")).toBeLessThanOrEqual(2100 * MiB);
  });

  test("guest swap exhausted — BalloonStalled in the log, BalloonStalled and GuestOOMRisk Warning events", () => {
    const run = start("guest-swap-exhausted");
    const violations = stepChecked(run, 150);
    expect(violations).toEqual([]);
    expect(run.failures()).toBe(0);
    const stalled = run.logs.filter((e) => e.action === "BalloonStalled");
    expect(stalled.length).toBeGreaterThan(0);
    expect(stalled[0]).toMatchObject({ kind: "VirtualMachine", namespace: "fault-guestswap", name: "tight", reason: "GuestSwapFull" });
    expect(eventsFor(run.engine, "tight")).toEqual(expect.arrayContaining(["BalloonStalled", "GuestOOMRisk"]));
    const tight = vm(run.engine, "fault-guestswap", "tight");
    // the guest swapped all it could; the rest of the reclaim fell to the hypervisor
    expect(tight.pages("guestSwapped")).toBe(64 * MiB);
    expect(tight.pages("swapped") + tight.pages("compressed")).toBeGreaterThan(0);
  });

  test("a host whose capacity shrinks at runtime (failed DIMM) — emergency reclaim, power-offs, invariants hold", () => {
    const run = start("dimm-failure");
    expect(stepChecked(run, 60)).toEqual([]);
    const before = quantityToPages(run.engine.store.get("Host", "esx-dimm")!.status!.memory.swapped);
    // the example's failure: half the memory gone
    run.engine.apply(fs.readFileSync(path.join(FAULTS, "dimm-failure-after/host.yaml"), "utf8"));
    expect(stepChecked(run, 30)).toEqual([]);
    const host = run.engine.store.get("Host", "esx-dimm")!;
    expect(host.status!.memory.capacity).toBe("12Gi");
    expect(quantityToPages(host.status!.memory.swapped)).toBeGreaterThan(before);
    expect(quantityToPages(host.status!.memory.free)).toBeGreaterThanOrEqual(0);
    // a harsher one: 2200Mi left, less than what reservations, overheads and compressed pages need — some must power off
    run.engine.apply(fs.readFileSync(path.join(FAULTS, "dimm-failure-after/host.yaml"), "utf8").replace("capacity: 12Gi", "capacity: 2200Mi"));
    expect(stepChecked(run, 30)).toEqual([]);
    const phases = (run.engine.store.list("VirtualMachine", { namespace: "fault-dimm" }) as readonly { status?: { phase?: string; conditions?: { type: string; reason?: string }[] } }[]).map((v) => v.status?.phase);
    expect(phases).toContain("Pending");
    expect(phases).toContain("Running");
    const pending = (run.engine.store.list("VirtualMachine", { namespace: "fault-dimm" }) as readonly { status?: { phase?: string; conditions?: { type: string; reason?: string }[] } }[]).filter((v) => v.status?.phase === "Pending");
    expect(pending.every((v) => v.status?.conditions?.find((c) => c.type === "Admitted")?.reason === "InsufficientMemory")).toBe(true);
    // every forced power-off is logged, not silent
    const forced = run.logs.filter((l) => l.action === "PoweredOff" && l.reason === "HostMemoryLost");
    expect(forced.length).toBeGreaterThanOrEqual(pending.length);
    // and back: the DIMMs are replaced, the VMs come back
    run.engine.apply(fs.readFileSync(path.join(FAULTS, "dimm-failure/cluster.yaml"), "utf8"));
    expect(stepChecked(run, 30)).toEqual([]);
    expect((run.engine.store.list("VirtualMachine", { namespace: "fault-dimm" }) as readonly { status?: { phase?: string } }[]).every((v) => v.status?.phase === "Running")).toBe(true);
    expect(run.failures()).toBe(0);
  });

  test("every fault example applies together (except the DIMM's second half) and runs clean through the CLI's path", () => {
    const engine = createEngine({ seed: 3 });
    let failures = 0;
    engine.ticks$.subscribe((t) => (failures += t.errors));
    for (const dir of fs.readdirSync(FAULTS).filter((d) => d !== "dimm-failure-after" && fs.statSync(path.join(FAULTS, d)).isDirectory()).sort()) {
      engine.apply(fs.readFileSync(path.join(FAULTS, dir, "cluster.yaml"), "utf8"));
    }
    engine.step(120);
    expect(failures).toBe(0);
    expect(engine.container.get<MemoryModel>(TOKENS.MemoryModel).invariantViolations()).toEqual([]);
    expect(engine.store.list("Host").length).toBe(5);
  });
});
