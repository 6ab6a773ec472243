/**
 * Watch as Kubernetes clients make it, over raw HTTP: resume from a list's resourceVersion
 * (`?watch=1&resourceVersion=N`), `410 Gone` when that version is too old, bookmarks with
 * `allowWatchBookmarks=true`, `timeoutSeconds`, `sendInitialEvents`, field selectors (what
 * `kubectl get vm app -w` and `kubectl delete --wait` send), and events that name their object
 * by uid, found with the field selector `kubectl describe` sends. Every test runs against both
 * store backends: the file-backed engine and etcd (store-backends.ts).
 */
import { type Engine } from "../../src/engine/engine.js";
import { createEngine } from "../../src/composition/create-engine.js";
import type { RunningServer } from "../../src/server/index.js";
import { AUTH, G, TEST_TOKEN, openStream, until, type OpenStream } from "./server-harness.js";
import { describeEachBackend } from "./store-backends.js";

let engine: Engine;
let server: RunningServer;
const VMS = `${G}/namespaces/default/virtualmachines`;

/** Changes the VM `name`'s memory (a MODIFIED, and the simulation's reactions on the next step). */
const resize = (name: string, memory: string): void => {
  engine.apply(`apiVersion: memplane.io/v1alpha1\nkind: VirtualMachine\nmetadata: {name: ${name}}\nspec: {hostName: esx-01, memory: ${memory}}\n`);
};

const CLUSTER = `
apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: esx-01}
spec: {capacity: 16Gi}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: app, labels: {app: web}}
spec: {hostName: esx-01, memory: 2Gi}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: db, labels: {app: db}}
spec: {hostName: esx-01, memory: 2Gi}
`;

