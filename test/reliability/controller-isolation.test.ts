/**
 * Controller isolation (issue 7 item 5): an embedder's controller that throws (anything, even
 * values that cannot be printed), returns garbage, or runs too long never stops the tick loop
 * or the other controllers. The strongest check: with the bad controllers added, the built-in
 * controllers' log is exactly what it is without them, and a well-behaved custom controller
 * still runs on every object every tick.
 */
import { createEngine, type Controller, type Engine, type LogEntry, type ReconcileContext, type ReconcileRequest } from "../../src/index.js";
import { CLUSTER, builtInLines, controller } from "./controller-fixtures.js";

const TICKS = 120;


/** Busy-waits (a reconcile that hogs the CPU; nothing else can run meanwhile). */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // burn
  }
}

/** Values a careless or hostile controller may throw: some cannot even be turned into strings. */
const THROWN: unknown[] = [
  new Error("plain error"),
  "a string",
  undefined,
  null,
  42,
  Symbol("thrown symbol"),
  Object.create(null),
  { toString: () => { throw new Error("toString throws too"); } },
  { get message() { throw new Error("message getter throws"); } },
  Object.assign(new Error("multi\nline\nmessage"), { stack: "x" }),
];

/** Values a reconcile may not return. */
const GARBAGE: unknown[] = [
  42,
  "requeue",
  null,
  true,
  [],
  { requeueAfterTicks: -1 },
  { requeueAfterTicks: Number.NaN },
  { requeueAfterTicks: 1.5 },
  { requeueAfterTicks: 2, extra: 1 },
  Promise.resolve(),
  Object.create(null),
  { toJSON: () => { throw new Error("toJSON throws"); } },
  Object.assign(Object.create(null), { toJSON: () => { throw new Error("no prototype either"); } }),
  10n,
];

interface Run {
  engine: Engine;
  logs: LogEntry[];
  errors: number;
  /** (tick, object) pairs the good custom controller saw. */
  goodCalls: string[];
}

function run(bad: Controller[], options: { reconcileBudgetMs?: number } = {}): Run {
  const goodCalls: string[] = [];
  const good = controller("good-audit", "VirtualMachine", (req, ctx) => void goodCalls.push(`${ctx.tick}:${req.name}`));
  const engine = createEngine({ seed: 7, controllers: { add: [...bad, good] }, ...options });
  const logs: LogEntry[] = [];
  let errors = 0;
  engine.logs$.subscribe((e) => logs.push(e));
  engine.ticks$.subscribe((t) => (errors += t.errors));
  engine.apply(CLUSTER);
  engine.step(TICKS);
  return { engine, logs, errors, goodCalls };
}

const expectedGoodCalls = (): string[] => Array.from({ length: TICKS }, (_, i) => [`${i + 1}:app-1`, `${i + 1}:app-2`]).flat();

