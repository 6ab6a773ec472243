import { jest } from "@jest/globals";
import { config } from "rxjs";
import type { HostStatus } from "../../../src/api/types.js";
import { AlreadyExistsError, ConflictError, LabelSelectorError, MemoryStore, NotFoundError, type WatchEvent } from "../../../src/store/index.js";
import { guestOS, host, vm } from "../../helpers/builders.js";

function hostStatus(state: HostStatus["state"] = "high"): HostStatus {
  return {
    state,
    memory: {
      capacity: "8Gi", minFree: "100Mi", free: "6Gi", consumed: "2Gi", overhead: "0", reserved: "0", unreserved: "8Gi",
      ballooned: "0", swapped: "0", compressed: "0", sharedSavings: "0",
    },
    overcommit: 0.5,
    vms: { running: 1, pending: 0 },
    conditions: [],
    observedGeneration: 1,
  };
}

describe("MemoryStore metadata", () => {
  it("sets uid, generation 1, resourceVersion and creationTimestamp (RFC 3339 from simulated time) on create", () => {
    let now = 0;
    const store = new MemoryStore({ now: () => now });
    store.create(host("esx-01"));
    now = 90;
    const created = store.create(vm("web-1"));
    expect(created.metadata.generation).toBe(1);
    expect(created.metadata.resourceVersion).toBe("2");
    expect(created.metadata.creationTimestamp).toBe("2026-01-01T00:01:30Z");
    expect(created.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(store.get("Host", "esx-01")!.metadata.uid).not.toBe(created.metadata.uid);
  });

  it("gives the same uids to the same sequence of writes (deterministic)", () => {
    const uids = () => {
      const store = new MemoryStore();
      return [store.create(host("a")), store.create(vm("b"))].map((o) => o.metadata.uid);
    };
    expect(uids()).toEqual(uids());
  });

  it("bumps generation only on spec, label or annotation changes and resourceVersion on every write", () => {
    const store = new MemoryStore();
    store.create(host("esx-01"));
    const relabelled = store.update(host("esx-01", {}, { labels: { rack: "a" } }));
    expect(relabelled.metadata.generation).toBe(2);
    const resized = store.update(host("esx-01", { capacity: "16Gi" }, { labels: { rack: "a" } }));
    expect(resized.metadata.generation).toBe(3);
    expect(resized.metadata.resourceVersion).toBe("3");
    const withStatus = store.updateStatus("Host", "esx-01", undefined, hostStatus());
    expect(withStatus.metadata.generation).toBe(3);
    expect(withStatus.metadata.resourceVersion).toBe("4");
    expect(withStatus.status?.state).toBe("high");
  });

  it("treats an update with nothing changed as a no-op", () => {
    const store = new MemoryStore();
    const created = store.create(host("esx-01"));
    expect(store.update(host("esx-01"))).toBe(created);
    expect(store.resourceVersion).toBe(1);
  });

  it("keeps status across spec updates", () => {
    const store = new MemoryStore();
    store.create(host("esx-01"));
    store.updateStatus("Host", "esx-01", undefined, hostStatus("soft"));
    store.update(host("esx-01", { capacity: "16Gi" }));
    expect(store.get("Host", "esx-01")!.status?.state).toBe("soft");
  });
});

describe("MemoryStore status path", () => {
  it("writing an equal status is a no-op that returns the same object", () => {
    const store = new MemoryStore();
    store.create(host("esx-01"));
    const first = store.updateStatus("Host", "esx-01", undefined, hostStatus());
    const again = store.updateStatus("Host", "esx-01", undefined, hostStatus());
    expect(again).toBe(first);
    expect(store.resourceVersion).toBe(2);
  });

  it("fails with ConflictError on a stale resourceVersion and NotFoundError on a missing object", () => {
    const store = new MemoryStore();
    const created = store.create(host("esx-01"));
    store.updateStatus("Host", "esx-01", undefined, hostStatus());
    expect(() =>
      store.updateStatus("Host", "esx-01", undefined, hostStatus("soft"), { resourceVersion: created.metadata.resourceVersion }),
    ).toThrow(ConflictError);
    expect(() => store.updateStatus("Host", "nope", undefined, hostStatus())).toThrow(NotFoundError);
  });
});

describe("MemoryStore create/update/delete errors", () => {
  it("rejects a duplicate create with AlreadyExistsError in kubectl words", () => {
    const store = new MemoryStore();
    store.create(vm("web-1"));
    expect(() => store.create(vm("web-1"))).toThrow(AlreadyExistsError);
    expect(() => store.create(vm("web-1"))).toThrow('virtualmachines "web-1" in namespace "default" already exists');
    expect(() => store.create(vm("web-1", {}, { namespace: "prod" }))).not.toThrow();
  });

  it("rejects an update of a missing object and a stale update", () => {
    const store = new MemoryStore();
    expect(() => store.update(host("esx-01"))).toThrow(NotFoundError);
    const created = store.create(host("esx-01"));
    store.update(host("esx-01", { capacity: "16Gi" }));
    expect(() => store.update(host("esx-01", { capacity: "32Gi" }, { resourceVersion: created.metadata.resourceVersion }))).toThrow(
      ConflictError,
    );
    expect(store.get("Host", "esx-01")!.spec.capacity).toBe("16Gi");
  });

  it("delete returns whether the object existed", () => {
    const store = new MemoryStore();
    store.create(vm("web-1"));
    expect(store.delete("VirtualMachine", "web-1")).toBe(true);
    expect(store.delete("VirtualMachine", "web-1")).toBe(false);
    expect(store.get("VirtualMachine", "web-1")).toBeUndefined();
  });
});

describe("MemoryStore namespaces and list order", () => {
  it("defaults the namespace of VirtualMachines and drops it for cluster-scoped kinds", () => {
    const store = new MemoryStore();
    const created = store.create(vm("web-1", {}, { namespace: undefined }));
    expect(created.metadata.namespace).toBe("default");
    const h = store.create(host("esx-01", {}, { namespace: "prod" }));
    expect(h.metadata.namespace).toBeUndefined();
    expect(store.get("Host", "esx-01", "anything")).toBe(h);
  });

  it("lists by namespace then name, and filters by namespace", () => {
    const store = new MemoryStore();
    for (const [ns, name] of [["prod", "b"], ["default", "z"], ["prod", "a"], ["default", "a"], ["a-x", "c"]] as const) {
      store.create(vm(name, {}, { namespace: ns }));
    }
    const names = store.list("VirtualMachine").map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    expect(names).toEqual(["a-x/c", "default/a", "default/z", "prod/a", "prod/b"]);
    expect(store.list("VirtualMachine", { namespace: "prod" }).map((o) => o.metadata.name)).toEqual(["a", "b"]);
  });

  it("returns the cached list until a write of that kind", () => {
    const store = new MemoryStore();
    store.create(host("esx-01"));
    store.create(vm("web-1"));
    const first = store.list("VirtualMachine");
    expect(store.list("VirtualMachine")).toBe(first);
    store.updateStatus("Host", "esx-01", undefined, hostStatus());
    expect(store.list("VirtualMachine")).toBe(first);
    store.create(vm("web-2"));
    expect(store.list("VirtualMachine")).not.toBe(first);
    expect(store.list("VirtualMachine")).toHaveLength(2);
  });
});

describe("MemoryStore immutability", () => {
  it("hands out deep-frozen objects: mutation throws and the store is unchanged", () => {
    const store = new MemoryStore();
    store.create(vm("web-1", {}, { labels: { app: "web" } }));
    const got = store.get("VirtualMachine", "web-1")! as unknown as { spec: { memory: string; workload: { phases: unknown[] } }; metadata: { labels: Record<string, string> } };
    expect(() => {
      got.spec.memory = "64Gi";
    }).toThrow(TypeError);
    expect(() => {
      got.metadata.labels.app = "db";
    }).toThrow(TypeError);
    expect(() => got.spec.workload.phases.push({})).toThrow(TypeError);
    expect(store.get("VirtualMachine", "web-1")!.spec.memory).toBe("4Gi");
    expect(store.list("VirtualMachine")[0]!.metadata.labels!.app).toBe("web");
  });

  it("does not keep a reference to the caller's object", () => {
    const store = new MemoryStore();
    const input = vm("web-1");
    store.create(input);
    input.spec.memory = "64Gi";
    expect(store.get("VirtualMachine", "web-1")!.spec.memory).toBe("4Gi");
    expect(Object.isFrozen(input)).toBe(false);
  });

  it("shares unchanged parts of status between versions and copies only what changed", () => {
    const store = new MemoryStore();
    store.create(host("esx-01"));
    const first = hostStatus();
    first.conditions = [{ type: "MemoryPressure", status: "False", reason: "Clear", message: "", lastTransitionTime: "0s" }];
    const v1 = store.updateStatus("Host", "esx-01", undefined, first);
    const second = { ...hostStatus(), conditions: [{ ...first.conditions[0]! }], memory: { ...hostStatus().memory, free: "5Gi" } };
    const v2 = store.updateStatus("Host", "esx-01", undefined, second);
    expect(v2.status!.conditions).toBe(v1.status!.conditions);
    expect(v2.status!.vms).toBe(v1.status!.vms);
    expect(v2.status!.memory).not.toBe(v1.status!.memory);
    expect(v2.status!.memory.free).toBe("5Gi");
    expect(Object.isFrozen(v2.status!.memory)).toBe(true);
    second.memory.free = "1Gi"; // the caller's object stays the caller's
    expect(store.get("Host", "esx-01")!.status!.memory.free).toBe("5Gi");
  });

  it("shares the unchanged spec between versions (no clone per status write)", () => {
    const store = new MemoryStore();
    store.create(host("esx-01"));
    const created = store.get("Host", "esx-01")!;
    const withStatus = store.updateStatus("Host", "esx-01", undefined, hostStatus());
    expect(withStatus.spec).toBe(created.spec);
    expect(store.get("Host", "esx-01")).toBe(store.get("Host", "esx-01"));
  });
});

describe("MemoryStore watch", () => {
  it("emits ADDED, MODIFIED and DELETED for the watched kind only", () => {
    const store = new MemoryStore();
    const events: string[] = [];
    const sub = store.watch("VirtualMachine").subscribe((e) => events.push(`${e.type} ${e.object.metadata.name} rv=${e.object.metadata.resourceVersion}`));
    store.create(host("esx-01"));
    store.create(vm("web-1"));
    store.update(vm("web-1", { memory: "8Gi" }));
    store.update(vm("web-1", { memory: "8Gi" })); // no-op: no event
    store.delete("VirtualMachine", "web-1");
    sub.unsubscribe();
    expect(events).toEqual(["ADDED web-1 rv=2", "MODIFIED web-1 rv=3", "DELETED web-1 rv=4"]); // the deletion's own resourceVersion, as Kubernetes sends it
  });

  it("keeps delivering to other watchers when one watcher throws", () => {
    const unhandled: unknown[] = [];
    const previous = config.onUnhandledError;
    config.onUnhandledError = (err) => unhandled.push(err);
    jest.useFakeTimers();
    try {
      const store = new MemoryStore();
      const seen: WatchEvent[] = [];
      store.watch().subscribe(() => {
        throw new Error("watcher bug");
      });
      store.watch().subscribe((e) => seen.push(e));
      store.create(host("esx-01"));
      store.create(host("esx-02"));
      jest.runAllTimers();
      expect(seen.map((e) => e.object.metadata.name)).toEqual(["esx-01", "esx-02"]);
      expect(store.list("Host")).toHaveLength(2);
      expect(unhandled).toHaveLength(2);
    } finally {
      jest.useRealTimers();
      config.onUnhandledError = previous;
    }
  });
});

describe("MemoryStore label selectors", () => {
  function storeWithLabels(): MemoryStore {
    const store = new MemoryStore();
    store.create(vm("web-1", {}, { labels: { app: "web", env: "prod" } }));
    store.create(vm("web-2", {}, { labels: { app: "web", env: "dev", legacy: "" } }));
    store.create(vm("db-1", {}, { labels: { app: "db", env: "prod", tier: "data" } }));
    store.create(vm("bare"));
    return store;
  }
  const select = (selector: string) => storeWithLabels().list("VirtualMachine", { labelSelector: selector }).map((o) => o.metadata.name);

  it.each([
    ["app=web", ["web-1", "web-2"]],
    ["app==web", ["web-1", "web-2"]],
    ["app!=web", ["bare", "db-1"]],
    ["app=web,env=prod", ["web-1"]],
    ["env in (prod, staging)", ["db-1", "web-1"]],
    ["env notin (prod)", ["bare", "web-2"]],
    ["tier", ["db-1"]],
    ["!legacy", ["bare", "db-1", "web-1"]],
    ["app in (web),!legacy", ["web-1"]],
    ["legacy=", ["web-2"]],
    ["app=", []],
    ["", ["bare", "db-1", "web-1", "web-2"]],
  ])("%s selects %j", (selector, expected) => {
    expect(select(selector)).toEqual(expected);
  });

  it.each(["=web", "app in prod", "env in ()", "app=web,", "app in (a,b", "!", "app=we b", "app=web,,env=prod", "-bad=x", "app>3"])(
    "rejects %j with a LabelSelectorError",
    (selector) => {
      expect(() => select(selector)).toThrow(LabelSelectorError);
    },
  );
});

describe("MemoryStore apply", () => {
  it("reports created, unchanged and configured honestly, ignoring status and store-managed metadata", () => {
    const store = new MemoryStore();
    expect(store.apply([host("esx-01"), vm("web-1"), guestOS("rhel7")])).toEqual([
      { kind: "Host", name: "esx-01", result: "created" },
      { kind: "VirtualMachine", namespace: "default", name: "web-1", result: "created" },
      { kind: "GuestOSProfile", name: "rhel7", result: "created" },
    ]);
    store.updateStatus("Host", "esx-01", undefined, hostStatus());
    const fetched = store.get("Host", "esx-01")!;
    const roundTripped = JSON.parse(JSON.stringify(fetched));
    roundTripped.metadata.resourceVersion = "1"; // stale, but apply ignores it
    expect(store.apply([roundTripped, vm("web-1")]).map((o) => o.result)).toEqual(["unchanged", "unchanged"]);
    expect(store.apply([vm("web-1", { memory: "8Gi" }), host("esx-01", {}, { annotations: { note: "x" } })]).map((o) => o.result)).toEqual([
      "configured",
      "configured",
    ]);
    expect(store.get("Host", "esx-01")!.status?.state).toBe("high");
  });

  it("adopting handed-over objects stores the same data, frozen in place instead of copied", () => {
    const copied = new MemoryStore();
    const adopted = new MemoryStore();
    const objects = () => [host("esx-01"), vm("web-1", {}, { labels: { app: "web" } }), guestOS("rhel7")];
    copied.apply(objects());
    const handed = objects();
    const spec = (handed[1] as ReturnType<typeof vm>).spec;
    const nullProto = Object.assign(Object.create(null), { app: "web" }); // not plain data: copied as before
    (handed[1]!.metadata as { labels?: unknown }).labels = nullProto;
    adopted.apply(handed, { adopt: true });
    for (const kind of ["Host", "VirtualMachine", "GuestOSProfile"] as const) {
      expect(JSON.stringify(adopted.list(kind))).toBe(JSON.stringify(copied.list(kind)));
    }
    const stored = adopted.get("VirtualMachine", "web-1")!;
    expect(stored.spec).toBe(spec); // no copy
    expect(Object.isFrozen(spec) && Object.isFrozen(spec.workload) && Object.isFrozen(spec.tools)).toBe(true);
    expect(stored.metadata.labels).not.toBe(nullProto);
    expect(Object.getPrototypeOf(stored.metadata.labels)).toBe(Object.prototype);
    // without adopt, the caller's objects stay the caller's
    const mine = vm("web-2");
    copied.apply([mine]);
    expect(Object.isFrozen(mine.spec)).toBe(false);
  });

  it("applies nothing when one object has no name or an unknown kind", () => {
    const store = new MemoryStore();
    const nameless = { ...host("x"), metadata: {} } as unknown as ReturnType<typeof host>;
    expect(() => store.apply([vm("web-1"), nameless])).toThrow("needs metadata.name");
    expect(() => store.apply([vm("web-1"), { ...host("x"), kind: "Pod" } as never])).toThrow('does not hold kind "Pod"');
    expect(store.list("VirtualMachine")).toHaveLength(0);
  });
});

describe("MemoryStore snapshot/restore", () => {
  it("round-trips every object and counter through JSON", () => {
    const store = new MemoryStore();
    store.apply([host("esx-01"), vm("web-1"), vm("web-2", {}, { namespace: "prod" })]);
    store.updateStatus("Host", "esx-01", undefined, hostStatus());
    const snapshot = JSON.parse(JSON.stringify(store.snapshot()));
    const restored = new MemoryStore();
    restored.restore(snapshot);
    expect(restored.snapshot()).toEqual(store.snapshot());
    expect(Object.isFrozen(restored.get("Host", "esx-01")!.spec)).toBe(true);
    const next = restored.create(vm("web-3"));
    expect(next.metadata.resourceVersion).toBe(String(store.resourceVersion + 1));
    expect(next.metadata.uid).toBe(store.create(vm("web-3")).metadata.uid);
  });
});

describe("MemoryStore.restamp (a backend that hands out versions: etcd's mod revisions)", () => {
  it("gives the object at the expected version the new one, with no watch event, and keeps the counter at or above it", () => {
    const store = new MemoryStore();
    const created = store.create(vm("web-1"));
    const seen: WatchEvent[] = [];
    store.watch().subscribe((e) => seen.push(e));
    expect(store.restamp("VirtualMachine", "web-1", "default", created.metadata.resourceVersion!, 40)).toBe(true);
    expect(store.get("VirtualMachine", "web-1")!.metadata.resourceVersion).toBe("40");
    expect(store.list("VirtualMachine")[0]!.metadata.resourceVersion).toBe("40");
    expect(seen).toEqual([]);
    expect(store.resourceVersion).toBe(40);
    // a stale restamp (the object moved on) changes nothing; a write after it counts from 40
    expect(store.restamp("VirtualMachine", "web-1", "default", created.metadata.resourceVersion!, 41)).toBe(false);
    expect(store.restamp("VirtualMachine", "gone", "default", "1", 42)).toBe(false);
    expect(store.update(vm("web-1", { memory: "8Gi" }, { resourceVersion: "40" })).metadata.resourceVersion).toBe("43");
  });
});
