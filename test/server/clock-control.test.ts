/**
 * Live demos (issue 18 item 9): pause, resume, re-speed and single-step a running server through
 * the API (`/clock`, `/clock/step`) and the built CLI (`memplane clock`, `memplane step --server`).
 */
import { createEngine } from "../../src/composition/create-engine.js";
import { startServer, type RunningServer } from "../../src/server/index.js";
import type { Engine } from "../../src/engine/engine.js";
import { memplane, requireBuild } from "../cli/cli-harness.js";
import { exampleText } from "../integration/scenario-harness.js";

const TOKEN = "clock-test-token-0123456789abcdef";
const env = { MEMPLANE_TOKEN: TOKEN };
let engine: Engine;
let server: RunningServer;
let saves = 0;

beforeAll(async () => {
  requireBuild();
  engine = createEngine({ seed: 1 });
  engine.apply(exampleText("seed-story"));
  server = await startServer({ engine, token: TOKEN, speed: 100, persist: () => void saves++ });
});

afterAll(async () => {
  await server.close();
});

const call = async (method: string, path: string, body?: unknown, token = TOKEN): Promise<{ code: number; json: any }> => {
  const res = await fetch(server.url + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  return { code: res.status, json: await res.json() };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the clock through the API", () => {
  test("paused, the clock stands still; stepped, it moves exactly that much and saves; resumed, it runs again", async () => {
    expect((await call("GET", "/clock")).json).toMatchObject({ kind: "Clock", speed: 100, paused: false, tickSeconds: 1 });
    const paused = await call("PATCH", "/clock", { paused: true });
    expect(paused).toMatchObject({ code: 200, json: { paused: true } });
    const at = engine.tick;
    await sleep(150);
    expect(engine.tick).toBe(at);
    const savesBefore = saves;
    const stepped = await call("POST", "/clock/step?ticks=30");
    expect(stepped.json).toMatchObject({ tick: at + 30, paused: true });
    expect(saves).toBe(savesBefore + 1);
    await call("PATCH", "/clock", { paused: false, speed: 200 });
    await sleep(200);
    expect(engine.tick).toBeGreaterThan(at + 30);
    await call("PATCH", "/clock", { paused: true });
  });

  test("bad changes are 400s that change nothing; the token is required", async () => {
    expect((await call("PATCH", "/clock", { speed: -1 })).json.message).toContain("speed must be 0");
    expect((await call("PATCH", "/clock", { paused: "yes" })).code).toBe(400);
    expect((await call("PATCH", "/clock", { pause: true })).json.message).toContain('unknown field "pause"');
    expect((await call("PATCH", "/clock", "{nope")).code).toBe(400);
    expect((await call("POST", "/clock/step?ticks=0")).code).toBe(400);
    expect((await call("POST", "/clock/step?ticks=1e9")).code).toBe(400);
    expect((await call("GET", "/clock/step")).code).toBe(405);
    expect((await call("GET", "/clock", undefined, "wrong-token")).code).toBe(401);
    expect((await call("GET", "/clock")).json).toMatchObject({ paused: true, speed: 200 });
  });
});

describe("the clock through the CLI", () => {
  test("memplane clock pause/status/speed/resume and memplane step --server walk a live demo", async () => {
    expect((await memplane(["clock", "pause", "--server", server.url], { env })).stdout).toMatch(/CLOCK\n\d+\s+\S+\s+1s\s+200x\s+paused\n$/);
    const at = engine.tick;
    const step = await memplane(["step", "--server", server.url, "--duration", "10m", "--log-format", "json"], { env });
    expect(step.code).toBe(0);
    expect(engine.tick).toBe(at + 600);
    const entries = step.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => e.tick > at && e.tick <= at + 600)).toBe(true);
    expect(step.stderr).toContain(`advanced 600 ticks on ${server.url} to tick ${at + 600}`);
    const json = JSON.parse((await memplane(["clock", "speed", "5", "-o", "json", "--server", server.url], { env })).stdout);
    expect(json).toMatchObject({ speed: 5, paused: true });
    const bad = await memplane(["clock", "speed", "fast", "--server", server.url], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("speed must be 0");
    expect((await memplane(["clock", "resume", "--server", server.url], { env })).stdout).toContain("running");
    expect((await memplane(["clock", "pause", "--server", server.url], { env })).code).toBe(0);
  });
});

describe("memplane logs --server", () => {
  test("sends the token like every other request and prints the server's log", async () => {
    const r = await memplane(["logs", "--server", server.url, "--action", "Admitted"], { env });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Admitted/);
    const denied = await memplane(["logs", "--server", server.url], { env: { MEMPLANE_TOKEN: "wrong-token-0123456789" } });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain("Error from server (Unauthorized)");
  });
});
