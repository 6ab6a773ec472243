/**
 * Controller isolation under attack (issue 19 item 3): embedded controllers that throw Proxies
 * whose every trap throws, patch cyclic or non-JSON status, log or record junk, return
 * promises (rejected, or from an `async` reconcile), abuse `reconcileAll`, or call
 * `engine.step()` from inside a tick. Each attack must stay with its controller and object as
 * a `ReconcileError`: the tick loop runs every tick, the built-in controllers' log is exactly
 * what it is without the attacker, snapshots stay JSON, and re-entrant stepping is refused.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import {
  ControllerRegistryError,
  createEngine,
  EngineOptionError,
  formatLogJson,
  orderControllers,
  TickInProgressError,
  type Controller,
  type Engine,
  type LogEntry,
  type ReconcileContext,
  type ReconcileRequest,
} from "../../src/index.js";
import { ROOT, requireBuild } from "../cli/cli-harness.js";
import { CLUSTER, builtInLines, controller } from "./controller-fixtures.js";

const TICKS = 40;


/** A Proxy whose every trap throws the Proxy itself: it cannot be printed, inspected or compared. */
function poison(): object {
  // eslint-disable-next-line prefer-const
  let p: object;
  const handler = new Proxy(
    {},
    {
      get: () => () => {
        throw p;
      },
    },
  );
  p = new Proxy(function poisoned() {}, handler);
  return p;
}

/** A revoked Proxy: every operation on it throws a TypeError. */
function revoked(): object {
  const r = Proxy.revocable({}, {});
  r.revoke();
  return r.proxy;
}

interface Run {
  engine: Engine;
  logs: LogEntry[];
  errors: number;
  goodCalls: number;
}

function run(bad: Controller[], options: { reconcileBudgetMs?: number; ticks?: number } = {}): Run {
  let goodCalls = 0;
  const good = controller("good-audit", "VirtualMachine", () => void goodCalls++);
  const engine = createEngine({ seed: 7, controllers: { add: [...bad, good] }, reconcileBudgetMs: options.reconcileBudgetMs ?? 0 });
  const logs: LogEntry[] = [];
  let errors = 0;
  engine.logs$.subscribe((e) => logs.push(e));
  engine.ticks$.subscribe((t) => (errors += t.errors));
  engine.apply(CLUSTER);
  engine.step(options.ticks ?? TICKS);
  return { engine, logs, errors, goodCalls };
}

const errorsOf = (r: Run, name: string): LogEntry[] => r.logs.filter((e) => e.controller === name && e.action === "ReconcileError");

/** What every attacked run must still satisfy. */
function expectContained(r: Run, baseline: Run, attackers: string[]): void {
  expect(r.engine.tick).toBe(TICKS);
  expect(builtInLines(r.logs)).toEqual(builtInLines(baseline.logs));
  expect(r.goodCalls).toBe(TICKS * 2);
  for (const name of attackers) expect(errorsOf(r, name).length).toBeGreaterThan(0);
  for (const e of r.logs) {
    expect(() => formatLogJson(e)).not.toThrow();
    if (e.action === "ReconcileError") expect(e.message).not.toMatch(/\n/);
  }
  // the whole simulation still snapshots to JSON and restores
  const json = JSON.stringify(r.engine.snapshot());
  const copy = createEngine({ seed: 7 });
  copy.restore(JSON.parse(json));
  expect(copy.tick).toBe(TICKS);
}

