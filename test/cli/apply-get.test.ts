/** validate / apply / get / delete round trips through the built binary, on a temp state directory. */
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { FIXTURES, memplane, requireBuild, STACK_LINE, tempDir } from "./cli-harness.js";

const CLUSTER = path.join(FIXTURES, "cluster");
const EDITED = path.join(FIXTURES, "web-1-edited.yaml");
const INVALID = path.join(FIXTURES, "invalid-vm.yaml");

requireBuild();

/** A state directory with the fixture cluster applied. */
async function appliedState(): Promise<string> {
  const { state } = tempDir();
  const r = await memplane(["apply", "-f", CLUSTER, "--state", state]);
  expect(r.code).toBe(0);
  return state;
}

describe("validate", () => {
  test.concurrent("valid manifests: N documents valid, exit 0, nothing saved", async () => {
    const { dir } = tempDir();
    const r = await memplane(["validate", "-f", CLUSTER], { cwd: dir });
    expect(r).toMatchObject({ code: 0, stdout: "4 documents valid\n" });
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test.concurrent("reads stdin with -f -", async () => {
    const r = await memplane(["validate", "-f", "-"], { stdin: fs.readFileSync(EDITED, "utf8") });
    expect(r).toMatchObject({ code: 0, stdout: "1 document valid\n" });
  });

  test.concurrent("an invalid manifest: exit 1, message names file, line and field", async () => {
    const r = await memplane(["validate", "-f", INVALID]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*invalid-vm\.yaml:8:\d+ spec\.reservation: /m);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });
});

describe("apply", () => {
  test.concurrent("prints created, then unchanged on re-apply, then configured after an edit", async () => {
    const { state } = tempDir();
    const first = await memplane(["apply", "-f", CLUSTER, "--state", state]);
    expect(first.code).toBe(0);
    expect(first.stdout.split("\n").filter(Boolean).sort()).toEqual(
      ["host/esx-01 created", "virtualmachine/db-1 created", "virtualmachine/web-1 created", "virtualmachine/web-2 created"].sort(),
    );
    const again = await memplane(["apply", "-f", CLUSTER, "--state", state]);
    expect(again.stdout).toContain("virtualmachine/web-1 unchanged");
    expect(again.stdout).toContain("host/esx-01 unchanged");
    const edited = await memplane(["apply", "-f", EDITED, "--state", state]);
    expect(edited).toMatchObject({ code: 0, stdout: "virtualmachine/web-1 configured\n" });
  });

  test.concurrent("--dry-run reports what would happen and saves nothing", async () => {
    const { state } = tempDir();
    const r = await memplane(["apply", "-f", CLUSTER, "--dry-run", "--state", state]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("host/esx-01 created (dry run)");
    expect(fs.existsSync(state)).toBe(false);
    const applied = await appliedState();
    const before = fs.readFileSync(path.join(applied, "state.json"), "utf8");
    const dry = await memplane(["apply", "-f", EDITED, "--dry-run", "--state", applied]);
    expect(dry.stdout).toBe("virtualmachine/web-1 configured (dry run)\n");
    expect(fs.readFileSync(path.join(applied, "state.json"), "utf8")).toBe(before);
  });

  test.concurrent("an empty directory is an error, not a silent success", async () => {
    const { dir, state } = tempDir();
    const r = await memplane(["apply", "-f", dir, "--state", state]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no objects passed to apply");
  });

  test.concurrent("all-or-nothing: one invalid document applies nothing (exit 1)", async () => {
    const { state } = tempDir();
    const r = await memplane(["apply", "-f", CLUSTER, "-f", INVALID, "--state", state]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("spec.reservation");
    const [hosts, vms] = await Promise.all([
      memplane(["get", "hosts", "--state", state]),
      memplane(["get", "vms", "-A", "--state", state]),
    ]);
    expect(hosts.stderr).toContain("No resources found");
    expect(vms.stderr).toContain("No resources found");
  });
});

describe("get", () => {
  // One applied state shared by the read-only tests below (they run concurrently).
  let shared: Promise<string> | undefined;
  const sharedState = (): Promise<string> => (shared ??= appliedState());

  test.concurrent("a missing state directory is an empty simulation and is not created", async () => {
    const { state: none } = tempDir();
    const r = await memplane(["get", "vms", "--state", none]);
    expect(r).toMatchObject({ code: 0, stdout: "" });
    expect(r.stderr).toBe("No resources found in default namespace.\n");
    expect(fs.existsSync(none)).toBe(false);
  });

  test.concurrent("hosts table has kubectl-like columns", async () => {
    const state = await sharedState();
    const r = await memplane(["get", "hosts", "--state", state]);
    expect(r.code).toBe(0);
    const [header, row] = r.stdout.split("\n");
    expect(header!.split(/\s{2,}/)).toEqual(["NAME", "CAPACITY", "STATE", "FREE", "MINFREE", "OVERCOMMIT", "VMS", "AGE"]);
    expect(row).toMatch(/^esx-01\s+8\.00 GiB\s/);
  });

  test.concurrent("vms: default namespace only; -n picks one; -A adds NAMESPACE", async () => {
    const state = await sharedState();
    const [def, prod, all] = await Promise.all([
      memplane(["get", "vms", "--state", state]),
      memplane(["get", "virtualmachines", "-n", "prod", "--state", state]),
      memplane(["get", "vm", "-A", "--state", state]),
    ]);
    const names = (out: string): string[] => out.split("\n").slice(1).filter(Boolean).map((l) => l.split(/\s+/)[0]!);
    expect(def.stdout.split("\n")[0]!.split(/\s{2,}/)).toEqual(["NAME", "HOST", "PHASE", "MEMORY", "CONSUMED", "BALLOON", "SWAPPED", "AGE"]);
    expect(names(def.stdout)).toEqual(["web-1", "web-2"]);
    expect(names(prod.stdout)).toEqual(["db-1"]);
    expect(all.stdout.split("\n")[0]).toMatch(/^NAMESPACE\s+NAME\s+HOST/);
    expect(names(all.stdout)).toEqual(["default", "default", "prod"]);
  });

  test.concurrent("-o wide adds ENTITLEMENT, ACTIVE, COMPRESSED", async () => {
    const state = await sharedState();
    const r = await memplane(["get", "vms", "-o", "wide", "--state", state]);
    expect(r.stdout.split("\n")[0]).toMatch(/AGE\s+ENTITLEMENT\s+ACTIVE\s+COMPRESSED/);
  });

  test.concurrent("-o json of a list is a v1 List; of one object, the object", async () => {
    const state = await sharedState();
    const [list, one] = await Promise.all([
      memplane(["get", "vms", "-A", "-o", "json", "--state", state]),
      memplane(["get", "vm", "web-1", "-o", "json", "--state", state]),
    ]);
    const parsed = JSON.parse(list.stdout);
    expect(parsed.apiVersion).toBe("v1");
    expect(parsed.kind).toBe("List");
    expect(parsed.items.map((o: { metadata: { name: string } }) => o.metadata.name)).toEqual(["web-1", "web-2", "db-1"]);
    const object = JSON.parse(one.stdout);
    expect(object).toMatchObject({ apiVersion: "memplane.io/v1alpha1", kind: "VirtualMachine", metadata: { name: "web-1", namespace: "default" } });
    expect(object.spec.memory).toBe("2Gi");
    expect(Object.keys(object)).toEqual([...Object.keys(object)].sort());
  });

  test.concurrent("-o yaml prints the same data as YAML", async () => {
    const state = await sharedState();
    const [asYaml, asJson] = await Promise.all([
      memplane(["get", "host", "esx-01", "-o", "yaml", "--state", state]),
      memplane(["get", "host", "esx-01", "-o", "json", "--state", state]),
    ]);
    expect(asYaml.stdout.startsWith("apiVersion: memplane.io/v1alpha1\nkind: Host\n")).toBe(true);
    expect(yaml.load(asYaml.stdout)).toEqual(JSON.parse(asJson.stdout));
  });

  test.concurrent("-l selects by label, -o name prints kind/name", async () => {
    const state = await sharedState();
    const [web, notWeb, byName] = await Promise.all([
      memplane(["get", "vms", "-A", "-l", "app=web", "-o", "name", "--state", state]),
      memplane(["get", "vms", "-A", "-l", "app!=web", "-o", "name", "--state", state]),
      memplane(["get", "vms", "-A", "-l", "app in (db,cache)", "-o", "name", "--state", state]),
    ]);
    expect(web.stdout).toBe("virtualmachine/web-1\nvirtualmachine/web-2\n");
    expect(notWeb.stdout).toBe("virtualmachine/db-1\n");
    expect(byName.stdout).toBe("virtualmachine/db-1\n");
  });

  test.concurrent("a bad selector is exit 1 with a message, not a stack", async () => {
    const state = await sharedState();
    const r = await memplane(["get", "vms", "-l", "app in web", "--state", state]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: /);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  test.concurrent("NotFound is kubectl's message and exit 1", async () => {
    const state = await sharedState();
    const [vm, host] = await Promise.all([
      memplane(["get", "vm", "nope", "--state", state]),
      memplane(["get", "hosts", "esx-99", "--state", state]),
    ]);
    expect(vm.code).toBe(1);
    expect(vm.stderr).toBe('Error from server (NotFound): virtualmachines "nope" not found in namespace "default"\n');
    expect(host.stderr).toBe('Error from server (NotFound): hosts "esx-99" not found\n');
  });

  test.concurrent("an unknown kind is a usage error (exit 2) and lists the known kinds", async () => {
    const state = await sharedState();
    const r = await memplane(["get", "pods", "--state", state]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('resource type "pods"');
    expect(r.stderr).toContain("virtualmachines (vm, vms)");
  });

  test.concurrent("guestosprofiles include the built-in profiles", async () => {
    const state = await sharedState();
    const r = await memplane(["get", "os", "-o", "name", "--state", state]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("guestosprofile/rhel7\n");
    expect(r.stdout).toContain("guestosprofile/other\n");
  });
});

describe("delete", () => {
  test.concurrent("KIND NAME deletes; a second delete is NotFound unless --ignore-not-found", async () => {
    const state = await appliedState();
    const first = await memplane(["delete", "vm", "web-1", "--state", state]);
    expect(first).toMatchObject({ code: 0, stdout: "virtualmachine/web-1 deleted\n" });
    const [again, ignored] = await Promise.all([
      memplane(["delete", "vm", "web-1", "--state", state]),
      memplane(["delete", "vm", "web-1", "--ignore-not-found", "--state", state]),
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('Error from server (NotFound): virtualmachines "web-1" not found');
    expect(ignored).toMatchObject({ code: 0, stdout: "" });
    const left = await memplane(["get", "vms", "-A", "-o", "name", "--state", state]);
    expect(left.stdout).toBe("virtualmachine/web-2\nvirtualmachine/db-1\n");
  });

  test.concurrent("-f deletes every object in the manifests", async () => {
    const state = await appliedState();
    const r = await memplane(["delete", "-f", CLUSTER, "--state", state]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("host/esx-01 deleted");
    expect(r.stdout).toContain("virtualmachine/db-1 deleted");
    const left = await memplane(["get", "vms", "-A", "--state", state]);
    expect(left.stderr).toContain("No resources found");
  });

  test.concurrent("needs -f or KIND NAME (usage error)", async () => {
    const r = await memplane(["delete", "vm"]);
    expect(r.code).toBe(2);
  });
});
