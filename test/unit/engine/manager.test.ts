import type { Condition, VirtualMachineStatus } from "../../../src/api/types.js";
import type { ReconcileResult } from "../../../src/engine/controller.js";
import type { LogEntry } from "../../../src/engine/log-entry.js";
import type { TickSummary } from "../../../src/engine/manager.js";
import { guestOS, host, vm } from "../../helpers/builders.js";
import { controller, managerFixture } from "../../helpers/fakes.js";

const vmKey = (name: string) => ({ kind: "VirtualMachine" as const, namespace: "default", name });

describe("ControllerManager order", () => {
  it("runs each controller over every object of its kind in store order, controller by controller", () => {
    const calls: string[] = [];
    const record = (name: string) => (req: { name: string; namespace?: string }) => {
      calls.push(`${name}:${req.namespace ?? "-"}/${req.name}`);
    };
    const { store, manager } = managerFixture([
      controller("reservation", "VirtualMachine", record("reservation")),
      controller("host-state", "Host", record("host-state")),
      controller("balloon", "VirtualMachine", record("balloon")),
    ]);
    store.apply([host("esx-02"), host("esx-01"), vm("web-2"), vm("db", {}, { namespace: "prod" }), vm("web-1")]);
    manager.runTick();
    expect(calls).toEqual([
      "reservation:default/web-1",
      "reservation:default/web-2",
      "reservation:prod/db",
      "host-state:-/esx-01",
      "host-state:-/esx-02",
      "balloon:default/web-1",
      "balloon:default/web-2",
      "balloon:prod/db",
    ]);
  });

  it("gives reconciles the tick, simulated time and tick length, and advances the clock first", () => {
    const seen: string[] = [];
    const { store, manager, clock } = managerFixture([
      controller("reservation", "Host", (_req, ctx) => {
        seen.push(`${ctx.tick}@${ctx.timeSeconds}/${ctx.tickSeconds}`);
      }),
    ]);
    store.apply([host("esx-01")]);
    manager.runTick();
    manager.runTick();
    expect(seen).toEqual(["1@1/1", "2@2/1"]);
    expect(clock.tick).toBe(2);
  });
});

describe("ControllerManager error isolation and retry", () => {
  it("turns a throw into a ReconcileError entry and runs the other objects and controllers", () => {
    const ran: string[] = [];
    const { store, manager } = managerFixture([
      controller("balloon", "VirtualMachine", (req) => {
        if (req.name === "bad") throw new Error("balloon driver\nexploded");
        ran.push(`balloon ${req.name}`);
      }),
      controller("swap", "VirtualMachine", (req) => {
        ran.push(`swap ${req.name}`);
      }),
    ]);
    store.apply([vm("bad", { hostName: "esx-07" }), vm("good")]);
    const summary = manager.runTick();
    expect(ran).toEqual(["balloon good", "swap bad", "swap good"]);
    expect(summary.errors).toBe(1);
    expect(summary.logEntries).toEqual([
      {
        tick: 1,
        time: "1s",
        controller: "balloon",
        kind: "VirtualMachine",
        namespace: "default",
        name: "bad",
        host: "esx-07",
        action: "ReconcileError",
        reason: "ReconcileFailed",
        message: "reconcile threw: balloon driver exploded; retrying in 1 tick (failure 1)",
      },
    ]);
  });

  it("backs off 1, 2, 4 … up to 64 ticks for a pair that keeps failing, and resets on success", () => {
    const ticks: number[] = [];
    let healthy = false;
    const { store, manager } = managerFixture([
      controller("balloon", "VirtualMachine", (_req, ctx) => {
        ticks.push(ctx.tick);
        if (!healthy) throw new Error("still broken");
      }),
    ]);
    store.apply([vm("web-1")]);
    for (let i = 0; i < 260; i++) manager.runTick();
    expect(ticks).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 192, 256]);
    healthy = true;
    ticks.length = 0;
    for (let i = 0; i < 70; i++) manager.runTick(); // next attempt at 320 succeeds, then every tick
    expect(ticks).toEqual([320, 321, 322, 323, 324, 325, 326, 327, 328, 329, 330]);
  });

  it("honours requeueAfterTicks for that pair only", () => {
    const ticks: string[] = [];
    const { store, manager } = managerFixture([
      controller("balloon", "VirtualMachine", (req, ctx): ReconcileResult | void => {
        ticks.push(`${req.name}@${ctx.tick}`);
        if (req.name === "slow") return { requeueAfterTicks: 3 };
      }),
    ]);
    store.apply([vm("slow"), vm("fast")]);
    for (let i = 0; i < 7; i++) manager.runTick();
    expect(ticks.filter((t) => t.startsWith("slow"))).toEqual(["slow@1", "slow@4", "slow@7"]);
    expect(ticks.filter((t) => t.startsWith("fast"))).toHaveLength(7);
  });

  it.each([
    ["a number", 42],
    ["null", null],
    ["a negative requeue", { requeueAfterTicks: -1 }],
    ["a fractional requeue", { requeueAfterTicks: 1.5 }],
    ["an unknown field", { requeueAfterTicks: 1, retry: true }],
    ["a string", "later"],
  ])("logs a ReconcileError for a garbage result (%s) and carries on", (_what, garbage) => {
    const { store, manager } = managerFixture([controller("custom", "Host", () => garbage as never)]);
    store.apply([host("esx-01")]);
    const summary = manager.runTick();
    expect(summary.errors).toBe(1);
    expect(summary.logEntries[0]!.action).toBe("ReconcileError");
    expect(summary.logEntries[0]!.message).toMatch(/^reconcile returned .*; expected nothing or \{ requeueAfterTicks: n \}/);
    expect(() => manager.runTick()).not.toThrow();
  });

  it("forgets the retry state of a deleted object", () => {
    const ticks: number[] = [];
    const { store, manager } = managerFixture([
      controller("balloon", "VirtualMachine", (_req, ctx) => {
        ticks.push(ctx.tick);
        throw new Error("no");
      }),
    ]);
    store.apply([vm("web-1")]);
    manager.runTick();
    manager.runTick();
    expect(manager.getState().requeues).toHaveLength(1);
    store.delete("VirtualMachine", "web-1");
    expect(manager.getState().requeues).toHaveLength(0);
    store.apply([vm("web-1")]);
    manager.runTick(); // tick 3: a new object, no backoff inherited
    expect(ticks).toEqual([1, 2, 3]);
  });

  it("round-trips requeue state through getState/setState", () => {
    const make = () =>
      managerFixture([
        controller("balloon", "VirtualMachine", (_req, ctx) => {
          if (ctx.tick < 100) throw new Error("no");
        }),
      ]);
    const a = make();
    a.store.apply([vm("web-1")]);
    for (let i = 0; i < 5; i++) a.manager.runTick();
    const b = make();
    b.store.restore(a.store.snapshot());
    b.clock.setState(a.clock.getState());
    b.manager.setState(JSON.parse(JSON.stringify(a.manager.getState())));
    expect(b.manager.getState()).toEqual(a.manager.getState());
    expect(a.manager.getState().requeues[0]).toMatchObject({ controller: "balloon", name: "web-1", nextTick: 8, failures: 3 });
  });
});