describe("controller attacks", () => {
  const baseline = run([]);

  test("the baseline has work worth protecting", () => {
    expect(baseline.errors).toBe(0);
    expect(baseline.logs.some((e) => e.action === "BalloonTargetChanged")).toBe(true);
  });

  test("thrown or returned Proxies whose every trap throws, and revoked Proxies, are described safely", () => {
    let i = 0;
    const attacks: (() => unknown)[] = [
      () => {
        throw poison();
      },
      () => poison(),
      () => {
        throw revoked();
      },
      () => revoked(),
      () => {
        throw Object.assign(new Error("x"), { get message() { throw poison(); } });
      },
      () => ({ get requeueAfterTicks() { throw poison(); } }),
    ];
    const attacker = controller("proxy-thrower", "VirtualMachine", () => attacks[i++ % attacks.length]!());
    const hostAttacker = controller("host-proxy-thrower", "Host", () => attacks[i++ % attacks.length]!());
    const r = run([attacker, hostAttacker]);
    expectContained(r, baseline, ["proxy-thrower", "host-proxy-thrower"]);
    for (const e of [...errorsOf(r, "proxy-thrower"), ...errorsOf(r, "host-proxy-thrower")]) {
      expect(e.message).toMatch(/^reconcile (threw:|returned) .+; retrying in \d+ ticks? \(failure \d+\)$/);
    }
  });

  test("status patches that are not plain JSON data are refused with a ReconcileError; nothing of them is stored", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    let deep: unknown = "bottom";
    for (let d = 0; d < 200; d++) deep = { d: deep };
    let dag: unknown = [1];
    for (let d = 0; d < 40; d++) dag = [dag, dag]; // 2^40 paths, 41 objects
    const patches: [string, unknown][] = [
      ["cycle", { custom: cyclic }],
      ["bigint", { custom: 10n }],
      ["function", { custom: () => 1 }],
      ["symbol", { custom: Symbol("s") }],
      ["nan", { custom: Number.NaN }],
      ["infinity", { custom: [Number.POSITIVE_INFINITY] }],
      ["date", { custom: new Date(0) }],
      ["map", { custom: new Map() }],
      ["deep", { custom: deep }],
      ["dag", { custom: dag }],
      ["proto", JSON.parse('{"custom": {"__proto__": {"polluted": true}}}')],
      ["top-proto", JSON.parse('{"__proto__": {"polluted": true}}')],
      ["proxy", poison()],
      ["getter", { get custom() { throw new Error("getter throws"); } }],
      ["string", "not an object"],
      ["array", [1, 2]],
      ["null", null],
      ["conditions", { conditions: "not a list" }],
      ["hole", { custom: [1, , 3] }],
    ];
    const attackers = patches.map(([name, patch]) =>
      controller(`patch-${name}`, "VirtualMachine", (req, ctx) => {
        ctx.store.patchStatus(req, patch as never);
      }),
    );
    // catches the refusal and goes on: the patch must still not be stored
    const swallower = controller("patch-swallower", "VirtualMachine", (req, ctx) => {
      try {
        ctx.store.patchStatus(req, { swallowed: cyclic } as never);
      } catch {
        // ignored on purpose
      }
    });
    // patches good data, then turns it into a cycle after the call: the store keeps its own copy
    const mutator = controller("patch-mutator", "VirtualMachine", (req, ctx) => {
      const data: Record<string, unknown> = { n: [1, "two", true, null] };
      ctx.store.patchStatus(req, { mutated: data } as never);
      data.self = data;
    });
    const r = run([...attackers, swallower, mutator]);
    expectContained(
      r,
      baseline,
      patches.map(([name]) => `patch-${name}`),
    );
    for (const [name] of patches) {
      for (const e of errorsOf(r, `patch-${name}`)) expect(e.message).toMatch(/^reconcile threw: status patch of VirtualMachine default\/app-\d: /);
    }
    expect(errorsOf(r, "patch-cycle")[0]!.message).toContain("status.custom.self: a cycle");
    expect(errorsOf(r, "patch-bigint")[0]!.message).toContain("status.custom: must be plain JSON data (got a bigint)");
    expect(errorsOf(r, "patch-deep")[0]!.message).toContain("nested more than");
    expect(errorsOf(r, "patch-dag")[0]!.message).toContain("more than");
    expect(errorsOf(r, "patch-proto")[0]!.message).toContain('forbidden key "__proto__"');
    expect(errorsOf(r, "patch-getter")[0]!.message).toContain("getter throws");
    expect(errorsOf(r, "patch-swallower")).toEqual([]);
    const status = r.engine.store.get("VirtualMachine", "app-1")!.status as unknown as Record<string, unknown>;
    expect(status.swallowed).toBeUndefined();
    expect(status.custom).toBeUndefined();
    expect(status.polluted).toBeUndefined();
    expect(Object.getPrototypeOf(status)).toBe(Object.prototype);
    expect(status.mutated).toEqual({ n: [1, "two", true, null] });
    expect(Array.isArray(status.conditions)).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test("junk conditions, events and log entries are refused with a ReconcileError", () => {
    const junk: [string, (req: ReconcileRequest, ctx: ReconcileContext) => void][] = [
      ["condition-bigint", (req, ctx) => ctx.store.setCondition(req, { type: "X", status: "True", reason: 5n, message: "m" } as never)],
      ["condition-status", (req, ctx) => ctx.store.setCondition(req, { type: "X", status: "Maybe", reason: "R", message: "m" } as never)],
      ["condition-null", (req, ctx) => ctx.store.setCondition(req, null as never)],
      ["event-reason", (req, ctx) => ctx.store.recordEvent(req, "Warning", 42 as never, "m")],
      ["event-empty-reason", (req, ctx) => ctx.store.recordEvent(req, "Warning", "", "m")],
      ["event-type", (req, ctx) => ctx.store.recordEvent(req, "Bogus" as never, "Reason", "m")],
      ["event-message", (req, ctx) => ctx.store.recordEvent(req, "Normal", "Reason", { toString: () => "x" } as never)],
      ["log-bigint", (req, ctx) => ctx.log({ kind: "VirtualMachine", name: req.name, action: "X", reason: 10n as never, message: "m" })],
      ["log-object", (req, ctx) => ctx.log({ kind: "VirtualMachine", name: req.name, action: "X", host: {} as never, message: "m" })],
      ["log-proxy", (_req, ctx) => ctx.log(poison() as never)],
    ];
    const attackers = junk.map(([name, f]) => controller(name, "VirtualMachine", f));
    const r = run(attackers);
    expectContained(
      r,
      baseline,
      junk.map(([name]) => name),
    );
    expect(r.engine.store.list("Event").every((e) => typeof e.reason === "string" && e.reason !== "")).toBe(true);
    expect(r.logs.filter((e) => e.controller.startsWith("log-") && e.action !== "ReconcileError")).toEqual([]);
  });

  test("a controller that steps or restores the engine from inside a tick is refused; step(5) runs 5 ticks", () => {
    let engine: Engine | undefined;
    const caught: unknown[] = [];
    const stepper = controller("stepper", "VirtualMachine", () => {
      engine!.step(1000);
    });
    const quiet = controller("quiet-stepper", "Host", () => {
      try {
        engine!.step();
      } catch (e) {
        caught.push(e);
      }
    });
    const restorer = controller("restorer", "Host", () => {
      engine!.restore(engine!.snapshot());
    });
    engine = createEngine({ seed: 7, controllers: { add: [stepper, quiet, restorer] }, reconcileBudgetMs: 0 });
    const logs: LogEntry[] = [];
    engine.logs$.subscribe((e) => logs.push(e));
    // a logs$ subscriber that tries to step is refused too (rxjs reports its error asynchronously)
    engine.apply(CLUSTER);
    engine.step(5);
    expect(engine.tick).toBe(5);
    expect(engine.timeSeconds).toBe(5);
    const refused = logs.filter((e) => (e.controller === "stepper" || e.controller === "restorer") && e.action === "ReconcileError");
    expect(refused.length).toBeGreaterThan(0);
    for (const e of refused) expect(e.message).toMatch(/engine\.(step|restore)\(\) was called while tick \d+ is running/);
    expect(caught.length).toBe(5);
    expect(caught.every((e) => e instanceof TickInProgressError)).toBe(true);
    // after the tick, stepping works again
    engine.step(1);
    expect(engine.tick).toBe(6);
  });

  test("reconcileAll that throws, reports nonsense indexes or returns a promise fails its objects, not the tick", () => {
    let i = 0;
    const batch: Controller = {
      name: "batch-vandal",
      forKind: "VirtualMachine",
      reconcile: () => undefined,
      reconcileAll(objects, _ctx, failed) {
        const attack = i++ % 5;
        if (attack === 0) throw poison();
        if (attack === 1) failed(99, new Error("no such index"));
        if (attack === 2) failed(-1 as number, new Error("negative"));
        if (attack === 3) failed("0" as never, new Error("string index"));
        if (attack === 4) return Promise.resolve() as never;
        return objects.length as never;
      },
    };
    const r = run([batch], { reconcileBudgetMs: 0 });
    expectContained(r, baseline, ["batch-vandal"]);
    for (const e of errorsOf(r, "batch-vandal")) expect(["app-1", "app-2"]).toContain(e.name);
  });

  test("an async reconcile or a returned rejected promise is a ReconcileError and never an unhandled rejection (child process)", async () => {
    requireBuild();
    const index = pathToFileURL(path.join(ROOT, "dist/src/index.js")).href;
    const script = `
      const { createEngine } = await import(${JSON.stringify(index)});
      const late = [];
      const controllers = [
        { name: "async-thrower", forKind: "VirtualMachine", async reconcile() { await null; throw new Error("async boom"); } },
        { name: "rejecter", forKind: "Host", reconcile() { return Promise.reject(new Error("rejected")); } },
        { name: "late-writer", forKind: "VirtualMachine", async reconcile(req, ctx) {
            await new Promise((r) => setTimeout(r, 1));
            try { ctx.log({ kind: "VirtualMachine", name: req.name, action: "Late", message: "after the tick" }); } catch (e) { late.push(String(e.message)); }
            try { ctx.store.patchStatus(req, { late: true }); } catch (e) { late.push(String(e.message)); }
          } },
      ];
      const engine = createEngine({ controllers: { add: controllers }, reconcileBudgetMs: 0 });
      const logs = [];
      engine.logs$.subscribe((e) => logs.push(e));
      engine.apply(${JSON.stringify(CLUSTER)});
      for (let t = 0; t < 10; t++) { engine.step(1); await new Promise((r) => setTimeout(r, 5)); }
      await new Promise((r) => setTimeout(r, 50));
      const errors = logs.filter((e) => e.action === "ReconcileError");
      console.log(JSON.stringify({
        tick: engine.tick,
        byController: Object.fromEntries(["async-thrower", "rejecter", "late-writer"].map((c) => [c, errors.filter((e) => e.controller === c).length])),
        sample: errors[0] && errors[0].message,
        lateEntries: logs.filter((e) => e.action === "Late").length,
        lateStatus: engine.store.get("VirtualMachine", "app-1").status.late,
        late: late.slice(0, 2),
      }));
    `;
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      child.on("error", reject);
      child.on("close", (c) => resolve({ code: c ?? -1, stdout, stderr }));
    });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as {
      tick: number;
      byController: Record<string, number>;
      sample: string;
      lateEntries: number;
      lateStatus: unknown;
      late: string[];
    };
    expect(out.tick).toBe(10);
    expect(out.byController["async-thrower"]).toBeGreaterThan(0);
    expect(out.byController.rejecter).toBeGreaterThan(0);
    expect(out.byController["late-writer"]).toBeGreaterThan(0);
    expect(out.sample).toMatch(/reconcile returned a promise.*reconcile must be synchronous/);
    // what an async reconcile does after its tick is refused, never slipped into a later tick
    expect(out.lateEntries).toBe(0);
    expect(out.lateStatus).toBeUndefined();
    expect(out.late[0]).toMatch(/its tick has ended/);
  });

  test("bad createEngine options fail at once with an EngineOptionError naming the option", () => {
    const cases: [unknown, string, RegExp][] = [
      [{ controllers: { add: {} } }, "controllers.add", /engine option controllers\.add must be a list of controllers, got an object/],
      [{ controllers: { add: "balloon-watch" } }, "controllers.add", /must be a list of controllers/],
      [{ controllers: [] }, "controllers", /engine option controllers must be an object \{ add\?, disable\? \}, got a list/],
      [{ controllers: { disable: "page-sharing" } }, "controllers.disable", /must be a list of built-in controller names/],
      [{ controllers: { disable: [1] } }, "controllers.disable", /a list with a non-string/],
      [{ controllers: { remove: [] } }, "controllers.remove", /is not an option; controllers takes add and disable/],
      [{ seeed: 5 }, '"seeed"', /is not an engine option; known: seed, tickSeconds/],
      [{ seed: "5" }, "seed", /engine option seed must be an integer, got "5"/],
      [{ tickSeconds: poison() }, "tickSeconds", /must be a positive number of seconds, got a function/],
      [{ maxEvents: -1 }, "maxEvents", /must be a whole number ≥ 0/],
      [{ reconcileBudgetMs: Number.NaN }, "reconcileBudgetMs", /milliseconds/],
      ["fast", "options", /must be an object of options/],
    ];
    for (const [options, option, message] of cases) {
      let error: unknown;
      try {
        createEngine(options as never);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(EngineOptionError);
      expect(error).toBeInstanceOf(RangeError); // what bad numbers always threw
      expect((error as EngineOptionError).option).toBe(option);
      expect((error as Error).message).toMatch(message);
    }
  });

  test("a custom controller may not take a reserved name (scenario, any built-in's) or a name that is not one", () => {
    const named = (name: unknown): Controller => ({ name, forKind: "Host", reconcile: () => undefined }) as unknown as Controller;
    for (const name of ["scenario", "*custom*"]) {
      expect(() => createEngine({ controllers: { add: [named(name)] } })).toThrow(ControllerRegistryError);
      expect(() => createEngine({ controllers: { add: [named(name)] } })).toThrow(/takes a reserved name/);
    }
    // a built-in's name still says how to replace it
    expect(() => createEngine({ controllers: { add: [named("balloon")] } })).toThrow(/two controllers are named "balloon".*controllers\.disable/);
    expect(() => createEngine({ controllers: { add: [named("balloon")], disable: ["balloon"] } })).toThrow(/two controllers are named "balloon"/);
    // and a built-in's name is reserved even where that built-in is not bound (a custom container)
    expect(() => orderControllers({ builtins: [], added: [named("mom")] })).toThrow(/added controller "mom" takes a reserved name/);
    for (const name of ["two words", "tab\there", "x".repeat(64), "new\nline"]) {
      expect(() => createEngine({ controllers: { add: [named(name)] } })).toThrow(/without spaces or control characters/);
    }
    // a getter cannot rename a controller between ticks, or throw later
    let reads = 0;
    const shifty = {
      get name() {
        return `shifty-${reads++}`;
      },
      forKind: "VirtualMachine",
      reconcile(this: { forKind: string }) {
        if (this.forKind !== "VirtualMachine") throw new Error("called on the wrong object");
      },
    } as unknown as Controller;
    const engine = createEngine({ controllers: { add: [shifty] } });
    engine.apply(CLUSTER);
    const errors: LogEntry[] = [];
    engine.logs$.subscribe((e) => e.action === "ReconcileError" && errors.push(e));
    engine.step(5);
    expect(engine.tick).toBe(5);
    expect(errors).toEqual([]);
    expect(engine.snapshot().options.controllers.add).toEqual(["shifty-0"]);
    const hostile = { get name(): string { throw poison(); }, forKind: "Host", reconcile: () => undefined } as unknown as Controller;
    expect(() => createEngine({ controllers: { add: [hostile] } })).toThrow(/added controller #1 cannot be read/);
  });
});
