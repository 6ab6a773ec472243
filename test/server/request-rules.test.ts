/**
 * Issue 19: how the server reads what a request names and carries.
 * - Medium 9: events are named `<object>.<reason>` (`web-1.admitted`), a DNS-1123 subdomain; the
 *   path check demanded a label, so one event could not be fetched or deleted (400).
 * - Low 13: `?dryRun=false` was a dry run (any value was); invalid UTF-8 in a body was silently
 *   replaced by U+FFFD and stored.
 */
import { type Engine } from "../../src/engine/engine.js";
import { createEngine } from "../../src/composition/create-engine.js";
import { startServer, type RunningServer } from "../../src/server/index.js";
import { storeOf } from "../../src/server/writes.js";
import { AUTH, G, ONE_HOST, TEST_TOKEN, request, vmManifest } from "./server-harness.js";

let engine: Engine;
let server: RunningServer;

beforeAll(async () => {
  engine = createEngine({ seed: 5 });
  engine.apply(ONE_HOST);
  engine.apply([vmManifest("web-1")]);
  engine.step(3);
  server = await startServer({ engine, token: TEST_TOKEN, speed: 0, persist: () => undefined });
});

afterAll(async () => {
  await server.close();
});

const json = { ...AUTH, "Content-Type": "application/json" };