describeEachBackend("kube watch", (backend) => {
  beforeEach(async () => {
    engine = createEngine({ seed: 5 });
    engine.apply(CLUSTER);
    engine.step(2);
  });

  const start = async (limits: Record<string, number> = {}): Promise<void> => {
    server = await backend().start(engine, { token: TEST_TOKEN, speed: 0, limits });
  };
  const settle = (): Promise<void> => backend().settle();

  async function get(path: string): Promise<{ code: number; json: any }> {
    const res = await fetch(server.url + path, { headers: AUTH, signal: AbortSignal.timeout(20_000) });
    return { code: res.status, json: await res.json() };
  }

  /** The watch events received so far, parsed. */
  const events = (s: OpenStream): { type: string; object: any }[] =>
    s
      .text()
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l));

  test("a watch from a list's resourceVersion sends only what changed after it, DELETED carrying the deletion's resourceVersion", async () => {
    await start();
    const list = (await get(VMS)).json;
    const rv = list.metadata.resourceVersion;
    engine.apply("apiVersion: memplane.io/v1alpha1\nkind: VirtualMachine\nmetadata: {name: cache}\nspec: {hostName: esx-01, memory: 1Gi}\n");
    await settle();
    engine.delete("VirtualMachine", "db", "default");
    await settle();
    // the changes above happened before the watch: it replays them from the server's history (or etcd's)
    const s = await openStream(server.port, `${VMS}?watch=1&resourceVersion=${rv}`);
    expect(s.code).toBe(200);
    await until(() => events(s).some((e) => e.type === "DELETED"), 5000, "the replayed DELETED");
    const seen = events(s);
    expect(seen.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED cache", "DELETED db"]);
    const rvs = seen.map((e) => Number(e.object.metadata.resourceVersion));
    expect(rvs[0]).toBeGreaterThan(Number(rv));
    expect(rvs[1]).toBeGreaterThan(rvs[0]!);
    // and goes on live
    resize("cache", "2Gi");
    await until(() => events(s).some((e) => e.type === "MODIFIED"), 5000, "a live MODIFIED");
    s.close();
  });

  test("a resourceVersion older than the history kept is 410 Gone (Expired), so the client re-lists", async () => {
    await start({ watchHistoryEvents: 4 });
    const rv = (await get(VMS)).json.metadata.resourceVersion;
    for (const memory of ["3Gi", "4Gi", "5Gi", "6Gi", "7Gi"]) {
      resize("app", memory); // more than 4 changes
      await settle();
    }
    await backend().expireHistory(); // etcd: compacted up to now
    const s = await openStream(server.port, `${VMS}?watch=true&resourceVersion=${rv}`);
    expect(s.code).toBe(410);
    await s.finished;
    expect(JSON.parse(s.text())).toMatchObject({ kind: "Status", code: 410, reason: "Expired" });
    expect(JSON.parse(s.text()).message).toMatch(/too old resource version/);
    // a fresh list's version works again
    const fresh = (await get(VMS)).json.metadata.resourceVersion;
    const again = await openStream(server.port, `${VMS}?watch=true&resourceVersion=${fresh}`);
    expect(again.code).toBe(200);
    again.close();
    const bad = await openStream(server.port, `${VMS}?watch=true&resourceVersion=abc`);
    expect(bad.code).toBe(400);
    bad.close();
  });

  test("allowWatchBookmarks sends BOOKMARKs carrying the current resourceVersion; timeoutSeconds ends the watch cleanly", async () => {
    await start({ watchBookmarkIntervalMs: 100 });
    const rv = (await get(VMS)).json.metadata.resourceVersion;
    const s = await openStream(server.port, `${VMS}?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=1`);
    expect(s.code).toBe(200);
    await until(() => events(s).some((e) => e.type === "BOOKMARK"), 5000, "a bookmark");
    resize("app", "3Gi");
    await settle();
    engine.step(1); // changes the host and events too: bookmarks move past them
    await settle();
    const result = await s.finished;
    expect(result).toBe("end");
    const seen = events(s);
    const bookmarks = seen.filter((e) => e.type === "BOOKMARK");
    expect(bookmarks[0]!.object).toEqual({ kind: "VirtualMachine", apiVersion: "memplane.io/v1alpha1", metadata: { resourceVersion: expect.any(String) } });
    const last = bookmarks[bookmarks.length - 1]!;
    expect(last.object.metadata.resourceVersion).toBe(String(backend().resourceVersion(engine)));
    expect(seen.filter((e) => e.type === "MODIFIED").length).toBeGreaterThan(0);
  });

  test("sendInitialEvents: the objects as ADDED, then a bookmark marking the end of the initial events", async () => {
    await start();
    const s = await openStream(server.port, `${VMS}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`);
    await until(() => events(s).some((e) => e.type === "BOOKMARK"), 5000, "the initial-events-end bookmark");
    const seen = events(s);
    expect(seen.map((e) => e.type)).toEqual(["ADDED", "ADDED", "BOOKMARK"]);
    expect(seen[2]!.object.metadata.annotations).toEqual({ "k8s.io/initial-events-end": "true" });
    s.close();
  });

  test("fieldSelector=metadata.name picks one object in lists and watches (kubectl get vm app -w, delete --wait); unknown fields are 400", async () => {
    await start();
    const list = (await get(`${VMS}?fieldSelector=metadata.name%3Dapp`)).json;
    expect(list.items.map((o: any) => o.metadata.name)).toEqual(["app"]);
    expect((await get(`${VMS}?fieldSelector=metadata.name!%3Dapp`)).json.items.map((o: any) => o.metadata.name)).toEqual(["db"]);
    expect((await get(`${VMS}?fieldSelector=spec.hostName%3Desx-01`)).json.items).toHaveLength(2);
    const bad = await get(`${VMS}?fieldSelector=spec.memory%3D2Gi`);
    expect(bad.code).toBe(400);
    expect(bad.json.message).toMatch(/not a known field selector/);
    const s = await openStream(server.port, `${VMS}?fieldSelector=metadata.name%3Dapp&resourceVersion=${list.metadata.resourceVersion}&watch=true`);
    engine.delete("VirtualMachine", "db", "default");
    engine.delete("VirtualMachine", "app", "default");
    await settle();
    await until(() => events(s).length > 0, 5000, "the DELETED of app");
    expect(events(s).map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["DELETED app"]);
    s.close();
  });

  test("events carry involvedObject kind, namespace, name, uid and apiVersion, and answer kubectl describe's field selector", async () => {
    await start();
    const vm = (await get(`${VMS}/app`)).json;
    const selector = `involvedObject.name=app,involvedObject.namespace=default,involvedObject.kind=VirtualMachine,involvedObject.uid=${vm.metadata.uid}`;
    const found = (await get(`/api/v1/namespaces/default/events?fieldSelector=${encodeURIComponent(selector)}`)).json;
    expect(found.kind).toBe("EventList");
    expect(found.items.length).toBeGreaterThan(0);
    for (const e of found.items) {
      expect(e.involvedObject).toEqual({ kind: "VirtualMachine", name: "app", namespace: "default", uid: vm.metadata.uid, apiVersion: "memplane.io/v1alpha1" });
    }
    // a VM re-created under the same name is another object: its events are not the old one's
    engine.delete("VirtualMachine", "app", "default");
    engine.step(1);
    engine.apply("apiVersion: memplane.io/v1alpha1\nkind: VirtualMachine\nmetadata: {name: app}\nspec: {hostName: esx-01, memory: 1Gi}\n");
    engine.step(2);
    await settle();
    const again = (await get(`/api/v1/namespaces/default/events?fieldSelector=${encodeURIComponent(selector)}`)).json;
    expect(again.items.map((e: any) => e.metadata.name)).toEqual(found.items.map((e: any) => e.metadata.name));
    const all = (await get(`/api/v1/events?fieldSelector=involvedObject.name%3Dapp`)).json.items;
    expect(new Set(all.map((e: any) => e.involvedObject.uid)).size).toBe(2);
    expect((await get(`/api/v1/events?fieldSelector=type%3DWarning,source%3Dnothing`)).json.items).toEqual([]);
  });
});
