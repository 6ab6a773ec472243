/** The store's side of status on demand (status-source.ts): a stale status is built only when observed. */
import type { Observable } from "rxjs";
import { MemoryStore, type StatusSource, type WatchEvent } from "../../../src/store/index.js";
import { host, vm } from "../../helpers/builders.js";

/** A status derived from a number; counts how often it was built. */
class Counter implements StatusSource {
  value = 0;
  builds = 0;
  statusOf(stored: unknown): Record<string, unknown> {
    this.builds++;
    return { ...((stored ?? {}) as Record<string, unknown>), phase: "Running", observedGeneration: this.value };
  }
}

function storeWithVms(...names: string[]): MemoryStore {
  const store = new MemoryStore();
  store.create(host("esx-01"));
  for (const name of names) store.create(vm(name));
  return store;
}

const statusOf = (o: unknown): unknown => (o as { status?: unknown } | undefined)?.status;
const rv = (o: { metadata: { resourceVersion?: string } } | undefined): string | undefined => o?.metadata.resourceVersion;

function collect(events$: Observable<WatchEvent>): string[] {
  const seen: string[] = [];
  events$.subscribe((e) => seen.push(`${e.type} ${e.object.metadata.name} ${JSON.stringify(statusOf(e.object))}`));
  return seen;
}

describe("status on demand in the store", () => {
  it("builds a stale status on get, not on peek, and only once", () => {
    const store = storeWithVms("web-1");
    const source = new Counter();
    source.value = 7;
    store.deferStatus("VirtualMachine", "web-1", "default", source);
    expect(statusOf(store.peek("VirtualMachine", "web-1"))).toBeUndefined();
    expect(source.builds).toBe(0);
    const before = store.resourceVersion;
    expect(statusOf(store.get("VirtualMachine", "web-1"))).toEqual({ phase: "Running", observedGeneration: 7 });
    expect(store.resourceVersion).toBe(before + 1);
    store.get("VirtualMachine", "web-1");
    store.list("VirtualMachine");
    expect(source.builds).toBe(1);
  });

  it("moves resourceVersion only when the built status differs from the stored one", () => {
    const store = storeWithVms("web-1");
    const source = new Counter();
    store.deferStatus("VirtualMachine", "web-1", "default", source);
    const first = rv(store.get("VirtualMachine", "web-1"));
    store.deferStatus("VirtualMachine", "web-1", "default", source); // marked stale, nothing moved
    expect(rv(store.get("VirtualMachine", "web-1"))).toBe(first);
    expect(source.builds).toBe(2);
    source.value = 3;
    store.deferStatus("VirtualMachine", "web-1", "default", source);
    expect(Number(rv(store.get("VirtualMachine", "web-1")))).toBeGreaterThan(Number(first));
  });

  it("builds stale statuses for list and snapshot, in list order, and peekList builds none", () => {
    const store = storeWithVms("b", "a");
    const sources = { a: new Counter(), b: new Counter() };
    sources.a.value = 1;
    sources.b.value = 2;
    store.deferStatus("VirtualMachine", "b", "default", sources.b);
    store.deferStatus("VirtualMachine", "a", "default", sources.a);
    expect(store.peekList("VirtualMachine").map(statusOf)).toEqual([undefined, undefined]);
    const modified = collect(store.changes());
    const snapshot = store.snapshot();
    expect(modified).toEqual([`MODIFIED a {"phase":"Running","observedGeneration":1}`, `MODIFIED b {"phase":"Running","observedGeneration":2}`]);
    expect(snapshot.objects.filter((o) => o.kind === "VirtualMachine").map(statusOf)).toEqual([
      { phase: "Running", observedGeneration: 1 },
      { phase: "Running", observedGeneration: 2 },
    ]);
  });

  it("builds statuses once per settle for watched kinds only; store.changes() is not a watch", () => {
    const store = storeWithVms("web-1");
    const vmSource = new Counter();
    const hostSource = new Counter();
    const all = collect(store.changes());
    store.deferStatus("VirtualMachine", "web-1", "default", vmSource);
    store.deferStatus("Host", "esx-01", undefined, hostSource);
    store.settleWatched();
    expect(vmSource.builds + hostSource.builds).toBe(0);
    expect(all).toEqual([]);
    const hostWatch = collect(store.watch("Host") as Observable<WatchEvent>);
    expect(hostWatch).toEqual([`MODIFIED esx-01 {"phase":"Running","observedGeneration":0}`]); // built when the watch opened
    hostSource.value = 5;
    store.deferStatus("Host", "esx-01", undefined, hostSource);
    store.settleWatched();
    expect(hostWatch).toHaveLength(2);
    expect(vmSource.builds).toBe(0);
  });

  it("stops building for a kind when its last watch closes", () => {
    const store = storeWithVms("web-1");
    const source = new Counter();
    const subscription = store.watch("VirtualMachine").subscribe(() => undefined);
    subscription.unsubscribe();
    store.deferStatus("VirtualMachine", "web-1", "default", source);
    store.settleWatched();
    expect(source.builds).toBe(0);
  });

  it("lays the source's fields over a status written by others, and keeps theirs", () => {
    const store = storeWithVms("web-1");
    const source = new Counter();
    source.value = 4;
    store.deferStatus("VirtualMachine", "web-1", "default", source);
    const written = store.updateStatus("VirtualMachine", "web-1", "default", { phase: "Pending", observedGeneration: 99, extra: "kept" } as never);
    expect(statusOf(written)).toEqual({ phase: "Running", observedGeneration: 4, extra: "kept" });
    expect(source.builds).toBe(1);
    store.get("VirtualMachine", "web-1");
    expect(source.builds).toBe(1); // no longer stale
  });

  it("keeps building the rest when a watcher deletes a stale object while statuses are built", () => {
    const store = storeWithVms("a", "b", "c");
    const sources = [new Counter(), new Counter(), new Counter()];
    ["a", "b", "c"].forEach((name, i) => store.deferStatus("VirtualMachine", name, "default", sources[i]!));
    store.changes().subscribe((e) => {
      if (e.type === "MODIFIED" && e.object.metadata.name === "a") store.delete("VirtualMachine", "b");
    });
    expect(store.list("VirtualMachine").map((o) => [o.metadata.name, statusOf(o)])).toEqual([
      ["a", { phase: "Running", observedGeneration: 0 }],
      ["c", { phase: "Running", observedGeneration: 0 }],
    ]);
    expect(sources[1]!.builds).toBe(0);
    store.deferStatus("VirtualMachine", "a", "default", sources[0]!);
    expect(store.snapshot().objects).toHaveLength(3); // host, a, c: the stale count stayed right
    expect(sources[0]!.builds).toBe(2);
  });

  it("forgets a stale object that is deleted", () => {
    const store = storeWithVms("web-1");
    const source = new Counter();
    store.deferStatus("VirtualMachine", "web-1", "default", source);
    expect(store.delete("VirtualMachine", "web-1")).toBe(true);
    expect(store.list("VirtualMachine")).toEqual([]);
    expect(store.snapshot().objects.map((o) => o.kind)).toEqual(["Host"]);
    expect(source.builds).toBe(0);
  });
});
