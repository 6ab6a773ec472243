/**
 * Server-side apply as `kubectl apply --server-side` sends it: `PATCH` with
 * `application/apply-patch+yaml` and `?fieldManager=kubectl&force=false`. Creates, owns fields,
 * removes what a manager stops applying, conflicts with other managers (409 naming field and
 * owner), `force=true` takes fields over, and merge patches by another manager take ownership.
 */
import { type Engine } from "../../src/engine/engine.js";
import { createEngine } from "../../src/composition/create-engine.js";
import { startServer, type RunningServer } from "../../src/server/index.js";
import { AUTH, G, TEST_TOKEN } from "./server-harness.js";

let engine: Engine;
let server: RunningServer;
const VM = `${G}/namespaces/default/virtualmachines/app`;

beforeEach(async () => {
  engine = createEngine({ seed: 3 });
  engine.apply("apiVersion: memplane.io/v1alpha1\nkind: Host\nmetadata: {name: esx-01}\nspec: {capacity: 16Gi}\n");
  server = await startServer({ engine, token: TEST_TOKEN, speed: 0 });
});

afterEach(async () => {
  await server.close();
});

async function patch(path: string, body: string, type: string): Promise<{ code: number; json: any }> {
  const res = await fetch(server.url + path, { method: "PATCH", headers: { ...AUTH, "Content-Type": type }, body, signal: AbortSignal.timeout(20_000) });
  return { code: res.status, json: await res.json() };
}
const apply = (yaml: string, query = "fieldManager=kubectl&fieldValidation=Strict&force=false") => patch(`${VM}?${query}`, yaml, "application/apply-patch+yaml");
const vmYaml = (spec: string, labels = "{app: web}") => `apiVersion: memplane.io/v1alpha1\nkind: VirtualMachine\nmetadata:\n  name: app\n  labels: ${labels}\nspec: ${spec}\n`;

const owners = (o: any): Record<string, any> => Object.fromEntries(o.metadata.managedFields.map((e: any) => [`${e.manager}/${e.operation}`, e.fieldsV1]));

test("the first apply creates the object (201) and records the manager's fields in managedFields", async () => {
  const r = await apply(vmYaml("{hostName: esx-01, memory: 2Gi, shares: high}"));
  expect(r.code).toBe(201);
  expect(r.json.spec).toMatchObject({ hostName: "esx-01", memory: "2Gi", shares: "high" });
  expect(r.json.metadata.managedFields).toEqual([
    {
      manager: "kubectl",
      operation: "Apply",
      apiVersion: "memplane.io/v1alpha1",
      fieldsType: "FieldsV1",
      fieldsV1: { "f:metadata": { "f:labels": { "f:app": {} } }, "f:spec": { "f:hostName": {}, "f:memory": {}, "f:shares": {} } },
    },
  ]);
  // re-applying the same intent changes nothing
  const again = await apply(vmYaml("{hostName: esx-01, memory: 2Gi, shares: high}"));
  expect(again.code).toBe(200);
  expect(again.json.metadata.resourceVersion).toBe(r.json.metadata.resourceVersion);
});

test("a field the manager stops applying is removed (back to its default); a label too", async () => {
  await apply(vmYaml("{hostName: esx-01, memory: 2Gi, shares: high}", "{app: web, tier: front}"));
  const r = await apply(vmYaml("{hostName: esx-01, memory: 2Gi}", "{app: web}"));
  expect(r.code).toBe(200);
  expect(r.json.spec.shares).toBe("normal"); // the default again
  expect(r.json.metadata.labels).toEqual({ app: "web" });
});

