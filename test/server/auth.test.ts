/** Token handling and bind-address rules of the API server. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createEngine } from "../../src/composition/create-engine.js";
import { ServerOptionsError, generateToken, needsToken, isLoopback, readTokenFile, startServer, tokensEqual, writeTokenFile } from "../../src/server/index.js";

test("generated tokens are 32 random bytes in hex, never the same twice", () => {
  const a = generateToken();
  expect(a).toMatch(/^[0-9a-f]{64}$/);
  expect(generateToken()).not.toBe(a);
});

test("tokens compare equal only when identical, whatever their lengths", () => {
  expect(tokensEqual("abc", "abc")).toBe(true);
  expect(tokensEqual("abd", "abc")).toBe(false);
  expect(tokensEqual("", "abc")).toBe(false);
  expect(tokensEqual("abc".repeat(100), "abc")).toBe(false);
});

test("the token file is written owner-only (0600) and read back trimmed; bad files are refused", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "memplane-token-"));
  const file = path.join(dir, "token");
  fs.writeFileSync(file, "old", { mode: 0o644 });
  const token = generateToken();
  writeTokenFile(file, token);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(readTokenFile(file)).toBe(token);
  fs.writeFileSync(path.join(dir, "short"), "abc\n");
  expect(() => readTokenFile(path.join(dir, "short"))).toThrow(/at least 16 characters/);
  expect(() => readTokenFile(path.join(dir, "missing"))).toThrow(/no such file/);
});

test("loopback addresses are recognised", () => {
  for (const a of ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1", "localhost"]) expect(isLoopback(a)).toBe(true);
  for (const a of ["0.0.0.0", "10.0.0.1", "::", "192.168.1.1", undefined]) expect(isLoopback(a)).toBe(false);
});

test("every request needs the token, reads too and from loopback; only a read of /healthz does not", () => {
  for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
    expect(needsToken(method, "resource")).toBe(true);
    expect(needsToken(method, "apply")).toBe(true);
    expect(needsToken(method, "healthz")).toBe(true);
  }
  for (const route of ["resource", "metrics", "logs", "discovery", "explain"] as const) {
    expect(needsToken("GET", route)).toBe(true);
    expect(needsToken("HEAD", route)).toBe(true);
  }
  expect(needsToken("GET", "healthz")).toBe(false);
  expect(needsToken("HEAD", "healthz")).toBe(false);
});

test("binding a non-loopback address needs allowRemote", async () => {
  await expect(startServer({ engine: createEngine(), token: generateToken(), host: "0.0.0.0", speed: 0 })).rejects.toThrow(ServerOptionsError);
  const server = await startServer({ engine: createEngine(), token: generateToken(), host: "0.0.0.0", allowRemote: true, speed: 0 });
  try {
    const res = await fetch(`http://127.0.0.1:${server.port}/healthz`, { signal: AbortSignal.timeout(20_000) });
    expect(res.status).toBe(200);
  } finally {
    await server.close();
  }
});

test("a served engine ticks in real time, scaled by speed", async () => {
  const engine = createEngine();
  const server = await startServer({ engine, token: generateToken(), speed: 200 }); // a tick every 5 ms
  try {
    const deadline = Date.now() + 20_000;
    while (engine.tick < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(engine.tick).toBeGreaterThanOrEqual(5);
  } finally {
    await server.close();
  }
  const stopped = engine.tick;
  await new Promise((r) => setTimeout(r, 50));
  expect(engine.tick).toBe(stopped);
});