describe("event names are DNS-1123 subdomains", () => {
  test("one event can be fetched and deleted by its dotted name", async () => {
    expect(engine.store.get("Event", "web-1.admitted", "default")).toBeDefined();
    const got = await request(server.port, "GET", "/api/v1/namespaces/default/events/web-1.admitted", { headers: AUTH });
    expect(got.code).toBe(200);
    expect(got.json).toMatchObject({ kind: "Event", metadata: { name: "web-1.admitted" }, reason: "Admitted" });
    const deleted = await request(server.port, "DELETE", "/api/v1/namespaces/default/events/web-1.admitted", { headers: AUTH });
    expect(deleted.json).toMatchObject({ status: "Success", details: { name: "web-1.admitted", kind: "Event" } });
    expect(engine.store.get("Event", "web-1.admitted", "default")).toBeUndefined();
    expect((await request(server.port, "GET", "/api/v1/namespaces/default/events/web-1.admitted", { headers: AUTH })).code).toBe(404);
  });

  test("dots stay out of the other kinds' names and of namespaces; empty parts and traversal are still refused", async () => {
    const bad = [
      "/api/v1/namespaces/default/events/a..b",
      "/api/v1/namespaces/default/events/.hidden",
      "/api/v1/namespaces/default/events/web-1.",
      `/api/v1/namespaces/default/events/${"a".repeat(254)}`,
      "/api/v1/namespaces/default/events/..%2Fstate.json",
      "/api/v1/namespaces/de.fault/events/web-1.admitted",
      `${G}/namespaces/default/virtualmachines/web-1.admitted`,
      `${G}/hosts/esx.01`,
    ];
    for (const path of bad) {
      const res = await request(server.port, "GET", path, { headers: AUTH });
      expect({ path, code: res.code }).toEqual({ path, code: 400 });
    }
    const long = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`; // 253 characters
    expect((await request(server.port, "GET", `/api/v1/namespaces/default/events/${long}`, { headers: AUTH })).code).toBe(404);
  });
});

describe("dryRun is a boolean, parsed strictly", () => {
  test("?dryRun=false and ?dryRun=0 apply; All, true and 1 do not; anything else is a 400 that applies nothing", async () => {
    const off = await request(server.port, "POST", "/apply?dryRun=false", { headers: json, body: JSON.stringify([vmManifest("dry-off")]) });
    expect(off.json).toMatchObject({ kind: "ApplyResult", dryRun: false });
    expect(engine.store.get("VirtualMachine", "dry-off")).toBeDefined();
    const zero = await request(server.port, "POST", "/apply?dryRun=0", { headers: json, body: JSON.stringify([vmManifest("dry-zero")]) });
    expect(zero.json.dryRun).toBe(false);
    expect(engine.store.get("VirtualMachine", "dry-zero")).toBeDefined();
    for (const value of ["All", "true", "1"]) {
      const on = await request(server.port, "POST", `/apply?dryRun=${value}`, { headers: json, body: JSON.stringify([vmManifest(`dry-${value.toLowerCase()}`)]) });
      expect({ value, dryRun: on.json.dryRun }).toEqual({ value, dryRun: true });
      expect(engine.store.get("VirtualMachine", `dry-${value.toLowerCase()}`)).toBeUndefined();
    }
    for (const value of ["", "yes", "False0", "All,All"]) {
      const res = await request(server.port, "POST", `/apply?dryRun=${value}`, { headers: json, body: JSON.stringify([vmManifest("dry-bad")]) });
      expect({ value, code: res.code }).toEqual({ value, code: 400 });
      expect(res.json.message).toContain("dryRun");
    }
    expect(engine.store.get("VirtualMachine", "dry-bad")).toBeUndefined();
  });

  test("dryRun on a create, replace or delete answers as if and changes nothing", async () => {
    const rv = storeOf(engine).resourceVersion;
    const created = await request(server.port, "POST", `${G}/namespaces/default/virtualmachines?dryRun=All`, { headers: json, body: JSON.stringify(vmManifest("ghost")) });
    expect(created.code).toBe(201);
    expect(created.json.metadata.name).toBe("ghost");
    expect(engine.store.get("VirtualMachine", "ghost")).toBeUndefined();
    const replaced = await request(server.port, "PUT", `${G}/namespaces/default/virtualmachines/web-1?dryRun=All`, { headers: json, body: JSON.stringify(vmManifest("web-1", { memory: "2Gi" })) });
    expect(replaced.json.spec.memory).toBe("2Gi");
    expect(engine.store.get("VirtualMachine", "web-1")?.spec.memory).toBe("1Gi");
    const deleted = await request(server.port, "DELETE", `${G}/namespaces/default/virtualmachines/web-1?dryRun=All`, { headers: AUTH });
    expect(deleted.json.status).toBe("Success");
    expect(engine.store.get("VirtualMachine", "web-1")).toBeDefined();
    expect(storeOf(engine).resourceVersion).toBe(rv);
  });
});

describe("bodies must be UTF-8", () => {
  test("an invalid byte is a 400 naming where it is, and nothing is stored", async () => {
    const text = Buffer.from('{"apiVersion":"memplane.io/v1alpha1","kind":"VirtualMachine",\n"metadata":{"name":"mojibake","annotations":{"note":"caf\u00e9 X"}},\n"spec":{"hostName":"esx-01","memory":"1Gi"}}');
    const body = Buffer.from(text.toString("latin1").replace("X", "\u00ff"), "latin1"); // é as UTF-8, then a lone 0xff
    for (const [method, path] of [["POST", `${G}/namespaces/default/virtualmachines`], ["POST", "/apply"]] as const) {
      const res = await request(server.port, method, path, { headers: json, body: path === "/apply" ? Buffer.concat([Buffer.from("["), body, Buffer.from("]")]) : body });
      expect({ path, code: res.code, reason: res.json.reason }).toEqual({ path, code: 400, reason: "BadRequest" });
      expect(res.json.message).toMatch(/request body is not valid UTF-8 \(byte 0xff at line 2, byte \d+\)/);
    }
    expect(engine.store.get("VirtualMachine", "mojibake")).toBeUndefined();
  });

  test("valid UTF-8 (and a BOM) is fine", async () => {
    const body = "\ufeff" + JSON.stringify(vmManifest("utf8-ok", { annotations: { note: "café ✓ 𝄞" } }));
    const res = await request(server.port, "POST", `${G}/namespaces/default/virtualmachines`, { headers: json, body });
    expect(res.code).toBe(201);
    expect(engine.store.get("VirtualMachine", "utf8-ok")?.metadata.annotations?.note).toBe("café ✓ 𝄞");
  });
});
