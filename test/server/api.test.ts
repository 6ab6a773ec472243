/**
 * The API server in-process, over real HTTP on 127.0.0.1: CRUD like Kubernetes, bearer-token
 * writes, optimistic concurrency, size and time limits, watches, /logs, /metrics and /healthz.
 * The server does not tick by itself here (speed 0): tests step the engine by hand.
 */
import * as http from "node:http";
import * as net from "node:net";
import { type Engine } from "../../src/engine/engine.js";
import { createEngine } from "../../src/composition/create-engine.js";
import { startServer, type RunningServer } from "../../src/server/index.js";

const TOKEN = "t0k3n-for-tests-0123456789abcdef";
const G = "/apis/memplane.io/v1alpha1";

const CLUSTER = `
apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: esx-01}
spec: {capacity: 4Gi}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: web-1, labels: {app: web}}
spec: {hostName: esx-01, memory: 4Gi, workload: {allocated: 90%, active: 80%}}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: db-1, labels: {app: db}}
spec: {hostName: esx-01, memory: 4Gi, workload: {allocated: 90%, active: 80%}}
`;

let engine: Engine;
let server: RunningServer;
let saves = 0;

beforeAll(async () => {
  engine = createEngine({ seed: 7 });
  engine.apply(CLUSTER);
  engine.step(3);
  server = await startServer({
    engine,
    token: TOKEN,
    speed: 0,
    persist: () => void saves++,
    limits: { headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 200, connectionsCheckingIntervalMs: 50 },
  });
});

afterAll(async () => {
  await server.close();
});