describe("ControllerManager status writes", () => {
  it("merges every patch of a tick into one status write per object", () => {
    const { store, manager } = managerFixture([
      controller("reservation", "VirtualMachine", (req, ctx) => {
        ctx.store.patchStatus(req, { phase: "Running", observedGeneration: 1 });
      }),
      controller("balloon", "VirtualMachine", (req, ctx) => {
        ctx.store.patchStatus(req, { memoryStallPercent: 3 });
        ctx.store.setCondition(req, { type: "Ballooning", status: "True", reason: "HostSoft", message: "inflating" });
      }),
    ]);
    store.apply([vm("web-1"), vm("web-2")]);
    const rvBefore = store.resourceVersion;
    const modified: string[] = [];
    store.watch("VirtualMachine").subscribe((e) => modified.push(`${e.type} ${e.object.metadata.name}`));
    manager.runTick();
    expect(modified).toEqual(["MODIFIED web-1", "MODIFIED web-2"]);
    expect(store.resourceVersion).toBe(rvBefore + 2);
    const status = store.get("VirtualMachine", "web-1")!.status as Partial<VirtualMachineStatus>;
    expect(status).toEqual({
      phase: "Running",
      observedGeneration: 1,
      memoryStallPercent: 3,
      conditions: [{ type: "Ballooning", status: "True", reason: "HostSoft", message: "inflating", lastTransitionTime: "2026-01-01T00:00:01Z" }],
    });
    expect(store.get("VirtualMachine", "web-1")!.metadata.generation).toBe(1);
    manager.runTick(); // same status again: no write at all
    expect(store.resourceVersion).toBe(rvBefore + 2);
  });

  it("reads in a tick see the store as it was at the start of the tick", () => {
    const phases: (string | undefined)[] = [];
    const { store, manager } = managerFixture([
      controller("reservation", "VirtualMachine", (req, ctx) => ctx.store.patchStatus(req, { phase: "Running" })),
      controller("balloon", "VirtualMachine", (req, ctx) => {
        phases.push(ctx.store.get("VirtualMachine", req.name, req.namespace)?.status?.phase);
      }),
    ]);
    store.apply([vm("web-1")]);
    manager.runTick();
    manager.runTick();
    expect(phases).toEqual([undefined, "Running"]);
  });

  it("keeps lastTransitionTime unless the condition's status flips", () => {
    let status: Condition["status"] = "False";
    let reason = "Idle";
    const { store, manager } = managerFixture([
      controller("balloon", "VirtualMachine", (req, ctx) => {
        ctx.store.setCondition(req, { type: "Ballooning", status, reason, message: reason });
        ctx.store.setCondition(req, { type: "Compressing", status: "False", reason: "Idle", message: "" });
      }),
    ]);
    store.apply([vm("web-1")]);
    const conditions = () => store.get("VirtualMachine", "web-1")!.status!.conditions;
    manager.runTick();
    reason = "StillIdle";
    manager.runTick();
    expect(conditions()[0]).toMatchObject({ status: "False", reason: "StillIdle", lastTransitionTime: "2026-01-01T00:00:01Z" });
    status = "True";
    manager.runTick();
    expect(conditions()[0]).toMatchObject({ status: "True", lastTransitionTime: "2026-01-01T00:00:03Z" });
    expect(conditions().map((c) => c.type)).toEqual(["Ballooning", "Compressing"]);
    expect(conditions()[1]!.lastTransitionTime).toBe("2026-01-01T00:00:01Z");
  });

  it("never changes a conditions array a controller handed over, and keeps interleaved objects apart", () => {
    const handed: Condition[] = [{ type: "Custom", status: "True", reason: "Mine", message: "set by patch", lastTransitionTime: "0s" }];
    const { store, manager } = managerFixture([
      controller("balloon", "Host", (_req, ctx) => {
        ctx.store.patchStatus(vmKey("web-1"), { conditions: handed });
        ctx.store.setCondition(vmKey("web-1"), { type: "Ballooning", status: "True", reason: "HostSoft", message: "one" });
        ctx.store.setCondition(vmKey("web-2"), { type: "Ballooning", status: "False", reason: "Idle", message: "two" });
        ctx.store.setCondition(vmKey("web-1"), { type: "Compressing", status: "False", reason: "Idle", message: "three" });
      }),
    ]);
    store.apply([host("esx-01"), vm("web-1"), vm("web-2")]);
    manager.runTick();
    expect(handed.map((c) => c.type)).toEqual(["Custom"]);
    const types = (name: string) => store.get("VirtualMachine", name)!.status!.conditions.map((c) => `${c.type}=${c.message}`);
    expect(types("web-1")).toEqual(["Custom=set by patch", "Ballooning=one", "Compressing=three"]);
    expect(types("web-2")).toEqual(["Ballooning=two"]);
  });

  it("turns a patch of a missing object into a ReconcileError", () => {
    const { store, manager } = managerFixture([
      controller("balloon", "Host", (_req, ctx) => ctx.store.patchStatus(vmKey("ghost"), { phase: "Running" })),
    ]);
    store.apply([host("esx-01")]);
    const summary = manager.runTick();
    expect(summary.logEntries[0]!.message).toContain('virtualmachines "ghost" in namespace "default" not found');
  });
});

