/**
 * Status on demand (docs/library.md, *Status on demand*): a VM's or host's status is built when
 * someone observes it, and what they see is exactly what a status written every tick would be.
 */
import { createEngine, type Controller, type Engine } from "memplane";
import { storeOf } from "../../src/engine/apply-validated.js";
import { exampleText } from "./scenario-harness.js";

/** The objects of a kind with their resourceVersions blanked (the one thing building on demand may renumber). */
function withoutVersions(engine: Engine, kind: "VirtualMachine" | "Host" | "Event"): string {
  return JSON.stringify(engine.store.list(kind), (key, value: unknown) => (key === "resourceVersion" ? "#" : value));
}

function seedStory(options: Parameters<typeof createEngine>[0] = {}): Engine {
  const engine = createEngine({ seed: 5, reconcileBudgetMs: 0, ...options });
  engine.apply(exampleText("seed-story"));
  engine.apply(exampleText("over-limit").replaceAll("esx-01", "esx-02"));
  return engine;
}

describe("status on demand", () => {
  it("builds no status while nobody observes: the ticks leave every VM's stored version alone", () => {
    for (const batchReconcile of [true, false]) {
      const engine = seedStory({ batchReconcile });
      engine.step(2);
      const store = storeOf(engine);
      const before = store.peekList("VirtualMachine").map((o) => o.metadata.resourceVersion);
      engine.step(60);
      expect(store.peekList("VirtualMachine").map((o) => o.metadata.resourceVersion)).toEqual(before);
      // a read builds them, as of the last tick
      const read = engine.store.list("VirtualMachine");
      expect(read.every((o) => o.status?.observedGeneration === o.metadata.generation)).toBe(true);
      expect(read.map((o) => o.metadata.resourceVersion)).not.toEqual(before);
    }
  });

  it("shows an unobserved cluster exactly as a cluster read after every tick", () => {
    const watched = seedStory();
    const unwatched = seedStory();
    const changes: string[] = [];
    watched.store.watch("VirtualMachine").subscribe((e) => changes.push(`${e.type} ${e.object.metadata.name}`));
    for (let t = 0; t < 300; t++) {
      watched.step();
      watched.store.list("Host");
    }
    unwatched.step(300);
    expect(changes.length).toBeGreaterThan(100);
    for (const kind of ["VirtualMachine", "Host", "Event"] as const) expect(withoutVersions(unwatched, kind)).toBe(withoutVersions(watched, kind));
  });

  it("gives a watch at most one change per VM per tick, for the VMs whose status moved", () => {
    const engine = seedStory();
    engine.step(30);
    const perTick: string[][] = [];
    let current: string[] = [];
    engine.store.watch("VirtualMachine").subscribe((e) => current.push(e.object.metadata.name));
    expect(current.length).toBeGreaterThan(0); // opening the watch built the statuses that were stale
    current = [];
    engine.ticks$.subscribe(() => {
      perTick.push(current);
      current = [];
    });
    engine.step(120);
    expect(perTick.some((names) => names.length > 0)).toBe(true);
    for (const names of perTick) expect(new Set(names).size).toBe(names.length);
  });

  it("lets an embedder's controller read the status of the last completed tick, as a reader between ticks sees it", () => {
    const seen: string[] = [];
    const reader: Controller = {
      name: "status-reader",
      forKind: "VirtualMachine",
      reconcile(req, ctx) {
        if (req.name === "app") seen.push(JSON.stringify(ctx.store.get("VirtualMachine", req.name, req.namespace)?.status ?? null));
      },
    };
    const embedded = seedStory({ controllers: { add: [reader] } });
    const plain = seedStory();
    const between: string[] = [JSON.stringify(plain.store.get("VirtualMachine", "app")?.status ?? null)];
    for (let t = 0; t < 90; t++) {
      embedded.step();
      plain.step();
      between.push(JSON.stringify(plain.store.get("VirtualMachine", "app")?.status ?? null));
    }
    expect(seen).toHaveLength(90);
    expect(seen).toEqual(between.slice(0, 90));
  });

  it("saves built statuses: a snapshot holds what a read shows", () => {
    const engine = seedStory();
    engine.step(100);
    const snapshot = engine.snapshot();
    const vms = snapshot.store.objects.filter((o) => o.kind === "VirtualMachine");
    expect(JSON.stringify(vms)).toBe(JSON.stringify(engine.store.list("VirtualMachine")));
  });
});
