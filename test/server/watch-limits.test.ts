/**
 * Issue 19, Medium 5: watches were unlimited and needed no token from loopback. 21,000 watches
 * exhausted the fd limit; 400 watches that never read took RSS to 1.2 GB. Here: every read but
 * /healthz needs the token (loopback or not), watches are limited per client and in total (429),
 * and a watcher that falls behind is ended cleanly (the client re-lists) while the server's
 * buffered bytes stay under the configured budget. Small limits stand in for the big attack.
 */
import * as net from "node:net";
import { type Engine } from "../../src/engine/engine.js";
import { createEngine } from "../../src/composition/create-engine.js";
import { startServer, type RunningServer, type ServerLimits } from "../../src/server/index.js";
import { AUTH, G, ONE_HOST, TEST_TOKEN, openStream, pause, request, until, vmManifest, type OpenStream } from "./server-harness.js";

const servers: RunningServer[] = [];
const streams: OpenStream[] = [];

async function serve(limits: Partial<ServerLimits> = {}): Promise<{ engine: Engine; server: RunningServer }> {
  const engine = createEngine({ seed: 3 });
  engine.apply(ONE_HOST);
  const server = await startServer({ engine, token: TEST_TOKEN, speed: 0, limits });
  servers.push(server);
  return { engine, server };
}

async function watch(server: RunningServer, path = `${G}/namespaces/default/virtualmachines?watch=true`, paused = false): Promise<OpenStream> {
  const s = await openStream(server.port, path, AUTH, { paused });
  streams.push(s);
  return s;
}

afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  for (const s of servers.splice(0)) await s.close();
});

test("every read but /healthz needs the token, from loopback too", async () => {
  const { server } = await serve();
  const reads = [`${G}/hosts`, `${G}/virtualmachines`, `${G}/hosts?watch=true`, "/logs", "/logs?follow=true", "/metrics", G, "/explain/hosts/esx-01", "/api/v1/events"];
  for (const path of reads) {
    const bare = await request(server.port, "GET", path);
    expect({ path, code: bare.code, reason: bare.json?.reason }).toEqual({ path, code: 401, reason: "Unauthorized" });
    expect(bare.headers["www-authenticate"]).toContain("Bearer");
    // what a reverse proxy on the same machine adds does not make a client trusted either
    const proxied = await request(server.port, "GET", path, { headers: { "X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1" } });
    expect({ path, code: proxied.code }).toEqual({ path, code: 401 });
  }
  const withToken = await request(server.port, "GET", `${G}/hosts`, { headers: AUTH });
  expect(withToken.code).toBe(200);
  expect(await request(server.port, "GET", "/healthz")).toMatchObject({ code: 200, text: "ok\n" });
});

test("watches and log follows beyond the per-client limit are refused with 429 until one closes", async () => {
  const { server } = await serve({ maxWatchesPerClient: 2, maxWatches: 10 });
  const first = await watch(server);
  const second = await watch(server, "/logs?follow=true");
  expect([first.code, second.code]).toEqual([200, 200]);
  const third = await request(server.port, "GET", `${G}/hosts?watch=true`, { headers: AUTH });
  expect(third.code).toBe(429);
  expect(third.json).toMatchObject({ kind: "Status", reason: "TooManyRequests", code: 429 });
  expect(third.json.message).toMatch(/2 .*per client/);
  expect(third.headers["retry-after"]).toBeDefined();
  // plain reads are not watches
  expect((await request(server.port, "GET", `${G}/hosts`, { headers: AUTH })).code).toBe(200);
  first.close();
  await until(() => server.streamStats().watches === 1, 10_000, "the closed watch to be released");
  const again = await watch(server, `${G}/hosts?watch=true`);
  expect(again.code).toBe(200);
});

test("the total number of watches is capped", async () => {
  const { server } = await serve({ maxWatchesPerClient: 100, maxWatches: 3 });
  for (let i = 0; i < 3; i++) expect((await watch(server)).code).toBe(200);
  const over = await request(server.port, "GET", `${G}/virtualmachines?watch=true`, { headers: AUTH });
  expect(over.code).toBe(429);
  expect(over.json.message).toMatch(/3 .*in total/);
  expect(server.streamStats().watches).toBe(3);
  expect(await request(server.port, "GET", "/healthz")).toMatchObject({ code: 200 });
});

/** Changes one VM's big annotations: a ~180 KiB MODIFIED event for every watcher of VMs. */
function churn(engine: Engine, round: number): void {
  const filler = String(round % 10).repeat(60 * 1024);
  engine.apply([vmManifest("churn", { annotations: { a: filler, b: filler, c: filler } })]);
}

