/**
 * Issue 19, Medium 7: with no Host-header check, a DNS-rebinding page (evil.example resolving to
 * 127.0.0.1) could read hosts, VMs, logs and metrics from a loopback server. Requests must name
 * this server in `Host` — localhost, an IP address, the bound name, at the server's port — or a
 * name from `allowedHosts`; and a reverse proxy on the same machine does not make every client
 * trusted (covered in watch-limits.test.ts: reads need the token, loopback or not).
 */
import { createEngine } from "../../src/composition/create-engine.js";
import { hostAllowed, startServer, type RunningServer } from "../../src/server/index.js";
import { AUTH, G, ONE_HOST, TEST_TOKEN, request } from "./server-harness.js";

let server: RunningServer;
let allowListed: RunningServer;

beforeAll(async () => {
  const engine = createEngine({ seed: 1 });
  engine.apply(ONE_HOST);
  server = await startServer({ engine, token: TEST_TOKEN, speed: 0 });
  allowListed = await startServer({ engine, token: TEST_TOKEN, speed: 0, allowedHosts: ["memplane.example.com", "proxy.internal:8443"] });
});

afterAll(async () => {
  await server.close();
  await allowListed.close();
});

const get = (s: RunningServer, path: string, host: string) => request(s.port, "GET", path, { headers: { ...AUTH, Host: host } });

test("a DNS-rebinding Host is refused with 403 on every route but /healthz, even with the token", async () => {
  for (const path of [`${G}/hosts`, `${G}/virtualmachines`, "/logs", "/metrics", `${G}/hosts?watch=true`, "/explain/hosts/esx-01"]) {
    const res = await get(server, path, `evil.example:${server.port}`);
    expect({ path, code: res.code, reason: res.json?.reason }).toEqual({ path, code: 403, reason: "Forbidden" });
    expect(res.json.message).toContain("allowed-hosts");
    expect(res.text).not.toContain("esx-01");
  }
  const apply = await request(server.port, "POST", "/apply", { headers: { ...AUTH, Host: "evil.example", "Content-Type": "application/json" }, body: "[]" });
  expect(apply.code).toBe(403);
  expect((await get(server, "/healthz", "evil.example")).code).toBe(200);
});

test("localhost, loopback and other IP literals at the server's port are answered; another port is not", async () => {
  for (const host of [`localhost:${server.port}`, `LOCALHOST:${server.port}`, `127.0.0.1:${server.port}`, `[::1]:${server.port}`, `10.0.0.5:${server.port}`]) {
    const res = await get(server, `${G}/hosts`, host);
    expect({ host, code: res.code }).toEqual({ host, code: 200 });
  }
  for (const host of [`localhost:${server.port + 1}`, "localhost", `127.0.0.1.evil.example:${server.port}`, `localhost.evil.example:${server.port}`, `[::1]:1`]) {
    const res = await get(server, `${G}/hosts`, host);
    expect({ host, code: res.code }).toEqual({ host, code: 403 });
  }
});

test("allowedHosts lets a proxy's or DNS name in: a bare name at any port, NAME:PORT at that port only", async () => {
  expect((await get(allowListed, `${G}/hosts`, "memplane.example.com")).code).toBe(200);
  expect((await get(allowListed, `${G}/hosts`, "Memplane.Example.COM:443")).code).toBe(200);
  expect((await get(allowListed, `${G}/hosts`, "proxy.internal:8443")).code).toBe(200);
  expect((await get(allowListed, `${G}/hosts`, "proxy.internal:8444")).code).toBe(403);
  expect((await get(allowListed, `${G}/hosts`, "other.example.com")).code).toBe(403);
});

test("hostAllowed: the rules on their own", () => {
  const rules = { port: 8080, bindHost: "127.0.0.1", allowedHosts: [] as string[] };
  expect(hostAllowed(undefined, rules)).toBe(true); // HTTP/1.0 clients send none; browsers always do
  expect(hostAllowed("localhost:8080", rules)).toBe(true);
  expect(hostAllowed("localhost.:8080", rules)).toBe(true);
  expect(hostAllowed("[::ffff:127.0.0.1]:8080", rules)).toBe(true);
  expect(hostAllowed("evil.example:8080", rules)).toBe(false);
  expect(hostAllowed("", rules)).toBe(false);
  expect(hostAllowed("localhost:8080:1", rules)).toBe(false);
  expect(hostAllowed("[::1", rules)).toBe(false);
  expect(hostAllowed("127.0.0.1", { ...rules, port: 80 })).toBe(true); // no port means 80
  expect(hostAllowed("my-box:8080", { ...rules, bindHost: "my-box" })).toBe(true);
  expect(hostAllowed("anything.example", { ...rules, allowedHosts: ["*"] })).toBe(true);
});
