/**
 * Stock kubectl making its writes against a real `memplane serve` (an empty state, never ticking
 * on its own), with nothing but the kubeconfig `memplane kubeconfig --write` made (HTTPS, the
 * token, the server's certificate): `apply -f` of a directory (client-side, twice, kubectl's
 * validation on), `apply --server-side` with and without `--force-conflicts`, `patch --type
 * merge|json`, `label`, `annotate`, `describe` with the VM's events, `get -w` in memplane's
 * columns and `-o name`, and `delete`. Fails (not skips) without kubectl when `CI` is set.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT, exitOf, memplane, requireBuild, startServe, tempDir } from "../cli/cli-harness.js";
import { kubectlEnv, kubectlRuns, kubectlTest, runKubectl, spawnKubectl, warnIfSkipped, type KubectlResult } from "./kubectl-harness.js";
import { until } from "./server-harness.js";

warnIfSkipped("kubectl-writes.test.ts");

const SEED = path.join(ROOT, "manifests/examples/seed-story");
let state = "";
let env: NodeJS.ProcessEnv = {};
let serve: Awaited<ReturnType<typeof startServe>> | undefined;

const kubectl = (...args: string[]): Promise<KubectlResult> => runKubectl(args, env);

/** Advances the server's clock by `ticks` the way a user would: `memplane step --server`. */
async function step(ticks: number): Promise<void> {
  const stepped = await memplane(["step", "--server", serve!.url, "--token-file", path.join(state, "token"), "--ticks", String(ticks), "-q"]);
  expect(stepped).toMatchObject({ code: 0, stderr: "" });
}

