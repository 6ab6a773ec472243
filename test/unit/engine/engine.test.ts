import { TOKENS } from "../../../src/di/tokens.js";
import type { ReconcileContext } from "../../../src/engine/controller.js";
import { SnapshotError, type EngineSnapshot } from "../../../src/engine/engine.js";
import type { LogEntry } from "../../../src/engine/log-entry.js";
import { SeededRandom } from "../../../src/engine/random.js";
import { ControllerRegistryError } from "../../../src/engine/registry.js";
import { ManifestValidationError } from "../../../src/manifest/index.js";
import { FakeModel, controller, fakeEngine } from "../../helpers/fakes.js";

const manifests = `
apiVersion: memplane.io/v1alpha1
kind: Host
metadata:
  name: esx-01
spec:
  capacity: 8Gi
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata:
  name: web-1
  labels: { app: web }
spec:
  hostName: esx-01
  memory: 4Gi
`;

describe("engine.apply", () => {
  it("applies YAML text and reports created, then unchanged, then configured", () => {
    const { engine } = fakeEngine();
    expect(engine.apply(manifests)).toEqual([
      { kind: "Host", name: "esx-01", result: "created" },
      { kind: "VirtualMachine", namespace: "default", name: "web-1", result: "created" },
    ]);
    expect(engine.apply(manifests).map((o) => o.result)).toEqual(["unchanged", "unchanged"]);
    expect(engine.apply(manifests.replace("memory: 4Gi", "memory: 6Gi")).map((o) => o.result)).toEqual(["unchanged", "configured"]);
    const web = engine.store.get("VirtualMachine", "web-1")!;
    expect(web.spec.memory).toBe("6Gi");
    expect(web.spec.shares).toBe("normal"); // defaulted
    expect(web.metadata.generation).toBe(2);
  });

  it("applies objects the same way as text", () => {
    const { engine } = fakeEngine();
    const host = { apiVersion: "memplane.io/v1alpha1", kind: "Host", metadata: { name: "esx-01" }, spec: { capacity: "8Gi" } };
    expect(engine.apply(host)).toEqual([{ kind: "Host", name: "esx-01", result: "created" }]);
    expect(engine.apply([host])).toEqual([{ kind: "Host", name: "esx-01", result: "unchanged" }]);
    expect(engine.store.get("Host", "esx-01")!.spec.idleTax).toBe(75);
  });

  it("applies nothing when any document is invalid, and throws ManifestValidationError with every error", () => {
    const { engine } = fakeEngine();
    const bad = manifests + "---\napiVersion: memplane.io/v1alpha1\nkind: VirtualMachine\nmetadata: { name: db }\nspec: { hostName: esx-01, memory: 2Gi, reservation: 3Gi }\n";
    let error: unknown;
    try {
      engine.apply(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ManifestValidationError);
    expect((error as ManifestValidationError).errors.length).toBeGreaterThan(0);
    expect((error as Error).message).toContain("spec.reservation");
    expect(engine.store.list("Host")).toHaveLength(0);
    expect(engine.store.list("VirtualMachine")).toHaveLength(0);
  });
});

describe("engine.step, delete and observation", () => {
  it("steps synchronously, exposes tick and time, and streams logs and tick summaries", () => {
    const { engine } = fakeEngine({ tickSeconds: 5, controllers: { add: [controller("audit", "VirtualMachine", (req, ctx) => ctx.log({ kind: "VirtualMachine", namespace: req.namespace, name: req.name, action: "Audited", message: "ok" }))] } });
    engine.apply(manifests);
    const logs: LogEntry[] = [];
    const ticks: number[] = [];
    engine.logs$.subscribe((e) => logs.push(e));
    engine.ticks$.subscribe((t) => ticks.push(t.tick));
    engine.step(3);
    expect(engine.tick).toBe(3);
    expect(engine.timeSeconds).toBe(15);
    expect(ticks).toEqual([1, 2, 3]);
    expect(logs.map((e) => `${e.time} ${e.controller} ${e.action} ${e.name}`)).toEqual(["5s audit Audited web-1", "10s audit Audited web-1", "15s audit Audited web-1"]);
    engine.step();
    expect(engine.tick).toBe(4);
    expect(() => engine.step(-1)).toThrow(RangeError);
    expect(() => engine.step(1.5)).toThrow(RangeError);
  });

  it("deletes objects and lets watchers see it", () => {
    const { engine } = fakeEngine();
    engine.apply(manifests);
    const seen: string[] = [];
    engine.store.watch("VirtualMachine").subscribe((e) => seen.push(`${e.type} ${e.object.metadata.name}`));
    expect(engine.delete("VirtualMachine", "web-1")).toBe(true);
    expect(engine.delete("VirtualMachine", "web-1")).toBe(false);
    expect(seen).toEqual(["DELETED web-1"]);
  });

  it("selects by label through the store", () => {
    const { engine } = fakeEngine();
    engine.apply(manifests);
    expect(engine.store.list("VirtualMachine", { labelSelector: "app in (web,db)" }).map((v) => v.metadata.name)).toEqual(["web-1"]);
  });
});

describe("engine controllers and container", () => {
  it("fails at creation on a bad controller set", () => {
    const balloon = controller("balloon", "VirtualMachine");
    expect(() => fakeEngine({ controllers: { add: [controller("balloon", "Host")] } }, [balloon])).toThrow(ControllerRegistryError);
    expect(() => fakeEngine({ controllers: { disable: ["page-sharing"] } }, [balloon])).toThrow("known: balloon");
    expect(() => fakeEngine({ controllers: { add: [controller("", "Host")] } })).toThrow("has no name");
  });

  it("runs built-ins in CONTROLLER_ORDER with added controllers at the custom slot, minus disabled ones", () => {
    const order: string[] = [];
    const c = (name: string) => controller(name, "Host", () => void order.push(name));
    const { engine } = fakeEngine({ controllers: { add: [c("mine")], disable: ["page-sharing"] } }, [c("vm-status"), c("page-sharing"), c("reservation"), c("swap")]);
    engine.apply(manifests);
    engine.step();
    expect(order).toEqual(["reservation", "swap", "mine", "vm-status"]);
  });

  it("resolves the memory model lazily, so it can be rebound before the first step", () => {
    const models: unknown[] = [];
    const { engine, model } = fakeEngine({ controllers: { add: [controller("probe", "Host", (_r, ctx: ReconcileContext) => void models.push(ctx.model))] } });
    const replacement = new FakeModel();
    engine.container.rebind(TOKENS.MemoryModel).toConstantValue(replacement);
    engine.apply(manifests);
    engine.step();
    expect(models).toEqual([replacement]);
    expect(models[0]).not.toBe(model);
  });

  it("binds the store, clock, random generator and options as singletons", () => {
    const { engine } = fakeEngine({ seed: 7 });
    expect(engine.container.get(TOKENS.Store)).toBe(engine.store);
    expect(engine.container.get(TOKENS.Random)).toBe(engine.container.get(TOKENS.Random));
    expect(engine.container.get<SeededRandom>(TOKENS.Random).next()).toBe(new SeededRandom(7).next());
    expect(engine.options).toMatchObject({ seed: 7, tickSeconds: 1, maxEvents: 1000 });
  });
});

describe("engine snapshot/restore", () => {
  /** A controller with randomness, model state, status, events and a failing pair: all must survive a snapshot. */
  const busy = (holder: { rng?: SeededRandom }) =>
    controller("busy", "VirtualMachine", (req, ctx) => {
      const random = holder.rng!;
      const draw = random.nextInt(1000);
      const model = ctx.model as unknown as FakeModel;
      model.state.total = ((model.state.total as number) ?? 0) + draw;
      ctx.store.patchStatus(req, { memoryStallPercent: draw / 10 });
      if (draw % 3 === 0) ctx.store.recordEvent(req, "Normal", "Drew", `drew ${draw}`);
      ctx.log({ kind: "VirtualMachine", namespace: req.namespace, name: req.name, action: "Drew", to: String(draw), message: `total ${String(model.state.total)}` });
      if (req.name === "flaky" && ctx.tick % 4 !== 0) throw new Error("flaky");
    });
  function build(seed = 3) {
    const holder: { rng?: SeededRandom } = {};
    const { engine } = fakeEngine({ seed, controllers: { add: [busy(holder)] } });
    holder.rng = engine.container.get<SeededRandom>(TOKENS.Random);
    return engine;
  }

  it("restore + step gives exactly what never stopping gives", () => {
    const straight = build();
    straight.apply(manifests);
    straight.apply(manifests.replace(/web-1/g, "flaky"));
    straight.step(6);
    const snapshot = JSON.parse(JSON.stringify(straight.snapshot())) as EngineSnapshot;
    const logsA: string[] = [];
    straight.logs$.subscribe((e) => logsA.push(JSON.stringify(e)));
    straight.step(10);

    const resumed = build(99); // the snapshot's random state wins over this seed
    resumed.restore(snapshot);
    expect(resumed.tick).toBe(6);
    const logsB: string[] = [];
    resumed.logs$.subscribe((e) => logsB.push(JSON.stringify(e)));
    resumed.step(10);

    expect(logsB).toEqual(logsA);
    expect(logsA.some((l) => l.includes("ReconcileError"))).toBe(true);
    expect(resumed.snapshot()).toEqual(straight.snapshot());
    expect(resumed.options.seed).toBe(3);
  });

  it("is JSON-serialisable and names its parts", () => {
    const engine = build();
    engine.apply(manifests);
    engine.step(2);
    const snapshot = engine.snapshot();
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(Object.keys(snapshot)).toEqual(["version", "options", "clock", "random", "randomStreams", "store", "model", "manager"]);
    expect(snapshot.options).toEqual({ seed: 3, tickSeconds: 1, controllers: { add: ["busy"], disable: [] }, maxEvents: 1000, epoch: "2026-01-01T00:00:00Z" });
  });

  it("rejects a snapshot of another version or a damaged one, leaving the engine as it was", () => {
    const engine = build();
    engine.apply(manifests);
    const good = engine.snapshot();
    expect(() => engine.restore({ ...good, version: 2 } as unknown as EngineSnapshot)).toThrow(SnapshotError);
    expect(() => engine.restore({ ...good, random: [1, 2] } as unknown as EngineSnapshot)).toThrow("snapshot is damaged");
    expect(() => engine.restore(null as unknown as EngineSnapshot)).toThrow(SnapshotError);
    expect(engine.store.list("VirtualMachine")).toHaveLength(1);
  });
});
