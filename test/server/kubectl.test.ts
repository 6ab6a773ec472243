/**
 * Stock kubectl against `memplane serve`, with nothing but the kubeconfig `memplane kubeconfig`
 * writes: discovery (`api-resources`), OpenAPI (`explain`), and that memplane's own `--server`
 * client keeps working next to it. Fails (not skips) without kubectl when `CI` is set
 * (test/helpers/find-kubectl.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT, exitOf, memplane, requireBuild, startServe, tempDir } from "../cli/cli-harness.js";
import { kubectlEnv, kubectlRuns, kubectlTest, runKubectl, warnIfSkipped, type KubectlResult } from "./kubectl-harness.js";

warnIfSkipped("kubectl.test.ts");

let state = "";
let home = "";
let kubeconfig = "";
let serve: Awaited<ReturnType<typeof startServe>> | undefined;

/** Runs kubectl with the kubeconfig `memplane kubeconfig --write` made (or `config`), a private HOME (its discovery cache). */
function kubectl(args: readonly string[], config = kubeconfig): Promise<KubectlResult> {
  return runKubectl(args, kubectlEnv(home, config));
}

beforeAll(async () => {
  if (!kubectlRuns()) return;
  requireBuild();
  ({ state, dir: home } = tempDir());
  const applied = await memplane(["apply", "--state", state, "-f", path.join(ROOT, "manifests/examples/seed-story")]);
  expect(applied.code).toBe(0);
  expect((await memplane(["step", "--state", state, "--ticks", "90"])).code).toBe(0);
  serve = await startServe(["--state", state, "--listen", "127.0.0.1:0", "--speed", "0"]);
  const written = await memplane(["kubeconfig", "--state", state, "--write"]);
  expect(written).toMatchObject({ code: 0, stderr: "" });
  kubeconfig = written.stdout.trim();
}, 60_000);

afterAll(async () => {
  if (serve === undefined) return;
  serve.child.kill("SIGTERM");
  expect(await exitOf(serve.child, 20_000)).toBe(0);
  expect(fs.existsSync(path.join(state, "serve.json"))).toBe(false);
});

kubectlTest("memplane kubeconfig writes a 0600 kubeconfig for the server's HTTPS URL, named after the state; without --write it prints it", async () => {
  expect(kubeconfig).toBe(path.join(state, "kubeconfig"));
  expect(fs.statSync(kubeconfig).mode & 0o777).toBe(0o600);
  const text = fs.readFileSync(kubeconfig, "utf8");
  const token = fs.readFileSync(path.join(state, "token"), "utf8").trim();
  expect(text).toContain(`token: ${token}`);
  expect(text).toMatch(/server: https:\/\/127\.0\.0\.1:\d+/);
  expect(text).toContain("current-context: memplane-state");
  expect(text).toContain("certificate-authority-data: ");
  const printed = await memplane(["kubeconfig", "--state", state]);
  expect(printed).toMatchObject({ code: 0, stdout: text });
  const view = await kubectl(["config", "view", "--minify", "-o", "jsonpath={.contexts[0].context.namespace}"]);
  expect(view).toMatchObject({ code: 0, stdout: "default" });
});

kubectlTest("kubectl api-resources lists memplane's kinds with short names, scope, verbs and categories", async () => {
  const plain = await kubectl(["api-resources"]);
  expect(plain.code).toBe(0);
  expect(plain.stdout).toMatch(/^virtualmachines\s+vm,vms\s+memplane\.io\/v1alpha1\s+true\s+VirtualMachine$/m);
  expect(plain.stdout).toMatch(/^guestosprofiles\s+os\s+memplane\.io\/v1alpha1\s+false\s+GuestOSProfile$/m);
  expect(plain.stdout).toMatch(/^hosts\s+memplane\.io\/v1alpha1\s+false\s+Host$/m);
  expect(plain.stdout).toMatch(/^events\s+ev\s+v1\s+true\s+Event$/m);
  const wide = await kubectl(["api-resources", "-o", "wide", "--api-group", "memplane.io"]);
  expect(wide.stdout).toMatch(/^virtualmachines\s+vm,vms\s+memplane\.io\/v1alpha1\s+true\s+VirtualMachine\s+create,delete,get,list,patch,update,watch\s+memplane$/m);
  const category = await kubectl(["api-resources", "--categories", "memplane", "-o", "name"]);
  expect(category.stdout.split("\n").filter((l) => l !== "").sort()).toEqual(["guestosprofiles.memplane.io", "hosts.memplane.io", "scenarios.memplane.io", "virtualmachines.memplane.io"]);
  const raw = JSON.parse((await kubectl(["get", "--raw", "/apis/memplane.io/v1alpha1"])).stdout);
  expect(raw.resources.find((r: { name: string }) => r.name === "virtualmachines/status")).toMatchObject({ kind: "VirtualMachine", namespaced: true });
});

