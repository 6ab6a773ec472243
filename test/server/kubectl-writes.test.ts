/**
 * Stock kubectl (the machine's /usr/bin/kubectl, or `kubectl` on PATH) making its writes against
 * an in-process server: `apply -f` (client-side, twice), `apply --server-side` with and without
 * `--force-conflicts`, `patch --type merge|json`, `label`, `annotate`, `delete`, and `get -w`.
 *
 * kubectl needs discovery (`/api`, `/apis`, …) before anything else. Until the server answers it
 * itself, a small stub in front of the server answers those paths (from the server's own
 * APIResourceList) and passes everything else through, so these tests check memplane's answers
 * to kubectl's real requests. The stub also sets the bearer token, which this kubectl does not
 * send over plain http. Without kubectl the tests are skipped — and fail when `CI` is set.
 */
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { createEngine } from "../../src/composition/create-engine.js";
import { startServer, type RunningServer } from "../../src/server/index.js";
import { TEST_TOKEN, until } from "./server-harness.js";

function findKubectl(): string | undefined {
  for (const dir of ["/usr/bin", ...(process.env.PATH ?? "").split(path.delimiter)]) {
    const file = path.join(dir, "kubectl");
    if (dir !== "" && fs.existsSync(file)) return file;
  }
  return undefined;
}
const KUBECTL = findKubectl();
if (KUBECTL === undefined && process.env.CI) throw new Error("kubectl is missing, and CI is set: install kubectl (Debian: kubernetes-client)");
const maybe = KUBECTL === undefined ? describe.skip : describe;

let server: RunningServer;
let stub: http.Server;
let dir: string;
let env: NodeJS.ProcessEnv;
const SEED = path.resolve("manifests/examples/seed-story/cluster.yaml");

/** Answers kubectl's discovery paths the server does not (yet) answer; passes the rest through with the token. */
function discoveryStub(target: RunningServer): http.Server {
  const core = { kind: "APIResourceList", apiVersion: "v1", groupVersion: "v1", resources: [{ name: "events", singularName: "event", namespaced: true, kind: "Event", verbs: ["delete", "get", "list", "watch"] }] };
  const fixed: Record<string, object> = {
    "/api": { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] },
    "/apis": { kind: "APIGroupList", apiVersion: "v1", groups: [{ name: "memplane.io", versions: [{ groupVersion: "memplane.io/v1alpha1", version: "v1alpha1" }], preferredVersion: { groupVersion: "memplane.io/v1alpha1", version: "v1alpha1" } }] },
    "/version": { major: "1", minor: "32", gitVersion: "v1.32.0" },
  };
  return http.createServer((req, res) => {
    const p = (req.url ?? "/").split("?")[0]!;
    const forward = (fallback?: object, rewrite?: (body: any) => object): void => {
      const up = http.request(target.url + req.url, { method: req.method, headers: { ...req.headers, host: `127.0.0.1:${target.port}`, authorization: `Bearer ${TEST_TOKEN}` } }, (r) => {
        if (((r.statusCode ?? 500) >= 400 && fallback) || rewrite) {
          let body = "";
          r.on("data", (d: Buffer) => (body += d.toString()));
          r.on("end", () => {
            const answer = (r.statusCode ?? 500) >= 400 ? fallback! : rewrite!(JSON.parse(body));
            res.writeHead(200, { "Content-Type": "application/json" });
            res.end(JSON.stringify(answer));
          });
          return;
        }
        res.writeHead(r.statusCode ?? 500, r.headers);
        r.pipe(res);
      });
      up.on("error", () => res.destroy());
      req.pipe(up);
    };
    if (p.startsWith("/openapi")) {
      res.writeHead(404).end();
    } else if (p in fixed) forward(fixed[p]);
    else if (p === "/api/v1") forward(core);
    else if (p === "/apis/memplane.io/v1alpha1") {
      // until discovery lists them, add the verbs kubectl looks for
      forward(undefined, (list) => ({ ...list, resources: list.resources.map((r: any) => ({ ...r, verbs: [...new Set([...r.verbs, "patch"])] })) }));
    } else forward();
  });
}

