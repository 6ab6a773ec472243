/**
 * Writes the way kubectl makes them, as raw HTTP (the verbs, content types, query strings and
 * bodies `kubectl -v=8` shows): `patch --type merge|json`, `label`, `edit` and client-side
 * `apply` (merge patches carrying the last-applied annotation), `delete` with its DeleteOptions
 * body, and the status subresource. Patches cannot reach managed metadata or prototypes. Every
 * test runs against both store backends: the file-backed engine and etcd (store-backends.ts).
 */
import { type Engine } from "../../src/engine/engine.js";
import { createEngine } from "../../src/composition/create-engine.js";
import type { RunningServer } from "../../src/server/index.js";
import { AUTH, G, TEST_TOKEN } from "./server-harness.js";
import { describeEachBackend } from "./store-backends.js";

let engine: Engine;
let server: RunningServer;
const VMS = `${G}/namespaces/default/virtualmachines`;
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

describeEachBackend("kubectl writes", (backend) => {
  beforeEach(async () => {
    engine = createEngine({ seed: 3 });
    engine.apply(`
apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: esx-01}
spec: {capacity: 16Gi}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: app, labels: {app: web}}
spec: {hostName: esx-01, memory: 2Gi}
`);
    engine.step(2);
    server = await backend().start(engine, { token: TEST_TOKEN, speed: 0 });
  });

  async function call(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<{ code: number; json: any }> {
    const res = await fetch(server.url + path, {
      method,
      headers: { ...AUTH, "Content-Type": contentType, Accept: "application/json" },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    return { code: res.status, json: text === "" ? undefined : JSON.parse(text) };
  }
  const mergePatch = (path: string, body: unknown) => call("PATCH", path, body, "application/merge-patch+json");
  const jsonPatch = (path: string, body: unknown) => call("PATCH", path, body, "application/json-patch+json");

  test("kubectl patch --type merge changes the spec, bumps generation and keeps status; the simulation acts on it", async () => {
    const before = (await call("GET", `${VMS}/app`)).json;
    const r = await mergePatch(`${VMS}/app?fieldManager=kubectl-patch`, { spec: { memory: "3Gi" } });
    expect(r.code).toBe(200);
    expect(r.json.spec.memory).toBe("3Gi");
    expect(r.json.spec.hostName).toBe("esx-01");
    expect(r.json.metadata.generation).toBe(before.metadata.generation + 1);
    expect(Number(r.json.metadata.resourceVersion)).toBeGreaterThan(Number(before.metadata.resourceVersion));
    expect(r.json.metadata.uid).toBe(before.metadata.uid);
    expect(r.json.status).toEqual(before.status);
    expect((engine.store.get("VirtualMachine", "app", "default") as any).spec.memory).toBe("3Gi");
  });

  test("kubectl label / annotate: a merge patch of metadata.labels adds, changes and (with null) removes labels", async () => {
    expect((await mergePatch(`${VMS}/app?fieldManager=kubectl-label`, { metadata: { labels: { tier: "front" } } })).json.metadata.labels).toEqual({ app: "web", tier: "front" });
    expect((await mergePatch(`${VMS}/app?fieldManager=kubectl-label`, { metadata: { labels: { app: null } } })).json.metadata.labels).toEqual({ tier: "front" });
    const bad = await mergePatch(`${VMS}/app`, { metadata: { labels: { "bad label": "x" } } });
    expect(bad.code).toBe(422);
    expect(bad.json.message).toMatch(/labels/);
  });

  test("kubectl patch --type json: add, replace, remove, test; a failing test changes nothing", async () => {
    const ok = await jsonPatch(`${VMS}/app`, [
      { op: "test", path: "/spec/memory", value: "2Gi" },
      { op: "replace", path: "/spec/memory", value: "4Gi" },
      { op: "add", path: "/metadata/labels/team", value: "blue" },
      { op: "remove", path: "/metadata/labels/app" },
    ]);
    expect(ok.code).toBe(200);
    expect(ok.json.spec.memory).toBe("4Gi");
    expect(ok.json.metadata.labels).toEqual({ team: "blue" });
    const failed = await jsonPatch(`${VMS}/app`, [
      { op: "replace", path: "/spec/memory", value: "8Gi" },
      { op: "test", path: "/spec/memory", value: "4Gi" },
    ]);
    expect(failed.code).toBe(422);
    expect((await call("GET", `${VMS}/app`)).json.spec.memory).toBe("4Gi");
    expect((await jsonPatch(`${VMS}/app`, [{ op: "remove", path: "/spec/nope" }])).code).toBe(422);
    expect((await jsonPatch(`${VMS}/app`, { op: "remove" })).code).toBe(400);
  });

  test("a patch cannot change the name, uid or other managed metadata, nor reach a prototype", async () => {
    const before = (await call("GET", `${VMS}/app`)).json;
    for (const body of [{ metadata: { name: "other" } }, { metadata: { uid: "00000000-0000-4000-8000-000000000999" } }, { metadata: { creationTimestamp: "x" } }, { kind: "Host" }]) {
      const r = await mergePatch(`${VMS}/app`, body);
      expect(r.code).toBe(422);
      expect(r.json.message).toMatch(/immutable/);
    }
    expect((await jsonPatch(`${VMS}/app`, [{ op: "replace", path: "/metadata/generation", value: 99 }])).code).toBe(422);
    const proto = await call("PATCH", `${VMS}/app`, '{"spec":{"__proto__":{"polluted":true}}}', "application/merge-patch+json");
    expect(proto.code).toBe(400);
    expect(proto.json.message).toMatch(/__proto__/);
    expect((await jsonPatch(`${VMS}/app`, [{ op: "add", path: "/spec/__proto__/polluted", value: true }])).code).toBe(400);
    expect(({} as any).polluted).toBeUndefined();
    // unknown fields are refused by the same validation as memplane apply
    const unknown = await mergePatch(`${VMS}/app`, { spec: { warpDrive: true } });
    expect(unknown.code).toBe(422);
    expect(unknown.json.message).toMatch(/warpDrive/);
    expect((await call("GET", `${VMS}/app`)).json.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  test("a patch carrying metadata.resourceVersion is a compare-and-swap: 409 Conflict when stale", async () => {
    const rv = (await call("GET", `${VMS}/app`)).json.metadata.resourceVersion;
    expect((await mergePatch(`${VMS}/app`, { metadata: { resourceVersion: rv }, spec: { memory: "3Gi" } })).code).toBe(200);
    const stale = await mergePatch(`${VMS}/app`, { metadata: { resourceVersion: rv }, spec: { memory: "1Gi" } });
    expect(stale.code).toBe(409);
    expect(stale.json.reason).toBe("Conflict");
  });

  test("strategic merge patches and other types are 415, naming the ones that work; collections and events are not patched", async () => {
    const r = await call("PATCH", `${VMS}/app`, { spec: { memory: "3Gi" } }, "application/strategic-merge-patch+json");
    expect(r.code).toBe(415);
    expect(r.json.reason).toBe("UnsupportedMediaType");
    expect(r.json.message).toMatch(/application\/merge-patch\+json/);
    expect((await call("PATCH", `${VMS}/app`, { spec: {} }, "text/plain")).code).toBe(415);
    expect((await mergePatch(VMS, {})).code).toBe(405);
    expect((await mergePatch("/api/v1/namespaces/default/events/app.admitted", {})).code).toBe(405);
    expect((await mergePatch(`${VMS}/nope`, { spec: {} })).code).toBe(404);
  });

  test("?dryRun=All patches a scratch copy: answered, not stored", async () => {
    const r = await mergePatch(`${VMS}/app?dryRun=All`, { spec: { memory: "5Gi" } });
    expect(r.code).toBe(200);
    expect(r.json.spec.memory).toBe("5Gi");
    expect((await call("GET", `${VMS}/app`)).json.spec.memory).toBe("2Gi");
  });

  test("kubectl apply (client-side): POST with the last-applied annotation, then a three-way merge patch that removes what the file dropped", async () => {
    const manifest = { apiVersion: "memplane.io/v1alpha1", kind: "VirtualMachine", metadata: { name: "db", namespace: "default", labels: { app: "db", tier: "back" } }, spec: { hostName: "esx-01", memory: "1Gi" } };
    const created = await call("POST", `${VMS}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, {
      ...manifest,
      metadata: { ...manifest.metadata, annotations: { [LAST_APPLIED]: JSON.stringify(manifest) + "\n" } },
    });
    expect(created.code).toBe(201);
    expect(JSON.parse(created.json.metadata.annotations[LAST_APPLIED])).toEqual(manifest);
    // the file now drops the tier label and raises memory: kubectl sends the change and null for what was removed
    const next = { ...manifest, metadata: { ...manifest.metadata, labels: { app: "db" } }, spec: { ...manifest.spec, memory: "2Gi" } };
    const patched = await mergePatch(`${VMS}/db?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, {
      metadata: { annotations: { [LAST_APPLIED]: JSON.stringify(next) + "\n" }, labels: { tier: null } },
      spec: { memory: "2Gi" },
    });
    expect(patched.code).toBe(200);
    expect(patched.json.metadata.labels).toEqual({ app: "db" });
    expect(patched.json.spec.memory).toBe("2Gi");
    expect(JSON.parse(patched.json.metadata.annotations[LAST_APPLIED])).toEqual(next);
  });

  test("kubectl edit: GET, then a merge patch of the edited fields", async () => {
    const got = (await call("GET", `${VMS}/app`)).json;
    expect(got.metadata.uid).toBeDefined();
    const r = await mergePatch(`${VMS}/app?fieldManager=kubectl-edit&fieldValidation=Strict`, { spec: { shares: "high" } });
    expect(r.code).toBe(200);
    expect(r.json.spec.shares).toBe("high");
  });

  test("kubectl delete: DELETE with a DeleteOptions body; dry run and preconditions are honoured", async () => {
    const got = (await call("GET", `${VMS}/app`)).json;
    const dry = await call("DELETE", `${VMS}/app`, { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background", dryRun: ["All"] });
    expect(dry.code).toBe(200);
    expect((await call("GET", `${VMS}/app`)).code).toBe(200);
    const wrongUid = await call("DELETE", `${VMS}/app`, { preconditions: { uid: "00000000-0000-4000-8000-00000000ffff" } });
    expect(wrongUid.code).toBe(409);
    expect(wrongUid.json.message).toMatch(/Precondition failed: UID/);
    expect((await call("DELETE", `${VMS}/app`, { propagationPolicy: "Background" })).code).toBe(200);
    expect((await call("GET", `${VMS}/app`)).code).toBe(404);
    expect((await call("DELETE", `${VMS}/app`, { propagationPolicy: "Background" })).code).toBe(404);
    expect((await call("DELETE", `${G}/hosts/esx-01`, "not json")).code).toBe(400);
    expect(got.metadata.name).toBe("app");
  });

  test("the status subresource: GET answers the object; writes are refused (the simulation owns status); the main resource ignores status", async () => {
    const r = await call("GET", `${VMS}/app/status`);
    expect(r.code).toBe(200);
    expect(r.json.status.phase).toBeDefined();
    expect((await call("GET", `${G}/hosts/esx-01/status`)).json.kind).toBe("Host");
    const put = await mergePatch(`${VMS}/app/status`, { status: { phase: "Failed" } });
    expect(put.code).toBe(405);
    expect(put.json.message).toMatch(/simulation/);
    const main = await mergePatch(`${VMS}/app`, { status: { phase: "Failed" }, spec: { memory: "3Gi" } });
    expect(main.code).toBe(200);
    expect(main.json.status.phase).toBe(r.json.status.phase);
    expect((await call("GET", `${VMS}/app/status/extra`)).code).toBe(404);
  });

  test("every write still needs the token", async () => {
    const res = await fetch(`${server.url}${VMS}/app`, { method: "PATCH", headers: { "Content-Type": "application/merge-patch+json" }, body: "{}" });
    expect(res.status).toBe(401);
  });
});