test("another manager changing a field it does not own is a 409 naming field and owner; force takes it over", async () => {
  await apply(vmYaml("{hostName: esx-01, memory: 2Gi}"));
  const other = vmYaml("{hostName: esx-01, memory: 4Gi}");
  const conflict = await apply(other, "fieldManager=capacity-bot");
  expect(conflict.code).toBe(409);
  expect(conflict.json.reason).toBe("Conflict");
  expect(conflict.json.message).toMatch(/Apply failed with 1 conflict: conflict with "kubectl": \.spec\.memory/);
  // applying the same value is shared ownership, no conflict
  expect((await apply(vmYaml("{hostName: esx-01, memory: 2Gi}"), "fieldManager=capacity-bot")).code).toBe(200);
  const forced = await apply(other, "fieldManager=capacity-bot&force=true");
  expect(forced.code).toBe(200);
  expect(forced.json.spec.memory).toBe("4Gi");
  const o = owners(forced.json);
  expect(o["kubectl/Apply"]["f:spec"]["f:memory"]).toBeUndefined();
  expect(o["capacity-bot/Apply"]["f:spec"]["f:memory"]).toEqual({});
});

test("kubectl patch by another field manager takes the fields it changed (Update), so the next apply conflicts", async () => {
  await apply(vmYaml("{hostName: esx-01, memory: 2Gi}"));
  const patched = await patch(`${VM}?fieldManager=kubectl-patch`, JSON.stringify({ spec: { memory: "3Gi" } }), "application/merge-patch+json");
  expect(patched.code).toBe(200);
  expect(owners(patched.json)["kubectl-patch/Update"]).toEqual({ "f:spec": { "f:memory": {} } });
  const r = await apply(vmYaml("{hostName: esx-01, memory: 2Gi}"));
  expect(r.code).toBe(409);
  expect(r.json.message).toMatch(/conflict with "kubectl-patch" using memplane.io\/v1alpha1: \.spec\.memory/);
});

test("apply needs a fieldManager; the body must be the path's object; invalid specs are 422; dry runs store nothing", async () => {
  expect((await apply(vmYaml("{hostName: esx-01, memory: 2Gi}"), "force=true")).code).toBe(400);
  expect((await apply(vmYaml("{hostName: esx-01, memory: 2Gi}").replace("name: app", "name: other"))).code).toBe(400);
  expect((await apply("kind: [")).code).toBe(400);
  const bad = await apply(vmYaml("{hostName: esx-01, memory: lots}"));
  expect(bad.code).toBe(422);
  expect((await apply(vmYaml("{hostName: esx-01, memory: 2Gi}"), "fieldManager=kubectl&dryRun=All")).code).toBe(201);
  expect(engine.store.get("VirtualMachine", "app", "default")).toBeUndefined();
  const proto = await apply('{"apiVersion":"memplane.io/v1alpha1","kind":"VirtualMachine","metadata":{"name":"app"},"spec":{"__proto__":{"x":1},"hostName":"esx-01","memory":"1Gi"}}');
  expect(proto.code).toBe(400);
});

test("managed fields survive a save and restore of the engine, and memplane's own apply keeps them", async () => {
  await apply(vmYaml("{hostName: esx-01, memory: 2Gi}"));
  const snapshot = JSON.parse(JSON.stringify(engine.snapshot()));
  const copy = createEngine({ seed: 3 });
  copy.restore(snapshot);
  expect((copy.store.get("VirtualMachine", "app", "default") as any).metadata.managedFields[0].manager).toBe("kubectl");
  engine.apply(vmYaml("{hostName: esx-01, memory: 3Gi}"));
  expect((engine.store.get("VirtualMachine", "app", "default") as any).metadata.managedFields).toHaveLength(1);
  // `get -o yaml` output, managedFields and all, can be re-applied: they are accepted and ignored
  const got = JSON.parse(JSON.stringify(engine.store.get("VirtualMachine", "app", "default")));
  got.metadata.managedFields = [{ manager: "forged", operation: "Apply" }];
  engine.apply(JSON.stringify({ ...got, spec: { ...got.spec, memory: "4Gi" } }));
  const after = engine.store.get("VirtualMachine", "app", "default") as any;
  expect(after.spec.memory).toBe("4Gi");
  expect(after.metadata.managedFields.map((e: any) => e.manager)).toEqual(["kubectl"]);
});
