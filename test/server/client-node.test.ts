/**
 * The official Kubernetes JavaScript client (@kubernetes/client-node) against an in-process
 * server: list, get, create, merge-patch and delete through CustomObjectsApi; an informer
 * (list-then-watch) that stays in sync through churn of creates, patches, deletes and ticks;
 * a Watch with bookmarks; and the 410 Gone a too-old resourceVersion gets.
 */
import * as k8s from "@kubernetes/client-node";
import { type Engine } from "../../src/engine/engine.js";
import { createEngine } from "../../src/composition/create-engine.js";
import { startServer, type RunningServer } from "../../src/server/index.js";
import { TEST_TOKEN, until } from "./server-harness.js";

let engine: Engine;
let server: RunningServer;
let kc: k8s.KubeConfig;
let api: k8s.CustomObjectsApi;
const GROUP = { group: "memplane.io", version: "v1alpha1" };
const VMS = { ...GROUP, namespace: "default", plural: "virtualmachines" };
const PATH = "/apis/memplane.io/v1alpha1/namespaces/default/virtualmachines";
const MERGE = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);

type Vm = k8s.KubernetesObject & { spec: { hostName: string; memory: string }; status?: { phase?: string } };

const vm = (name: string, memory = "1Gi"): Vm => ({ apiVersion: "memplane.io/v1alpha1", kind: "VirtualMachine", metadata: { name }, spec: { hostName: "esx-01", memory } });

beforeEach(async () => {
  engine = createEngine({ seed: 11 });
  engine.apply("apiVersion: memplane.io/v1alpha1\nkind: Host\nmetadata: {name: esx-01}\nspec: {capacity: 64Gi}\n");
});

afterEach(async () => {
  await server.close();
});

async function start(limits: Record<string, number> = {}): Promise<void> {
  server = await startServer({ engine, token: TEST_TOKEN, speed: 0, limits });
  kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "memplane", server: server.url, skipTLSVerify: true }],
    users: [{ name: "memplane", token: TEST_TOKEN }],
    contexts: [{ name: "memplane", cluster: "memplane", user: "memplane" }],
    currentContext: "memplane",
  });
  api = kc.makeApiClient(k8s.CustomObjectsApi);
}

const names = (list: { items: k8s.KubernetesObject[] }): string[] => list.items.map((o) => o.metadata!.name!).sort();

test("CustomObjectsApi: create, get, list, merge patch, delete", async () => {
  await start();
  const created = (await api.createNamespacedCustomObject({ ...VMS, body: vm("app") })) as Vm;
  expect(created.metadata!.uid).toBeDefined();
  const patched = (await api.patchNamespacedCustomObject({ ...VMS, name: "app", body: { spec: { memory: "2Gi" }, metadata: { labels: { tier: "front" } } } }, MERGE)) as Vm;
  expect(patched.spec.memory).toBe("2Gi");
  expect(patched.metadata!.labels).toEqual({ tier: "front" });
  engine.step(2);
  const got = (await api.getNamespacedCustomObject({ ...VMS, name: "app" })) as Vm;
  expect(got.status?.phase).toBe("Running");
  const list = await api.listNamespacedCustomObject({ ...VMS, labelSelector: "tier=front" });
  expect(names(list)).toEqual(["app"]);
  const hosts = await api.listClusterCustomObject({ ...GROUP, plural: "hosts" });
  expect(names(hosts)).toEqual(["esx-01"]);
  await api.deleteNamespacedCustomObject({ ...VMS, name: "app" });
  await expect(api.getNamespacedCustomObject({ ...VMS, name: "app" })).rejects.toMatchObject({ code: 404 });
});

test("an informer (list, then watch from the list's resourceVersion) stays in sync through churn", async () => {
  for (let i = 0; i < 6; i++) engine.apply(`apiVersion: memplane.io/v1alpha1\nkind: VirtualMachine\nmetadata: {name: pre-${i}}\nspec: {hostName: esx-01, memory: 1Gi}\n`);
  engine.step(1);
  await start();
  const informer = k8s.makeInformer<Vm>(kc, PATH, () => api.listNamespacedCustomObject(VMS) as Promise<k8s.KubernetesListObject<Vm>>);
  const errors: unknown[] = [];
  informer.on("error", (err) => errors.push(err));
  await informer.start();
  expect(informer.list().map((o) => o.metadata!.name).sort()).toEqual(["pre-0", "pre-1", "pre-2", "pre-3", "pre-4", "pre-5"]);
  for (let round = 0; round < 5; round++) {
    await api.createNamespacedCustomObject({ ...VMS, body: vm(`churn-${round}`) });
    await api.patchNamespacedCustomObject({ ...VMS, name: `pre-${round}`, body: { spec: { memory: `${round + 2}Gi` } } }, MERGE);
    if (round % 2 === 0) await api.deleteNamespacedCustomObject({ ...VMS, name: `pre-${round}` });
    engine.delete("VirtualMachine", `churn-${round}`, "default");
    engine.apply(`apiVersion: memplane.io/v1alpha1\nkind: VirtualMachine\nmetadata: {name: churn-${round}}\nspec: {hostName: esx-01, memory: 2Gi}\n`);
    engine.step(1); // status writes of every VM
  }
  const server = await api.listNamespacedCustomObject(VMS);
  const want = new Map((server.items as Vm[]).map((o) => [o.metadata!.name!, o.metadata!.resourceVersion!]));
  const have = (): Map<string, string> => new Map(informer.list().map((o) => [o.metadata!.name!, o.metadata!.resourceVersion!]));
  await until(() => JSON.stringify([...have()].sort()) === JSON.stringify([...want].sort()), 10_000, "the informer to catch up");
  expect([...have().keys()].sort()).toEqual(["churn-0", "churn-1", "churn-2", "churn-3", "churn-4", "pre-1", "pre-3", "pre-5"]);
  expect(informer.get("pre-3", "default")!.spec.memory).toBe("5Gi");
  expect(errors).toEqual([]);
  await informer.stop();
});

test("Watch: bookmarks with allowWatchBookmarks; a too-old resourceVersion ends the watch with 410 Gone", async () => {
  await start({ watchBookmarkIntervalMs: 50, watchHistoryEvents: 3 });
  const rv = (await api.listNamespacedCustomObject(VMS)).metadata.resourceVersion as string;
  const watch = new k8s.Watch(kc);
  const seen: string[] = [];
  let bookmarkRv = "";
  const req = await watch.watch(
    PATH,
    { resourceVersion: rv, allowWatchBookmarks: true },
    (type, object) => {
      seen.push(type);
      if (type === "BOOKMARK") bookmarkRv = object.metadata.resourceVersion;
    },
    () => undefined,
  );
  await api.createNamespacedCustomObject({ ...VMS, body: vm("app") });
  await until(() => seen.includes("ADDED") && seen.lastIndexOf("BOOKMARK") > seen.indexOf("ADDED"), 5000, "a bookmark after the ADDED");
  expect(Number(bookmarkRv)).toBeGreaterThan(Number(rv));
  req.abort();
  for (const memory of ["2Gi", "3Gi", "4Gi", "5Gi"]) await api.patchNamespacedCustomObject({ ...VMS, name: "app", body: { spec: { memory } } }, MERGE);
  const done = new Promise<any>((resolve) => void watch.watch(PATH, { resourceVersion: rv }, () => undefined, resolve));
  expect(await done).toMatchObject({ statusCode: 410 });
});
