/**
 * The input-bound attacks of issue #19 sent to the API server as request bodies. The server reads
 * a body (at most 1 MiB) and hands it to the same bounded manifest reader as `apply -f`
 * (`parseBodyManifests`: the YAML/JSON text path, or `validateManifestObjects` for a JSON array),
 * so each must be answered 422 within 2 s of CPU with a bounded message, and the server must
 * answer the next request at once (a 1 MB unknown key used to stall it for 15 s). The server runs
 * in-process, so the CPU it spends on a request is measured with `process.cpuUsage`.
 */
import { createEngine } from "../../src/composition/create-engine.js";
import { startServer, type RunningServer } from "../../src/server/index.js";

const TOKEN = "t0k3n-for-tests-0123456789abcdef";
/** The promise: an answer within 2 s of CPU time. */
const MAX_CPU_MS = 2000;
/** The most a refusal's message may take: 20 errors and a count, each line bounded. */
const MAX_MESSAGE_BYTES = 64 * 1024;

const HOST = "apiVersion: memplane.io/v1alpha1\nkind: Host\nmetadata:\n  name: esx-01\nspec:\n  capacity: 8Gi\n";

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ engine: createEngine({ seed: 1 }), token: TOKEN, speed: 0, persist: () => undefined });
});

afterAll(async () => {
  await server.close();
});

async function post(path: string, body: string, contentType: string): Promise<{ code: number; json: { message?: string; reason?: string }; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const res = await fetch(server.url + path, {
    method: "POST",
    headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": contentType },
    body,
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  const used = process.cpuUsage(cpu);
  return { code: res.status, json: JSON.parse(text) as { message?: string }, cpuMs: (used.user + used.system) / 1000 };
}

const attacks: { name: string; body: string; type: string; contains: string }[] = [
  { name: "a 1 MB unknown key", body: `${HOST}  ${"k".repeat(1_000_000)}: 1\n`, type: "application/yaml", contains: 'request body:7:3 spec["kkkk' },
  {
    name: "40 unknown keys of 25 KB",
    body: HOST + Array.from({ length: 40 }, (_, i) => `  ${i.toString(36).padStart(2, "0")}${"k".repeat(25_000)}: 1\n`).join(""),
    type: "application/yaml",
    contains: "request body … and 20 more errors (only the first 20 are shown)",
  },
  { name: "250 000 empty documents", body: "---\n".repeat(250_000), type: "application/yaml", contains: "request body:50001:1 more than 50000 documents in one file" },
  {
    name: "a JSON array of 60 000 bad objects",
    body: `[${Array(60_000).fill('{"kind":"Hots"}').join(",")}]`,
    type: "application/json",
    contains: "request body … and 119980 more errors",
  },
];

test.each(attacks)("POST /apply with $name: 422 within 2 s of CPU, a bounded message, and the server answers at once", async ({ body, type, contains }) => {
  expect(Buffer.byteLength(body)).toBeLessThanOrEqual(1024 * 1024); // under the body limit: the reader must cope
  const r = await post("/apply", body, type);
  expect(r.code).toBe(422);
  expect(r.json.message).toContain(contains);
  expect(Buffer.byteLength(r.json.message ?? "")).toBeLessThan(MAX_MESSAGE_BYTES);
  expect(r.cpuMs).toBeLessThan(MAX_CPU_MS);
  const start = Date.now();
  const health = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
  expect(health.status).toBe(200);
  expect(Date.now() - start).toBeLessThan(5_000);
});
