/**
 * Issue 19, Low 11: a write whose save failed stayed live (500, then GET 200, a retry 409, and the
 * change lost at shutdown). A write the server cannot save is now rolled back: the answer is a
 * 500 saying nothing changed, the object is as before, a retry succeeds once saving works again,
 * and open watches are ended so their clients re-list.
 */
import { type Engine } from "../../src/engine/engine.js";
import { createEngine } from "../../src/composition/create-engine.js";
import { startServer, type RunningServer } from "../../src/server/index.js";
import { AUTH, G, ONE_HOST, TEST_TOKEN, openStream, request, vmManifest } from "./server-harness.js";

let engine: Engine;
let server: RunningServer;
let failSaves = false;
let saves = 0;
const errors: string[] = [];

beforeAll(async () => {
  engine = createEngine({ seed: 9 });
  engine.apply(ONE_HOST);
  engine.apply([vmManifest("keep-1")]);
  engine.step(2);
  server = await startServer({
    engine,
    token: TEST_TOKEN,
    speed: 0,
    persist: () => {
      if (failSaves) throw new Error("ENOSPC: no space left on device, write");
      saves++;
    },
    onError: (m) => void errors.push(m),
  });
});

afterAll(async () => {
  failSaves = false;
  await server.close();
});

const json = { ...AUTH, "Content-Type": "application/json" };

test("a create, replace, delete or apply that cannot be saved is rolled back and answered 500", async () => {
  const before = JSON.stringify(engine.snapshot());
  failSaves = true;
  const created = await request(server.port, "POST", `${G}/namespaces/default/virtualmachines`, { headers: json, body: JSON.stringify(vmManifest("lost-1")) });
  expect(created.code).toBe(500);
  expect(created.json).toMatchObject({ kind: "Status", reason: "InternalError" });
  expect(created.json.message).toMatch(/could not be saved.*rolled back.*ENOSPC/);
  expect((await request(server.port, "GET", `${G}/namespaces/default/virtualmachines/lost-1`, { headers: AUTH })).code).toBe(404);

  const replaced = await request(server.port, "PUT", `${G}/namespaces/default/virtualmachines/keep-1`, { headers: json, body: JSON.stringify(vmManifest("keep-1", { memory: "2Gi" })) });
  expect(replaced.code).toBe(500);
  expect(engine.store.get("VirtualMachine", "keep-1")?.spec.memory).toBe("1Gi");

  expect((await request(server.port, "DELETE", `${G}/namespaces/default/virtualmachines/keep-1`, { headers: AUTH })).code).toBe(500);
  expect(engine.store.get("VirtualMachine", "keep-1")).toBeDefined();

  const applied = await request(server.port, "POST", "/apply", { headers: json, body: JSON.stringify([vmManifest("lost-2"), vmManifest("keep-1", { memory: "3Gi" })]) });
  expect(applied.code).toBe(500);
  expect(JSON.stringify(engine.snapshot())).toBe(before);
  expect(errors.some((e) => e.includes("ENOSPC"))).toBe(true);

  failSaves = false;
  const retried = await request(server.port, "POST", `${G}/namespaces/default/virtualmachines`, { headers: json, body: JSON.stringify(vmManifest("lost-1")) });
  expect(retried.code).toBe(201); // not 409: the first attempt left nothing behind
  expect(saves).toBeGreaterThan(0);
});

test("open watches are ended after a rollback, so their clients re-list", async () => {
  const watch = await openStream(server.port, `${G}/namespaces/default/virtualmachines?watch=true`);
  expect(watch.code).toBe(200);
  failSaves = true;
  try {
    const created = await request(server.port, "POST", `${G}/namespaces/default/virtualmachines`, { headers: json, body: JSON.stringify(vmManifest("phantom")) });
    expect(created.code).toBe(500);
  } finally {
    failSaves = false;
  }
  expect(await watch.finished).toBe("end");
  // the watcher saw the phantom ADDED before the rollback; a re-list shows the truth
  const list = await request(server.port, "GET", `${G}/namespaces/default/virtualmachines`, { headers: AUTH });
  expect(list.json.items.map((o: any) => o.metadata.name)).not.toContain("phantom");
});