describe("ControllerManager events", () => {
  it("deduplicates events by object and reason, counting repeats", () => {
    const { store, manager } = managerFixture([
      controller("reservation", "VirtualMachine", (req, ctx) => {
        ctx.store.recordEvent(req, "Warning", "AdmissionDenied", `not enough memory at tick ${ctx.tick}`);
      }),
      controller("host-state", "Host", (req, ctx) => {
        if (ctx.tick === 1) ctx.store.recordEvent(req, "Normal", "StateChanged", "high → soft");
      }),
    ]);
    store.apply([host("esx-01"), vm("web-1")]);
    manager.runTick();
    manager.runTick();
    manager.runTick();
    const events = store.list("Event");
    expect(events.map((e) => `${e.metadata.namespace}/${e.metadata.name} x${e.count}`)).toEqual([
      "default/esx-01.statechanged x1",
      "default/web-1.admissiondenied x3",
    ]);
    const denied = store.get("Event", "web-1.admissiondenied")!;
    expect(denied).toMatchObject({
      involvedObject: { kind: "VirtualMachine", name: "web-1", namespace: "default" },
      type: "Warning",
      reason: "AdmissionDenied",
      message: "not enough memory at tick 3",
      source: { component: "reservation" },
      firstTimestamp: "2026-01-01T00:00:01Z",
      lastTimestamp: "2026-01-01T00:00:03Z",
      tick: 3,
    });
    const host01 = store.get("Host", "esx-01")!;
    expect(store.get("Event", "esx-01.statechanged")!.involvedObject).toEqual({ kind: "Host", name: "esx-01", uid: host01.metadata.uid, apiVersion: "memplane.io/v1alpha1" });
  });

  it("keeps events of a Host and a VM with the same name apart", () => {
    const { store, manager } = managerFixture([
      controller("reservation", "VirtualMachine", (req, ctx) => ctx.store.recordEvent(req, "Normal", "Admitted", "vm")),
      controller("host-state", "Host", (req, ctx) => ctx.store.recordEvent(req, "Normal", "Admitted", "host")),
    ]);
    store.apply([host("twin"), vm("twin")]);
    manager.runTick();
    manager.runTick();
    expect(store.list("Event").map((e) => `${e.metadata.name}:${e.message}:${e.count}`)).toEqual(["twin.admitted:vm:2", "twin.admitted.2:host:2"]);
  });

  it("keeps at most maxEvents, deleting the least recently seen", () => {
    const { store, manager } = managerFixture(
      [controller("reservation", "VirtualMachine", (req, ctx) => ctx.store.recordEvent(req, "Normal", `Seen${ctx.tick}`, "x"))],
      { maxEvents: 3 },
    );
    store.apply([vm("a")]);
    for (let i = 0; i < 5; i++) manager.runTick();
    expect(store.list("Event").map((e) => e.reason)).toEqual(["Seen3", "Seen4", "Seen5"]);
  });
});