describe("controller isolation", () => {
  const baseline = run([]);

  test("the baseline does something worth protecting (ballooning under overcommit)", () => {
    expect(baseline.engine.tick).toBe(TICKS);
    expect(baseline.errors).toBe(0);
    expect(baseline.logs.some((e) => e.action === "BalloonTargetChanged")).toBe(true);
    expect(baseline.goodCalls).toEqual(expectedGoodCalls());
  });

  test("controllers that throw anything at all: every tick runs, other controllers are untouched, errors are logged with backoff", () => {
    let i = 0;
    const thrower = controller("thrower", "VirtualMachine", () => {
      throw THROWN[i++ % THROWN.length];
    });
    const hostThrower = controller("host-thrower", "Host", () => {
      throw THROWN[i++ % THROWN.length];
    });
    const r = run([thrower, hostThrower]);
    expect(r.engine.tick).toBe(TICKS);
    expect(builtInLines(r.logs)).toEqual(builtInLines(baseline.logs));
    expect(r.goodCalls).toEqual(expectedGoodCalls());
    const errors = r.logs.filter((e) => e.action === "ReconcileError");
    expect(errors.length).toBe(r.errors);
    // backoff: after 1, 2, 4 … 64 ticks, so far fewer errors than ticks × objects
    expect(errors.filter((e) => e.controller === "thrower" && e.name === "app-1").map((e) => e.tick)).toEqual([1, 2, 4, 8, 16, 32, 64, 128].filter((t) => t <= TICKS));
    for (const e of errors) {
      expect(e.message).not.toMatch(/\n/);
      expect(e.message).toMatch(/^reconcile threw: .+; retrying in \d+ ticks? \(failure \d+\)$/);
    }
    expect(errors.map((e) => e.message)).toEqual(expect.arrayContaining([expect.stringContaining("plain error"), expect.stringContaining("multi line message")]));
  });

  test("controllers that return garbage: each is a ReconcileError, nothing else changes", () => {
    let i = 0;
    const liar = controller("liar", "VirtualMachine", () => GARBAGE[i++ % GARBAGE.length]);
    const r = run([liar]);
    expect(r.engine.tick).toBe(TICKS);
    expect(builtInLines(r.logs)).toEqual(builtInLines(baseline.logs));
    expect(r.goodCalls).toEqual(expectedGoodCalls());
    const errors = r.logs.filter((e) => e.controller === "liar");
    expect(errors.length).toBeGreaterThanOrEqual(GARBAGE.length);
    expect(errors.filter((e) => !(e.action === "ReconcileError" && /^reconcile returned .+; expected nothing or \{ requeueAfterTicks: n \}/.test(e.message)))).toEqual([]);
  });

  test("controllers that break the rules (mutate frozen objects, log junk) are contained", () => {
    const vandal = controller("vandal", "VirtualMachine", (req, ctx) => {
      const vm = ctx.store.get("VirtualMachine", req.name, req.namespace) as { spec: { memory: string } };
      vm.spec.memory = "1Ti"; // frozen: throws in strict mode
    });
    const junkLogger = controller("junk-logger", "Host", (_req, ctx) => {
      ctx.log(null as never);
    });
    const r = run([vandal, junkLogger]);
    expect(r.engine.tick).toBe(TICKS);
    expect(builtInLines(r.logs)).toEqual(builtInLines(baseline.logs));
    expect(r.engine.store.get("VirtualMachine", "app-1")?.spec).toEqual(baseline.engine.store.get("VirtualMachine", "app-1")?.spec);
    expect(r.logs.filter((e) => e.controller === "vandal" || e.controller === "junk-logger").every((e) => e.action === "ReconcileError")).toBe(true);
  });

  test("a controller that runs too long gets ReconcileSlow entries; the loop and the other controllers go on", () => {
    const slow = controller("slowpoke", "Host", () => spin(25));
    const r = run([slow], { reconcileBudgetMs: 5 });
    expect(r.engine.tick).toBe(TICKS);
    expect(builtInLines(r.logs)).toEqual(builtInLines(baseline.logs));
    expect(r.goodCalls).toEqual(expectedGoodCalls());
    const slowEntries = r.logs.filter((e) => e.action === "ReconcileSlow" && e.controller === "slowpoke");
    expect(slowEntries).toHaveLength(TICKS); // one host, every tick
    expect(slowEntries[0]).toMatchObject({ controller: "slowpoke", kind: "Host", name: "esx-01", host: "esx-01", reason: "ReconcileBudgetExceeded" });
    expect(slowEntries[0]!.message).toMatch(/^reconcile took \d+ ms, over the 5 ms budget/);
    expect(r.errors).toBe(0); // informational, not a failure
  });

  test("reconcileBudgetMs: 0 turns the check off; built-in controllers are never timed", () => {
    const slow = controller("slowpoke", "Host", () => spin(3));
    const off = run([slow], { reconcileBudgetMs: 0 });
    expect(off.logs.some((e) => e.action === "ReconcileSlow")).toBe(false);
    // a budget below any real reconcile time: only the custom controller is reported
    const tiny = run([slow], { reconcileBudgetMs: 1e-9 });
    const slowBy = new Set(tiny.logs.filter((e) => e.action === "ReconcileSlow").map((e) => e.controller));
    expect([...slowBy].sort()).toEqual(["good-audit", "slowpoke"]);
    expect(() => createEngine({ reconcileBudgetMs: -1 })).toThrow(/reconcileBudgetMs must be a number of milliseconds ≥ 0/);
    expect(createEngine().options.reconcileBudgetMs).toBe(100);
  });
});