test("watchers that never read are ended cleanly and the server's buffers stay within budget; a reader keeps up", async () => {
  const budget = 512 * 1024;
  const { engine, server } = await serve({ maxStreamBufferBytes: 384 * 1024, maxStreamBufferTotalBytes: budget, maxWatches: 10, maxWatchesPerClient: 10 });
  churn(engine, 0);
  const stalled = [await watch(server, undefined, true), await watch(server, undefined, true), await watch(server, undefined, true)];
  const reader = await watch(server);
  // a never-read socket soaks up some MB in kernel buffers first; then the server has to act
  const slack = 4 * (64 * 1024 + 200 * 1024); // per stream: what the socket was handed before it pushed back, one event
  let rounds = 1;
  while (server.streamStats().draining < 3 && rounds < 2000) {
    churn(engine, rounds++);
    expect(server.streamStats().bufferedBytes).toBeLessThan(budget + slack);
    await pause(1);
  }
  expect(server.streamStats()).toMatchObject({ watches: 4, draining: 3 });
  for (const s of stalled) s.resume();
  // the stalled watchers see a clean end of stream (not a reset): a Kubernetes client re-lists
  expect(await Promise.all(stalled.map((s) => s.finished))).toEqual(["end", "end", "end"]);
  for (const s of stalled) {
    const lines = s.text().split("\n").filter(Boolean);
    expect(lines.length).toBeLessThan(rounds);
    for (const line of lines) expect(JSON.parse(line).object.metadata.name).toBe("churn"); // whole events only
  }
  await until(() => reader.text().split("\n").filter(Boolean).length === rounds, 20_000, "the reading watcher to get every event");
  expect(server.streamStats()).toMatchObject({ watches: 1, draining: 0 });
  // a re-list and a new watch work
  const relist = await request(server.port, "GET", `${G}/namespaces/default/virtualmachines`, { headers: AUTH });
  expect(relist.json.items.map((o: any) => o.metadata.name)).toEqual(["churn"]);
  expect((await watch(server)).code).toBe(200);
});

test("a watcher that never reads at all is disconnected after the end timeout, freeing its slot", async () => {
  const { engine, server } = await serve({ maxStreamBufferBytes: 32 * 1024, maxWatchesPerClient: 1, streamEndTimeoutMs: 200 });
  const stalled = await watch(server, undefined, true);
  for (let round = 0; server.streamStats().watches > 0 && round < 2000; round++) {
    churn(engine, round);
    await pause(1);
  }
  await until(() => server.streamStats().watches === 0, 10_000, "the stalled watcher to be disconnected");
  stalled.resume(); // only a reading client notices its connection is gone
  expect(await stalled.finished).toBe("reset");
  expect((await watch(server)).code).toBe(200);
});

test("bad watch and follow flags are a 400, not a guess", async () => {
  const { server } = await serve();
  for (const path of [`${G}/hosts?watch=yes`, `${G}/hosts?watch=`, "/logs?follow=maybe"]) {
    const res = await request(server.port, "GET", path, { headers: AUTH });
    expect({ path, code: res.code }).toEqual({ path, code: 400 });
  }
  const off = await request(server.port, "GET", `${G}/hosts?watch=false`, { headers: AUTH });
  expect(off.json.kind).toBe("HostList");
  expect((await request(server.port, "GET", `/logs?follow=0`, { headers: AUTH })).code).toBe(200);
});

test("connections beyond maxConnections are closed as they arrive, and the server recovers when they go", async () => {
  const { server } = await serve({ maxConnections: 3 });
  let connections = -1;
  const count = (): boolean => {
    server.httpServer.getConnections((_err, n) => (connections = n));
    return true;
  };
  const idle: net.Socket[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const socket = net.connect(server.port, "127.0.0.1");
      socket.on("error", () => undefined);
      await new Promise((r) => socket.once("connect", r));
      idle.push(socket);
    }
    await until(() => count() && connections === 3, 10_000, "three connections");
    const refused = await request(server.port, "GET", "/healthz").then(
      (a) => a.code,
      (err: NodeJS.ErrnoException) => err.code ?? "error",
    );
    expect(refused).not.toBe(200);
  } finally {
    for (const s of idle) s.destroy();
  }
  await until(() => count() && connections === 0, 10_000, "the idle connections to go");
  expect((await request(server.port, "GET", "/healthz")).code).toBe(200);
});