describe("ControllerManager observables", () => {
  it("streams log entries in the JSON log's field order as they are logged, then a tick summary", () => {
    const { store, manager } = managerFixture([
      controller("balloon", "VirtualMachine", (req, ctx) => {
        ctx.log({ message: "host esx-01 is soft", to: "512Mi", from: "0", action: "BalloonTargetChanged", host: "esx-01", kind: "VirtualMachine", namespace: "default", name: req.name, reason: "HostStateSoft" });
      }),
    ]);
    store.apply([vm("web-1")]);
    const order: string[] = [];
    const logs: LogEntry[] = [];
    const ticks: TickSummary[] = [];
    manager.logs$.subscribe((e) => {
      logs.push(e);
      order.push("log");
    });
    manager.ticks$.subscribe((t) => {
      ticks.push(t);
      order.push("tick");
    });
    manager.runTick();
    expect(order).toEqual(["log", "tick"]);
    expect(Object.keys(logs[0]!)).toEqual(["tick", "time", "controller", "kind", "namespace", "name", "host", "action", "from", "to", "reason", "message"]);
    expect(ticks[0]).toEqual({ tick: 1, timeSeconds: 1, logEntries: logs, logEntryCount: logs.length, errors: 0 });
  });
});

describe("ControllerManager per-tick prepare and kinds", () => {
  it("runs prepare once per tick in the controller's place, before its objects, and only when it has objects", () => {
    const calls: string[] = [];
    const withPrepare = { ...controller("reservation", "VirtualMachine", (req) => void calls.push(`reconcile ${req.name}`)), prepare: () => void calls.push("prepare") };
    const { store, manager } = managerFixture([controller("host-state", "Host", (req) => void calls.push(`host ${req.name}`)), withPrepare]);
    store.apply([host("esx-01")]);
    manager.runTick();
    expect(calls).toEqual(["host esx-01"]); // no VMs: nothing to prepare for
    calls.length = 0;
    store.apply([vm("web-1"), vm("web-2")]);
    manager.runTick();
    expect(calls).toEqual(["host esx-01", "prepare", "reconcile web-1", "reconcile web-2"]);
  });

  it("a prepare that throws or returns a promise is a ReconcileError named -, and the objects are still reconciled", () => {
    const reconciled: string[] = [];
    const throwing = { ...controller("balloon", "VirtualMachine", (req) => void reconciled.push(req.name)), prepare: () => { throw new Error("boom"); } };
    const promising = { ...controller("swap", "VirtualMachine", (req) => void reconciled.push(`swap ${req.name}`)), prepare: () => Promise.reject(new Error("later")) as never };
    const { store, manager } = managerFixture([throwing, promising]);
    store.apply([vm("web-1")]);
    const summary = manager.runTick();
    expect(reconciled).toEqual(["web-1", "swap web-1"]);
    expect(summary.errors).toBe(2);
    expect(summary.logEntries.map((e) => `${e.controller} ${e.name} ${e.action} ${e.message}`)).toEqual([
      "balloon - ReconcileError prepare threw: boom",
      "swap - ReconcileError prepare returned a promise; it must be synchronous",
    ]);
  });

  it("a controller may reconcile any kind of the registry, e.g. Scenarios or GuestOSProfiles", () => {
    const seen: string[] = [];
    const { store, manager } = managerFixture([controller("profiles", "GuestOSProfile", (req) => void seen.push(`${req.kind} ${req.name}`))]);
    store.apply([guestOS("rhel-custom")]);
    manager.runTick();
    expect(seen).toEqual(["GuestOSProfile rhel-custom"]);
  });
});