const auth = { Authorization: `Bearer ${TOKEN}` };

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = auth): Promise<{ code: number; json: any; text: string }> {
  const res = await fetch(server.url + path, {
    method,
    headers: { "Content-Type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { code: res.status, json, text };
}

/** A GET sent byte for byte (fetch would normalise `..` and `%2e%2e` before sending). */
function rawGet(path: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port: server.port, path, method: "GET", headers: auth, timeout: 20_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.end();
  });
}

function vm(name: string, memory = "2Gi", extra: Record<string, unknown> = {}): object {
  return { apiVersion: "memplane.io/v1alpha1", kind: "VirtualMachine", metadata: { name, ...extra }, spec: { hostName: "esx-01", memory } };
}

test("listens on loopback with a free port", () => {
  expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(server.port).toBeGreaterThan(0);
});

test("lists hosts and VMs as Kubernetes lists, with label selectors", async () => {
  const hosts = await call("GET", `${G}/hosts`);
  expect(hosts.code).toBe(200);
  expect(hosts.json).toMatchObject({ kind: "HostList", items: [{ kind: "Host", metadata: { name: "esx-01" } }] });
  const all = await call("GET", `${G}/virtualmachines`);
  expect(all.json.items.map((o: any) => o.metadata.name)).toEqual(expect.arrayContaining(["web-1", "db-1"]));
  const web = await call("GET", `${G}/namespaces/default/virtualmachines?labelSelector=${encodeURIComponent("app=web")}`);
  expect(web.json.items.map((o: any) => o.metadata.name)).toEqual(["web-1"]);
  const bad = await call("GET", `${G}/virtualmachines?labelSelector=${encodeURIComponent("app in (")}`);
  expect(bad.code).toBe(400);
  expect(bad.json).toMatchObject({ kind: "Status", status: "Failure", reason: "BadRequest", code: 400 });
});

test("gets one object, built-in guest OS profiles included; a missing one is a NotFound Status", async () => {
  const got = await call("GET", `${G}/namespaces/default/virtualmachines/web-1`);
  expect(got.code).toBe(200);
  expect(got.json.status.phase).toBeDefined();
  expect((await call("GET", `${G}/guestosprofiles/rhel7`)).json.spec.minimumMemory).toBe("512Mi");
  const missing = await call("GET", `${G}/namespaces/default/virtualmachines/nope`);
  expect(missing.code).toBe(404);
  expect(missing.json).toEqual({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    reason: "NotFound",
    code: 404,
    message: 'virtualmachines "nope" not found in namespace "default"',
  });
});

test("every request needs the bearer token (401 without, 401 with a wrong one), reads from loopback too", async () => {
  const none = await call("POST", `${G}/namespaces/default/virtualmachines`, vm("anon-1"), {});
  expect(none.code).toBe(401);
  expect(none.json.reason).toBe("Unauthorized");
  const wrong = await call("DELETE", `${G}/namespaces/default/virtualmachines/web-1`, undefined, { Authorization: "Bearer " + TOKEN.slice(0, -1) + "x" });
  expect(wrong.code).toBe(401);
  const apply = await call("POST", "/apply", [vm("anon-2")], {});
  expect(apply.code).toBe(401);
  expect(engine.store.get("VirtualMachine", "anon-1")).toBeUndefined();
  expect(engine.store.get("VirtualMachine", "anon-2")).toBeUndefined();
  expect(engine.store.get("VirtualMachine", "web-1")).toBeDefined();
  expect((await call("GET", `${G}/hosts`, undefined, {})).code).toBe(401);
});

test("create, update and delete a VM; writes are saved before they are acknowledged", async () => {
  const before = saves;
  const created = await call("POST", `${G}/namespaces/team-a/virtualmachines`, vm("app-1"));
  expect(created.code).toBe(201);
  expect(created.json.metadata).toMatchObject({ name: "app-1", namespace: "team-a", generation: 1 });
  expect(saves).toBe(before + 1);
  expect((await call("POST", `${G}/namespaces/team-a/virtualmachines`, vm("app-1"))).json).toMatchObject({ code: 409, reason: "AlreadyExists" });

  const rv = created.json.metadata.resourceVersion;
  const updated = await call("PUT", `${G}/namespaces/team-a/virtualmachines/app-1`, vm("app-1", "3Gi", { resourceVersion: rv }));
  expect(updated.code).toBe(200);
  expect(updated.json.spec.memory).toBe("3Gi");
  expect(updated.json.metadata.generation).toBe(2);
  expect(engine.store.get("VirtualMachine", "app-1", "team-a")?.spec.memory).toBe("3Gi");

  const deleted = await call("DELETE", `${G}/namespaces/team-a/virtualmachines/app-1`);
  expect(deleted.json).toMatchObject({ kind: "Status", status: "Success", details: { name: "app-1", kind: "VirtualMachine" } });
  expect(engine.store.get("VirtualMachine", "app-1", "team-a")).toBeUndefined();
  expect((await call("DELETE", `${G}/namespaces/team-a/virtualmachines/app-1`)).code).toBe(404);
});

test("PUT with a stale resourceVersion is 409 Conflict and changes nothing", async () => {
  const created = await call("POST", `${G}/namespaces/default/virtualmachines`, vm("cas-1"));
  const stale = created.json.metadata.resourceVersion;
  expect((await call("PUT", `${G}/namespaces/default/virtualmachines/cas-1`, vm("cas-1", "3Gi"))).code).toBe(200);
  const conflict = await call("PUT", `${G}/namespaces/default/virtualmachines/cas-1`, vm("cas-1", "1Gi", { resourceVersion: stale }));
  expect(conflict.code).toBe(409);
  expect(conflict.json).toMatchObject({ kind: "Status", reason: "Conflict", code: 409 });
  expect(conflict.json.message).toContain("the object has been modified");
  expect(engine.store.get("VirtualMachine", "cas-1")?.spec.memory).toBe("3Gi");
});

test("bodies go through manifest validation: 422 with file:line field message, nothing written", async () => {
  const yamlBody = "apiVersion: memplane.io/v1alpha1\nkind: VirtualMachine\nmetadata: {name: bad-1}\nspec:\n  hostName: esx-01\n  memory: 2Gi\n  reservation: 3Gi\n";
  const invalid = await call("POST", `${G}/namespaces/default/virtualmachines`, yamlBody, { ...auth, "Content-Type": "application/yaml" });
  expect(invalid.code).toBe(422);
  expect(invalid.json.reason).toBe("Invalid");
  expect(invalid.json.message).toMatch(/^request body:7:\d+ spec\.reservation: must not exceed spec\.memory/);
  expect(engine.store.get("VirtualMachine", "bad-1")).toBeUndefined();
  const wrongKind = await call("POST", `${G}/hosts`, vm("a-vm"));
  expect(wrongKind.code).toBe(400);
  const wrongName = await call("PUT", `${G}/namespaces/default/virtualmachines/web-1`, vm("db-1"));
  expect(wrongName.code).toBe(400);
  const wrongNs = await call("POST", `${G}/namespaces/other/virtualmachines`, vm("ns-1", "1Gi", { namespace: "default" }));
  expect(wrongNs.code).toBe(400);
});

test("POST /apply is all-or-nothing and reports created/configured/unchanged; dryRun changes nothing", async () => {
  const applied = await call("POST", "/apply", [vm("bulk-1"), vm("bulk-2")]);
  expect(applied.code).toBe(200);
  expect(applied.json.items).toEqual([
    { kind: "VirtualMachine", namespace: "default", name: "bulk-1", result: "created" },
    { kind: "VirtualMachine", namespace: "default", name: "bulk-2", result: "created" },
  ]);
  const again = await call("POST", "/apply", [vm("bulk-1", "3Gi"), vm("bulk-2")]);
  expect(again.json.items.map((i: any) => i.result)).toEqual(["configured", "unchanged"]);
  const halfBad = await call("POST", "/apply", [vm("bulk-3"), { ...vm("bulk-4"), spec: { hostName: "esx-01", memory: "lots" } }]);
  expect(halfBad.code).toBe(422);
  expect(engine.store.get("VirtualMachine", "bulk-3")).toBeUndefined();
  const dry = await call("POST", "/apply?dryRun=All", [vm("dry-1")]);
  expect(dry.json).toMatchObject({ dryRun: true, items: [{ name: "dry-1", result: "created" }] });
  expect(engine.store.get("VirtualMachine", "dry-1")).toBeUndefined();
});

test("names must be DNS-1123 labels: no path traversal", async () => {
  for (const path of [`${G}/hosts/..%2F..%2Fstate.json`, `${G}/hosts/%2e%2e`, `${G}/namespaces/..%2Fx/virtualmachines`, `${G}/hosts/UPPER`]) {
    const res = await rawGet(path);
    expect({ path, code: res.code, reason: JSON.parse(res.body).reason }).toEqual({ path, code: 400, reason: "BadRequest" });
  }
  expect((await rawGet(`${G}/hosts/../../x`)).code).toBe(404);
  expect((await call("DELETE", `${G}/hosts/a%2Fb`)).code).toBe(400);
});

test("a body over 1 MiB is refused with 413", async () => {
  const big = JSON.stringify(vm("big-1", "1Gi", { annotations: { filler: "x".repeat(1024 * 1024 + 10) } }));
  const res = await call("POST", `${G}/namespaces/default/virtualmachines`, big);
  expect(res.code).toBe(413);
  expect(res.json.reason).toBe("RequestEntityTooLarge");
  expect(engine.store.get("VirtualMachine", "big-1")).toBeUndefined();
});

test("a client that never finishes its headers is cut off", async () => {
  const socket = net.connect(server.port, "127.0.0.1");
  const closedAfter = await new Promise<number>((resolve, reject) => {
    const start = Date.now();
    socket.on("connect", () => socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n")); // never the final CRLF
    socket.on("close", () => resolve(Date.now() - start));
    socket.on("data", () => undefined); // read, so the server's close is seen
    socket.on("error", () => undefined);
    setTimeout(() => reject(new Error("slow client was not cut off within 15 s")), 15_000).unref();
  });
  expect(closedAfter).toBeLessThan(15_000);
});

test("a client that sends half its body is cut off by the request timeout", async () => {
  const socket = net.connect(server.port, "127.0.0.1");
  let answer = "";
  const closedAfter = await new Promise<number>((resolve, reject) => {
    const start = Date.now();
    socket.on("connect", () => socket.write(`POST /apply HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 100\r\n\r\n[{`));
    socket.on("data", (d) => (answer += String(d)));
    socket.on("close", () => resolve(Date.now() - start));
    socket.on("error", () => undefined);
    setTimeout(() => reject(new Error("slow body was not cut off within 15 s")), 15_000).unref();
  });
  expect(closedAfter).toBeLessThan(15_000);
  expect(answer).toMatch(/^HTTP\/1\.1 408/);
});

test("an idle keep-alive connection is closed", async () => {
  const socket = net.connect(server.port, "127.0.0.1");
  let answer = "";
  await new Promise<void>((resolve, reject) => {
    socket.on("connect", () => socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n"));
    socket.on("data", (d) => (answer += String(d)));
    socket.on("close", () => resolve());
    socket.on("error", () => undefined);
    setTimeout(() => reject(new Error("idle connection was not closed within 15 s")), 15_000).unref();
  });
  expect(answer).toMatch(/^HTTP\/1\.1 200/);
});

test("a watch streams ADDED for what exists, then MODIFIED after a step", async () => {
  const controller = new AbortController();
  const res = await fetch(`${server.url}${G}/namespaces/default/virtualmachines?watch=true&labelSelector=app%3Dweb`, { headers: auth, signal: controller.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  const events: any[] = [];
  const deadline = setTimeout(() => controller.abort(), 20_000);
  try {
    let stepped = false;
    while (!events.some((e) => e.type === "MODIFIED")) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) if (line) events.push(JSON.parse(line));
      if (!stepped && events.length > 0) {
        stepped = true;
        engine.apply(vm("web-1", "3Gi", { labels: { app: "web" } })); // a spec change, then a tick
        engine.step(1);
      }
    }
  } finally {
    clearTimeout(deadline);
    controller.abort();
  }
  expect(events[0]).toMatchObject({ type: "ADDED", object: { metadata: { name: "web-1" } } });
  const modified = events.find((e) => e.type === "MODIFIED");
  expect(modified.object.metadata.name).toBe("web-1");
  expect(events.every((e) => e.object.metadata.labels?.app === "web")).toBe(true);
});

test("/logs returns JSON lines and follows new entries", async () => {
  const controller = new AbortController();
  const res = await fetch(`${server.url}/logs?follow=true&sinceTick=${engine.tick + 1}`, { headers: auth, signal: controller.signal });
  const reader = res.body!.getReader();
  const deadline = setTimeout(() => controller.abort(), 20_000);
  let text = "";
  try {
    // grow the workload so controllers have something to log
    engine.apply(vm("noisy-1", "4Gi"));
    for (let i = 0; i < 60 && !text.includes("\n"); i++) {
      engine.step(1);
      const chunk = await Promise.race([reader.read(), new Promise<undefined>((r) => setTimeout(() => r(undefined), 20))]);
      if (chunk && !chunk.done) text += new TextDecoder().decode(chunk.value);
    }
    while (!text.includes("\n")) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
  } finally {
    clearTimeout(deadline);
    controller.abort();
  }
  const first = JSON.parse(text.split("\n")[0]!);
  expect(first).toEqual(expect.objectContaining({ tick: expect.any(Number), controller: expect.any(String), action: expect.any(String) }));
  const all = await call("GET", "/logs");
  expect(all.text.trim().split("\n").length).toBeGreaterThan(0);
});

test("/metrics speaks Prometheus text with host, VM and counter series; /healthz says ok", async () => {
  const res = await fetch(server.url + "/metrics", { headers: auth });
  expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
  const text = await res.text();
  expect(text).toContain("# TYPE memplane_host_free_bytes gauge");
  expect(text).toMatch(/^memplane_host_free_bytes\{host="esx-01"\} \d+$/m);
  expect(text).toMatch(/^memplane_host_state\{host="esx-01",state="(high|clear|soft|hard|low)"\} 1$/m);
  for (const series of ["memplane_vm_consumed_bytes", "memplane_vm_balloon_bytes", "memplane_vm_swapped_bytes", "memplane_vm_compressed_bytes", "memplane_vm_memory_stall_percent"]) {
    expect(text).toMatch(new RegExp(`^${series}\\{namespace="default",name="web-1",host="esx-01"\\} [0-9.e+-]+$`, "m"));
  }
  expect(text).toMatch(new RegExp(`^memplane_ticks_total ${engine.tick}$`, "m"));
  expect(text).toMatch(/^# TYPE memplane_log_entries_total counter$/m);
  const health = await call("GET", "/healthz");
  expect(health).toMatchObject({ code: 200, text: "ok\n" });
});

test("unknown paths are 404 and wrong methods 405, as Status objects", async () => {
  expect((await call("GET", "/apis/other/v1/things")).json).toMatchObject({ kind: "Status", code: 404 });
  expect((await call("PATCH", `${G}/hosts`)).json).toMatchObject({ code: 405, reason: "MethodNotAllowed" }); // a collection cannot be patched
  expect((await call("POST", "/api/v1/namespaces/default/events", {})).code).toBe(405);
});