beforeAll(async () => {
  if (!kubectlRuns()) return;
  requireBuild();
  let home: string;
  ({ state, dir: home } = tempDir());
  serve = await startServe(["--state", state, "--listen", "127.0.0.1:0", "--speed", "0"]);
  const written = await memplane(["kubeconfig", "--state", state, "--write"]);
  expect(written).toMatchObject({ code: 0, stderr: "" });
  const kubeconfig = written.stdout.trim();
  expect(fs.readFileSync(kubeconfig, "utf8")).toMatch(/server: https:\/\//);
  env = kubectlEnv(home, kubeconfig);
}, 30_000);

afterAll(async () => {
  if (serve === undefined) return;
  serve.child.kill("SIGTERM");
  expect(await exitOf(serve.child, 20_000)).toBe(0);
});

kubectlTest("apply -f creates, a second apply is accepted; patch, label, annotate change what they name", async () => {
  const first = await kubectl("apply", "-f", SEED);
  expect(first.stderr).toBe("");
  expect(first.stdout).toMatch(/host\.memplane\.io\/esx-01 created/);
  expect(first.stdout).toMatch(/virtualmachine\.memplane\.io\/app created/);
  const versions = async (): Promise<string> => (await kubectl("get", "hosts,vms", "-o", "jsonpath={.items[*].metadata.resourceVersion}")).stdout;
  const before = await versions();
  expect(before).toMatch(/^\d+( \d+){3}$/); // the host and the three VMs
  // the stored objects hold canonical quantities ("0", not 0; 10, not "10%"): kubectl patches again, and nothing changes
  const again = await kubectl("apply", "-f", SEED);
  expect(again).toMatchObject({ code: 0, stderr: "" });
  expect(again.stdout).toMatch(/virtualmachine\.memplane\.io\/app (configured|unchanged)/);
  expect(await versions()).toBe(before);
  const patched = await kubectl("patch", "vm", "app", "--type", "merge", "-p", '{"spec":{"memory":"3Gi"}}');
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

kubectlTest("apply --server-side: applied, then a conflict with kubectl-patch, then --force-conflicts", async () => {
  const ssa = await kubectl("apply", "--server-side", "-f", SEED);
  // the objects have no field owners yet (client-side apply and patches before any server-side apply record none): no conflict
  expect(ssa.code).toBe(0);
  expect(ssa.stdout).toMatch(/virtualmachine\.memplane\.io\/app serverside-applied/);
  expect((await kubectl("patch", "vm", "app", "--type", "merge", "-p", '{"spec":{"memory":"2Gi"}}')).code).toBe(0);
  const conflict = await kubectl("apply", "--server-side", "-f", SEED);
  expect(conflict.code).not.toBe(0);
  expect(conflict.stderr).toMatch(/conflict with "kubectl-patch".*\.spec\.memory/);
  expect((await kubectl("apply", "--server-side", "--force-conflicts", "-f", SEED)).code).toBe(0);
});

kubectlTest("describe vm app shows the VM, its conditions and its events once the clock has run", async () => {
  await step(5);
  const described = await kubectl("describe", "vm", "app");
  expect(described).toMatchObject({ code: 0, stderr: "" });
  expect(described.stdout).toMatch(/^Name:\s+app$/m);
  expect(described.stdout).toMatch(/^Kind:\s+VirtualMachine$/m);
  expect(described.stdout).toMatch(/^\s+Creation Timestamp:\s+2026-01-01T00:00:00Z$/m);
  expect(described.stdout).toMatch(/^\s+Host Name:\s+esx-01$/m);
  expect(described.stdout).toMatch(/^\s+Phase:\s+Running$/m);
  const events = described.stdout.slice(described.stdout.indexOf("\nEvents:"));
  expect(events).not.toMatch(/Events:\s+<none>/);
  expect(events).toMatch(/^\s+Type\s+Reason\s+Age\s+From\s+Message$/m);
  expect(events).toMatch(/^\s+Normal\s+Admitted\s+\S+\s+reservation\s+reservation 0 \+ overhead \S+ fit on esx-01$/m);
  // only app's own events (kubectl asks for involvedObject.name=app and its uid)
  expect(events).not.toMatch(/batch-/);
});

kubectlTest("get -w prints memplane's columns, then a row for each change; -o name streams names", async () => {
  const watch = spawnKubectl(["get", "vms", "-w"], env);
  const named = spawnKubectl(["get", "virtualmachines", "-w", "-o", "name"], env);
  try {
    await until(() => /^batch-2\s/m.test(watch.stdout()) && named.stdout().includes("virtualmachine.memplane.io/batch-1"), 15_000, "the initial lists");
    const lines = watch.stdout().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+HOST\s+PHASE\s+MEMORY\s+CONSUMED\s+BALLOON\s+SWAPPED\s+AGE$/);
    expect(lines[1]).toMatch(/^app\s+esx-01\s+Running\s+4\.00 GiB\s+\S+ \S*B\s+0 B\s+0 B\s+5s$/);
    const before = watch.stdout().length;
    const namedBefore = named.stdout().length;
    expect((await kubectl("patch", "vm", "batch-1", "--type", "merge", "-p", '{"spec":{"memory":"3Gi"}}')).code).toBe(0);
    await until(() => /^batch-1\s/m.test(watch.stdout().slice(before)) && named.stdout().slice(namedBefore).includes("virtualmachine.memplane.io/batch-1"), 15_000, "the watched change");
    expect(watch.stdout().slice(before)).toMatch(/^batch-1\s+esx-01\s+Running\s+3\.00 GiB\s/m);
    expect(watch.stderr() + named.stderr()).toBe("");
  } finally {
    watch.child.kill();
    named.child.kill();
  }
});

kubectlTest("delete removes and waits for the DELETED; the VM is NotFound afterwards", async () => {
  const deleted = await kubectl("delete", "virtualmachines", "batch-2");
  expect(deleted.stdout.trim()).toBe('virtualmachine.memplane.io "batch-2" deleted');
  expect((await kubectl("get", "virtualmachines", "batch-2")).stderr).toMatch(/NotFound|not found/);
  const app = await kubectl("delete", "vm", "app");
  expect(app).toMatchObject({ code: 0, stdout: 'virtualmachine.memplane.io "app" deleted\n' });
  const gone = await kubectl("get", "vm", "app");
  expect(gone.code).not.toBe(0);
  expect(gone.stderr).toMatch(/\(NotFound\).*"app" not found/);
  expect((await kubectl("get", "vms", "-o", "name")).stdout).toBe("virtualmachine.memplane.io/batch-1\n");
});