kubectlTest("kubectl explain prints the schemas' field documentation", async () => {
  const spec = await kubectl(["explain", "vm.spec"]);
  expect(spec.code).toBe(0);
  expect(spec.stdout).toContain("KIND:       VirtualMachine");
  expect(spec.stdout).toMatch(/DESCRIPTION:\n\s+Desired state of the VirtualMachine: what you declare and apply\./);
  expect(spec.stdout).toMatch(/hostName\s+<string> -required-/);
  expect(spec.stdout).toMatch(/memory\s+<Quantity> -required-/);
  expect(spec.stdout).toMatch(/reservation\s+<Quantity>\n\s+Guaranteed memory/);
  const field = await kubectl(["explain", "vm.spec.reservation"]);
  expect(field.stdout).toMatch(/FIELD: reservation <Quantity>/);
  expect(field.stdout).toContain("never reclaimed by ballooning, compression or");
  const host = await kubectl(["explain", "hosts.spec.capacity"]);
  expect(host.stdout).toContain("Physical memory of the host.");
});

kubectlTest("kubectl get prints memplane get's columns from the server's Table: default, -o wide, -A, one object", async () => {
  const env = { MEMPLANE_SERVER: serve!.url };
  for (const args of [["get", "vms"], ["get", "vms", "-o", "wide"], ["get", "vms", "-A"], ["get", "hosts", "-o", "wide"], ["get", "vm", "app"], ["get", "os"]]) {
    const [ours, theirs] = await Promise.all([memplane([...args, "--state", state], { env }), kubectl(args)]);
    expect(ours.code).toBe(0);
    expect(theirs).toEqual({ code: 0, stdout: ours.stdout, stderr: "" });
  }
  const wide = await kubectl(["get", "vms", "-o", "wide"]);
  expect(wide.stdout.split("\n")[0]).toMatch(/^NAME\s+HOST\s+PHASE\s+MEMORY\s+CONSUMED\s+BALLOON\s+SWAPPED\s+AGE\s+ENTITLEMENT\s+ACTIVE\s+COMPRESSED\s+SHARED\s+OVERHEAD\s+RESERVATION\s+LIMIT\s+SHARES\s+GUESTOS$/);
  expect(wide.stdout).toMatch(/^app\s+esx-01\s+Running\s+4\.00 GiB\s/m);
});

kubectlTest("kubectl get -o yaml shows RFC 3339 timestamps: simulated time from the default epoch", async () => {
  const vm = await kubectl(["get", "vm", "app", "-o", "yaml"]);
  expect(vm.code).toBe(0);
  expect(vm.stdout).toContain('creationTimestamp: "2026-01-01T00:00:00Z"');
  const transitions = [...vm.stdout.matchAll(/lastTransitionTime: "([^"]+)"/g)].map((m) => m[1]);
  expect(transitions.length).toBeGreaterThan(0);
  for (const t of transitions) expect(t).toMatch(/^2026-01-01T00:0[01]:\d\dZ$/);
  const events = await kubectl(["get", "events", "-o", "jsonpath={range .items[*]}{.lastTimestamp}{'\\n'}{end}"]);
  const times = events.stdout.split("\n").filter((l) => l !== "");
  expect(times.length).toBeGreaterThan(0);
  for (const t of times) expect(t).toMatch(/^2026-01-01T00:0[01]:\d\dZ$/);
  const list = JSON.parse((await kubectl(["get", "vms", "-o", "json"])).stdout);
  for (const item of list.items) expect(Date.parse(item.metadata.creationTimestamp)).toBe(Date.UTC(2026, 0, 1));
});

kubectlTest("the token is still required: a kubeconfig without it is Unauthorized, and plain HTTP carries memplane's own client", async () => {
  const stripped = path.join(home, "no-token.kubeconfig");
  fs.writeFileSync(stripped, fs.readFileSync(kubeconfig, "utf8").replace(/token: \S+/, "token: wrong-token-0123456789"), { mode: 0o600 });
  const denied = await kubectl(["get", "vms"], stripped);
  expect(denied.code).not.toBe(0);
  expect(denied.stderr).toMatch(/Unauthorized|must be logged in/);
  const own = await memplane(["get", "vms", "--server", serve!.url, "--state", state]);
  expect(own.code).toBe(0);
  expect(own.stdout).toMatch(/^NAME\s+HOST\s+PHASE/);
  expect(own.stdout).toMatch(/^app\s/m);
});