function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(KUBECTL!, args, { env, timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

maybe("kubectl against memplane serve", () => {
  beforeAll(async () => {
    const engine = createEngine({ seed: 1 });
    server = await startServer({ engine, token: TEST_TOKEN, speed: 0 });
    stub = discoveryStub(server);
    await new Promise<void>((r) => stub.listen(0, "127.0.0.1", r));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "memplane-kubectl-"));
    const kubeconfig = path.join(dir, "kubeconfig");
    const url = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
    fs.writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters: [{name: m, cluster: {server: "${url}"}}]\nusers: [{name: m, user: {token: "${TEST_TOKEN}"}}]\ncontexts: [{name: m, context: {cluster: m, user: m, namespace: default}}]\ncurrent-context: m\n`,
      { mode: 0o600 },
    );
    env = { ...process.env, KUBECONFIG: kubeconfig, HOME: dir };
  });

  afterAll(async () => {
    stub?.close();
    await server?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test("apply -f creates, a second apply is accepted; patch, label, annotate change what they name", async () => {
    const first = await kubectl("apply", "--validate=false", "-f", SEED);
    expect(first.stderr).toBe("");
    expect(first.stdout).toMatch(/host\.memplane\.io\/esx-01 created/);
    expect(first.stdout).toMatch(/virtualmachine\.memplane\.io\/app created/);
    expect((await kubectl("apply", "--validate=false", "-f", SEED)).code).toBe(0);
    const patched = await kubectl("patch", "virtualmachines", "app", "--type", "merge", "-p", '{"spec":{"memory":"3Gi"}}');
    expect(patched.stdout.trim()).toBe("virtualmachine.memplane.io/app patched");
    const json = await kubectl("patch", "virtualmachines", "app", "--type", "json", "-p", '[{"op":"replace","path":"/spec/memory","value":"4Gi"}]');
    expect(json.code).toBe(0);
    const strategic = await kubectl("patch", "virtualmachines", "app", "-p", '{"spec":{"memory":"3Gi"}}');
    expect(strategic.code).not.toBe(0);
    expect(strategic.stderr).toMatch(/merge-patch/);
    expect((await kubectl("label", "virtualmachines", "app", "tier=front")).stdout.trim()).toBe("virtualmachine.memplane.io/app labeled");
    expect((await kubectl("annotate", "virtualmachines", "app", "owner=ops")).stdout.trim()).toBe("virtualmachine.memplane.io/app annotated");
    const got = JSON.parse((await kubectl("get", "--raw", "/apis/memplane.io/v1alpha1/namespaces/default/virtualmachines/app")).stdout);
    expect(got.spec.memory).toBe("4Gi");
    expect(got.metadata.labels.tier).toBe("front");
    expect(got.metadata.annotations.owner).toBe("ops");
    expect(got.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]).toBeDefined();
  });

  test("apply --server-side: applied, then a conflict with kubectl-patch, then --force-conflicts", async () => {
    const ssa = await kubectl("apply", "--server-side", "--validate=false", "-f", SEED);
    // the objects have no field owners yet (client-side apply and patches before any server-side apply record none): no conflict
    expect(ssa.code).toBe(0);
    expect(ssa.stdout).toMatch(/virtualmachine\.memplane\.io\/app serverside-applied/);
    expect((await kubectl("patch", "virtualmachines", "app", "--type", "merge", "-p", '{"spec":{"memory":"2Gi"}}')).code).toBe(0);
    const conflict = await kubectl("apply", "--server-side", "--validate=false", "-f", SEED);
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toMatch(/conflict with "kubectl-patch".*\.spec\.memory/);
    expect((await kubectl("apply", "--server-side", "--force-conflicts", "--validate=false", "-f", SEED)).code).toBe(0);
  });

  test("get -w streams a change; delete removes and waits for the DELETED", async () => {
    const child = spawn(KUBECTL!, ["get", "virtualmachines", "-w", "-o", "name"], { env });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    try {
      await until(() => out.includes("virtualmachine.memplane.io/batch-1"), 20_000, "the initial list");
      const before = out.length;
      expect((await kubectl("label", "virtualmachines", "batch-1", "seen=yes")).code).toBe(0);
      await until(() => out.slice(before).includes("virtualmachine.memplane.io/batch-1"), 20_000, "the watched change");
    } finally {
      child.kill();
    }
    const deleted = await kubectl("delete", "virtualmachines", "batch-2");
    expect(deleted.stdout.trim()).toBe('virtualmachine.memplane.io "batch-2" deleted');
    expect((await kubectl("get", "virtualmachines", "batch-2")).stderr).toMatch(/NotFound|not found/);
  });
});
