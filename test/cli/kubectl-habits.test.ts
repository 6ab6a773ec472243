/**
 * kubectl habits through the built binary (issue 18 item 8): `get` with several names and
 * KIND/NAME, `--sort-by`, `get -w`, `logs --since/--action/--controller`, the status hint after
 * `apply`, `report`'s default file, `run`'s summary of a big apply, unknown kinds exit 2.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { BIN, FIXTURES, ROOT, STACK_LINE, exitOf, memplane, requireBuild, tempDir } from "./cli-harness.js";

requireBuild();

const CLUSTER = path.join(FIXTURES, "cluster");
const OVERCOMMIT = path.join(FIXTURES, "overcommit.yaml");

/** A state directory with `files` applied and `ticks` stepped. */
async function stateWith(files: string, ticks: number): Promise<string> {
  const { state } = tempDir();
  expect((await memplane(["apply", "-f", files, "--state", state])).code).toBe(0);
  if (ticks > 0) expect((await memplane(["step", "--ticks", String(ticks), "-q", "--state", state])).code).toBe(0);
  return state;
}

/** The NAME column of a table. */
const names = (table: string): string[] =>
  table
    .trimEnd()
    .split("\n")
    .slice(1)
    .map((l) => l.split(/\s+/)[0]!);

describe("get with several names", () => {
  let state: string;
  beforeAll(async () => {
    state = await stateWith(CLUSTER, 5);
  });

  test.concurrent("KIND NAME NAME: one table with those rows, in the order asked", async () => {
    const r = await memplane(["get", "vms", "web-2", "web-1", "--state", state]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toMatch(/^NAME\s+HOST\s+PHASE/);
    expect(names(r.stdout)).toEqual(["web-2", "web-1"]);
  });

  test.concurrent("KIND/NAME KIND/NAME: a table per kind; -o json is a List of both", async () => {
    const r = await memplane(["get", "vm/web-1", "host/esx-01", "--state", state]);
    expect(r.code).toBe(0);
    const [vms, hosts] = r.stdout.split("\n\n");
    expect(names(vms!)).toEqual(["web-1"]);
    expect(hosts).toMatch(/^NAME\s+CAPACITY\s+STATE/);
    expect(names(hosts!)).toEqual(["esx-01"]);
    const json = await memplane(["get", "vm/web-1", "host/esx-01", "-o", "json", "--state", state]);
    expect(JSON.parse(json.stdout).items.map((o: { kind: string }) => o.kind)).toEqual(["VirtualMachine", "Host"]);
    const one = await memplane(["get", "vm/web-1", "-o", "json", "--state", state]);
    expect(JSON.parse(one.stdout)).toMatchObject({ kind: "VirtualMachine", metadata: { name: "web-1" } });
  });

  test.concurrent("a missing name: the others are printed, then NotFound, exit 1", async () => {
    const r = await memplane(["get", "vms", "web-1", "nope", "--state", state]);
    expect(r.code).toBe(1);
    expect(names(r.stdout)).toEqual(["web-1"]);
    expect(r.stderr).toBe('Error from server (NotFound): virtualmachines "nope" not found in namespace "default"\n');
  });

  test.concurrent("mixing KIND NAME with KIND/NAME, or a bad KIND/NAME, is a usage error", async () => {
    const [mixed, bad] = await Promise.all([memplane(["get", "vm", "web-1", "host/esx-01", "--state", state]), memplane(["get", "vm/", "--state", state])]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain("KIND/NAME form");
    expect(bad.code).toBe(2);
    expect(bad.stderr + mixed.stderr).not.toMatch(STACK_LINE);
  });

  test.concurrent("--sort-by a field path sorts ascending, quantities as numbers; a top column largest first", async () => {
    const sorted = (key: string) => memplane(["get", "vms", "-A", "--sort-by", key, "-o", "name", "--state", state]).then((r) => r.stdout);
    const [plain, byName, braced, byConsumed, byCnsm] = await Promise.all([
      memplane(["get", "vms", "-A", "-o", "name", "--state", state]).then((r) => r.stdout),
      sorted(".metadata.name"),
      sorted("{.metadata.name}"),
      sorted(".status.memory.consumed"),
      sorted("CNSM"),
    ]);
    expect(plain).toBe("virtualmachine/web-1\nvirtualmachine/web-2\nvirtualmachine/db-1\n"); // store order: by namespace
    expect(byName).toBe("virtualmachine/db-1\nvirtualmachine/web-1\nvirtualmachine/web-2\n");
    expect(braced).toBe(byName);
    expect(byConsumed).toBe("virtualmachine/web-1\nvirtualmachine/web-2\nvirtualmachine/db-1\n"); // 512Mi, 512Mi, 1Gi
    expect(byCnsm).toBe("virtualmachine/db-1\nvirtualmachine/web-1\nvirtualmachine/web-2\n");
  });

  test.concurrent("an unknown kind exits 2, in either form", async () => {
    const [plain, slashed] = await Promise.all([memplane(["get", "pods", "--state", state]), memplane(["get", "pods/x", "--state", state])]);
    for (const r of [plain, slashed]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: the server doesn't have a resource type "pods"; known types: hosts, virtualmachines \(vm, vms\)/);
    }
  });
});

describe("get --sort-by", () => {
  let state: string;
  beforeAll(async () => {
    state = await stateWith(OVERCOMMIT, 120);
  });

  test.concurrent("a top column sorts VMs largest first, like top --sort", async () => {
    const json = JSON.parse((await memplane(["get", "vms", "-o", "json", "--state", state])).stdout);
    const consumed = new Map<string, number>(json.items.map((o: any) => [o.metadata.name, Number(String(o.status.memory.consumed).replace(/Mi$/, ""))]));
    const r = await memplane(["get", "vms", "--sort-by", "cnsm", "--state", state]);
    expect(r.code).toBe(0);
    const order = names(r.stdout);
    expect(order.map((n) => consumed.get(n)!)).toEqual([...consumed.values()].sort((a, b) => b - a));
  });

  test.concurrent("an unknown key exits 2 listing the keys; a VM column on hosts exits 2", async () => {
    const [unknown, hosts] = await Promise.all([
      memplane(["get", "vms", "--sort-by", "size", "--state", state]),
      memplane(["get", "hosts", "--sort-by", "MCTLSZ", "--state", state]),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown --sort-by key "size"; use one of NAME, MEMSZ, GRANT, CNSM');
    expect(unknown.stderr).toContain(".metadata.name");
    expect(hosts.code).toBe(2);
    expect(hosts.stderr).toContain("sorts virtual machines");
  });
});

describe("get -w", () => {
  test("prints the table, then a row per object a step changes; Ctrl-C exits 0", async () => {
    const { state } = tempDir();
    expect((await memplane(["apply", "-f", CLUSTER, "--state", state])).code).toBe(0);
    const child = spawn(process.execPath, [BIN, "get", "vms", "-w", "--state", state], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1", MEMPLANE_STATE: undefined } });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    const until = async (test: () => boolean): Promise<void> => {
      for (let i = 0; i < 400 && !test(); i++) await new Promise((r) => setTimeout(r, 50));
      expect(test()).toBe(true);
    };
    try {
      await until(() => out.split("\n").length >= 4); // header + web-1, web-2
      expect(out).toMatch(/^NAME\s+HOST\s+PHASE/);
      expect(out).toMatch(/web-1\s+esx-01\s+<none>/);
      expect((await memplane(["step", "--ticks", "3", "-q", "--state", state])).code).toBe(0);
      await until(() => /web-1\s+esx-01\s+Running/.test(out) && /web-2\s+esx-01\s+Running/.test(out));
      expect(out.split("\n").filter((l) => l.startsWith("NAME"))).toHaveLength(1); // no second header
      const before = out.split("\n").filter((l) => l.startsWith("web-2")).length;
      expect((await memplane(["delete", "vm", "web-2", "--state", state])).code).toBe(0);
      await until(() => out.split("\n").filter((l) => l.startsWith("web-2")).length > before);
    } finally {
      child.kill("SIGINT");
    }
    expect(await exitOf(child, 10_000)).toBe(0);
  }, 30_000);

  test.concurrent("-w with -o json, or with several kinds, is a usage error", async () => {
    const { state } = tempDir();
    const [json, kinds] = await Promise.all([memplane(["get", "vms", "-w", "-o", "json", "--state", state]), memplane(["get", "vm/a", "host/b", "-w", "--state", state])]);
    expect(json.code).toBe(2);
    expect(kinds.code).toBe(2);
  });
});

describe("logs --since, --action, --controller", () => {
  const { state } = tempDir();
  let all: { tick: number; time: string; controller: string; action: string }[];
  beforeAll(async () => {
    expect((await memplane(["run", "-f", path.join(ROOT, "manifests/examples/no-tools"), "--ticks", "200", "--state", state, "-q"])).code).toBe(0);
    all = (await memplane(["logs", "--log-format", "json", "--state", state])).stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  });

  const json = async (...args: string[]) => {
    const r = await memplane(["logs", "--log-format", "json", "--state", state, ...args]);
    expect(r.code).toBe(0);
    return r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as (typeof all)[number]);
  };

  test("--since 1m: the entries of the last simulated minute (ticks 140–200)", async () => {
    const recent = await json("--since", "1m");
    expect(recent.length).toBeGreaterThan(0);
    expect(recent).toEqual(all.filter((e) => e.tick >= 140));
  });

  test("--action (any case, comma-separated) and --controller filter, and combine", async () => {
    const actions = await json("--action", "balloontargetchanged,StateChanged");
    expect(new Set(actions.map((e) => e.action))).toEqual(new Set(["BalloonTargetChanged", "StateChanged"]));
    expect(actions).toEqual(all.filter((e) => e.action === "BalloonTargetChanged" || e.action === "StateChanged"));
    const swap = await json("--controller", "swap", "--controller", "balloon");
    expect(swap).toEqual(all.filter((e) => e.controller === "swap" || e.controller === "balloon"));
    const both = await json("--controller", "balloon", "--action", "BalloonTargetChanged", "--since", "2m");
    expect(both).toEqual(all.filter((e) => e.controller === "balloon" && e.action === "BalloonTargetChanged" && e.tick >= 80));
  });

  test("an unknown controller, or --since with --since-tick, exits 2", async () => {
    const [controller, since] = await Promise.all([
      memplane(["logs", "--controller", "ballon", "--state", state]),
      memplane(["logs", "--since", "1m", "--since-tick", "5", "--state", state]),
    ]);
    expect(controller.code).toBe(2);
    expect(controller.stderr).toContain('no controller "ballon"; the controllers are reservation, workload');
    expect(since.code).toBe(2);
  });
});

describe("apply, report and run for people", () => {
  test.concurrent("apply hints on stderr that status comes with the next tick; stdout unchanged", async () => {
    const { state } = tempDir();
    const first = await memplane(["apply", "-f", CLUSTER, "--state", state]);
    expect(first.stdout.split("\n").filter(Boolean)).toHaveLength(4);
    expect(first.stderr).toBe(`hint: status is filled in at the next tick: memplane step --state ${state}\n`);
    const [again, dry] = await Promise.all([memplane(["apply", "-f", CLUSTER, "--state", state]), memplane(["apply", "-f", OVERCOMMIT, "--dry-run", "--state", state])]);
    expect(again.stderr).toBe(""); // nothing changed: nothing to wait for
    expect(dry.stderr).toBe("");
    const { dir } = tempDir();
    const here = await memplane(["apply", "-f", CLUSTER], { cwd: dir });
    expect(here.stderr).toBe("hint: status is filled in at the next tick: memplane step\n");
  });

  test.concurrent("report without -o writes ./memplane-report.html and says where", async () => {
    const { dir } = tempDir();
    expect((await memplane(["run", "-q", "-f", OVERCOMMIT, "--ticks", "5", "--state", ".memplane"], { cwd: dir })).code).toBe(0);
    const r = await memplane(["report"], { cwd: dir });
    expect(r.code).toBe(0);
    const file = path.join(fs.realpathSync(dir), "memplane-report.html");
    expect(r.stderr).toMatch(/^wrote (.*)memplane-report\.html \(/);
    expect(fs.realpathSync(r.stderr.slice("wrote ".length, r.stderr.indexOf(" (")))).toBe(file);
    expect(fs.readFileSync(file, "utf8")).toMatch(/^<!doctype html>/i);
  });

  test.concurrent("run -f of many objects prints one summary line; -v a line each; small applies a line each", async () => {
    const { dir } = tempDir();
    const big = path.join(dir, "big/");
    expect((await memplane(["generate", "--hosts", "2", "--vms-per-host", "15", "--output", big])).code).toBe(0);
    const [summary, verbose, small] = await Promise.all([
      memplane(["run", "-f", big, "--ticks", "1", "--log-format", "json"]),
      memplane(["run", "-f", big, "--ticks", "1", "-v", "--log-format", "json"]),
      memplane(["run", "-f", CLUSTER, "--ticks", "1", "--log-format", "json"]),
    ]);
    expect(summary.code).toBe(0);
    expect(summary.stderr.split("\n")[0]).toBe("32 objects created (2 hosts, 30 VMs)");
    expect(summary.stderr).not.toContain("virtualmachine/");
    expect(verbose.stderr.split("\n").filter((l) => / created$/.test(l))).toHaveLength(32);
    expect(small.stderr).toContain("virtualmachine/web-1 created\n");
    expect(summary.stdout).toBe(verbose.stdout); // the log is the same either way
  });
});
