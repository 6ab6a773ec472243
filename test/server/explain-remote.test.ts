/**
 * `memplane explain` through a live server: the /explain route in-process over real HTTP, and
 * the built CLI's `explain --server` against it (issue 8: explain works on saved state and
 * through --server).
 */
import { type Engine } from "../../src/engine/engine.js";
import { createEngine } from "../../src/composition/create-engine.js";
import { startServer, type RunningServer } from "../../src/server/index.js";
import { memplane, requireBuild } from "../cli/cli-harness.js";
import { exampleText } from "../integration/scenario-harness.js";

const TOKEN = "explain-test-token-0123456789";
let engine: Engine;
let server: RunningServer;

beforeAll(async () => {
  requireBuild();
  engine = createEngine({ seed: 1 });
  engine.apply(exampleText("balloon-floor"));
  engine.step(300);
  server = await startServer({ engine, token: TOKEN, speed: 0, persist: () => undefined });
});

afterAll(async () => {
  await server.close();
});

const get = async (path: string): Promise<{ code: number; json: any }> => {
  const res = await fetch(server.url + path, { headers: { Authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(20_000) });
  return { code: res.status, json: await res.json() };
};

describe("explain through the server", () => {
  it("GET /explain names the binding balloon cap with the numbers", async () => {
    const r = await get("/explain/namespaces/default/virtualmachines/rhel-small");
    expect(r.code).toBe(200);
    expect(r.json.kind).toBe("Explanation");
    expect(r.json.text).toContain("496");
    expect(r.json.records.some((x: any) => x.type === "balloon" && x.binding === "osFloor")).toBe(true);
  });

  it("hosts, unknown objects and bad ticks answer like Kubernetes", async () => {
    expect((await get("/explain/hosts/tiny")).code).toBe(200);
    const missing = await get("/explain/namespaces/default/virtualmachines/nope");
    expect(missing).toMatchObject({ code: 404, json: { kind: "Status", reason: "NotFound" } });
    expect((await get("/explain/hosts/tiny?tick=-3")).code).toBe(400);
  });

  it("memplane explain --server prints the same explanation as the library", async () => {
    const env = { MEMPLANE_TOKEN: TOKEN };
    const text = await memplane(["explain", "vm/rhel-small", "--server", server.url], { env });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("496");
    const json = await memplane(["explain", "host/tiny", "--server", server.url, "-o", "json"], { env });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).text).toContain("tiny");
    const missing = await memplane(["explain", "vm/nope", "--server", server.url], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("NotFound");
  });
});
