/**
 * The nine scenarios through the built CLI, as a user runs them: `memplane run` on the example
 * with `--state`, then `memplane get -o json`. The library suite (test/integration) checks the
 * numbers tick by tick; this one checks that the CLI shows the same outcomes.
 */
import * as path from "node:path";
import { memplane, requireBuild, ROOT, tempDir } from "./cli-harness.js";

const example = (name: string): string => path.join(ROOT, "manifests/examples", name);
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Parses the quantities of `-o json` output (binary suffixes only, as status writes them). */
function bytes(q: string): number {
  const m = /^(\d+)(Ki|Mi|Gi|Ti)?$/.exec(q);
  if (!m) throw new Error(`unexpected quantity ${q}`);
  const mult = { Ki: 1024, Mi: MiB, Gi: GiB, Ti: 1024 * GiB }[m[2] as "Ki"] ?? 1;
  return Number(m[1]) * mult;
}

async function runScenario(name: string, ticks: number): Promise<{ logs: Record<string, string>[]; vms: Map<string, any>; hosts: Map<string, any> }> {
  const { state } = tempDir();
  const run = await memplane(["run", "-f", example(name), "--ticks", String(ticks), "--log-format", "json", "--state", state]);
  expect(run.stderr).not.toMatch(/^\s{4}at /m);
  expect(run.code).toBe(0);
  const logs = run.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, string>);
  const vms = await memplane(["get", "vms", "-A", "-o", "json", "--state", state]);
  const hosts = await memplane(["get", "hosts", "-o", "json", "--state", state]);
  expect(vms.code).toBe(0);
  expect(hosts.code).toBe(0);
  const byName = (text: string) => new Map<string, any>((JSON.parse(text).items as any[]).map((o) => [o.metadata.name, o]));
  return { logs, vms: byName(vms.stdout), hosts: byName(hosts.stdout) };
}

beforeAll(() => requireBuild());

describe("scenarios through the CLI", () => {
  it.concurrent("seed-story: guest-free memory is ballooned without guest swapping", async () => {
    const { logs, vms } = await runScenario("seed-story", 1000);
    expect(logs.some((l) => l.action === "StateChanged" && l.to === "soft")).toBe(true);
    // the balloon took the guest-free 2Gi (its target passed 1.5Gi), then deflated once the host was high again
    const targets = logs.filter((l) => l.action === "BalloonTargetChanged" && l.name === "app").map((l) => bytes(l.to));
    expect(Math.max(...targets)).toBeGreaterThan(1.5 * GiB);
    expect(logs.some((l) => l.action === "GuestSwapping" && l.name === "app")).toBe(false);
    expect(bytes(vms.get("app").status.memory.guestSwapped)).toBe(0);
  });

  it.concurrent("balloon-floor: MCTLMAX of the 1Gi RHEL 7 guest is 496Mi", async () => {
    const { vms } = await runScenario("balloon-floor", 300);
    expect(vms.get("rhel-small").status.memory.balloonMax).toBe("496Mi");
    expect(vms.get("rhel-small").status.memory.balloon).toBe("496Mi");
  });

  it.concurrent("reservation-shield: the fully reserved VM is untouched", async () => {
    const { vms } = await runScenario("reservation-shield", 300);
    const full = vms.get("db-full").status.memory;
    expect([full.balloon, full.compressed, full.swapped]).toEqual(["0", "0", "0"]);
    expect(bytes(vms.get("db-half").status.memory.consumed)).toBeGreaterThanOrEqual(2 * GiB);
  });

  it.concurrent("no-tools: swapped instead of ballooned", async () => {
    const { logs, vms } = await runScenario("no-tools", 300);
    const without = vms.get("without-tools").status;
    expect(without.memory.balloon).toBe("0");
    expect(without.conditions.find((c: any) => c.type === "BalloonDriverReady")).toMatchObject({ status: "False", reason: "ToolsNotInstalled" });
    expect(bytes(without.memory.swapped) + bytes(without.memory.compressed)).toBeGreaterThan(0);
    // its twin was ballooned under pressure (a balloon is given back once the host is high again)
    expect(logs.some((l) => l.action === "BalloonTargetChanged" && l.name === "with-tools" && bytes(l.to) > 0)).toBe(true);
    expect(bytes(vms.get("with-tools").status.memory.swapped)).toBe(0);
  });

  it.concurrent("admission: B is Pending with InsufficientMemory", async () => {
    const { vms, logs } = await runScenario("admission", 5);
    expect(vms.get("vm-a").status.phase).toBe("Running");
    expect(vms.get("vm-b").status.phase).toBe("Pending");
    expect(vms.get("vm-b").status.conditions.find((c: any) => c.type === "Admitted")).toMatchObject({ status: "False", reason: "InsufficientMemory" });
    expect(logs.find((l) => l.action === "AdmissionDenied")).toMatchObject({ name: "vm-b", reason: "InsufficientMemory" });
  });

  it.concurrent("over-limit: held at (or a little below) its 2Gi limit on a host in state high", async () => {
    const { vms, hosts } = await runScenario("over-limit", 300);
    expect(hosts.get("esx-01").status.state).toBe("high");
    const m = vms.get("limited").status.memory;
    expect(bytes(m.consumed)).toBeLessThanOrEqual(2 * GiB);
    expect(bytes(m.consumed)).toBeGreaterThan(1 * GiB);
    expect(bytes(m.balloon)).toBeGreaterThan(0);
    expect(bytes(m.swapped) + bytes(m.compressed)).toBeGreaterThan(0);
  });

  it.concurrent("idle-tax: the busy VM is entitled to more", async () => {
    const { vms } = await runScenario("idle-tax", 300);
    expect(bytes(vms.get("busy").status.memory.entitlement)).toBeGreaterThan(bytes(vms.get("idle").status.memory.entitlement));
  });

  it.concurrent("states-ladder: high → clear → soft → hard → low, once each, in order", async () => {
    const { logs } = await runScenario("states-ladder", 250);
    expect(logs.filter((l) => l.action === "StateChanged").map((l) => l.to)).toEqual(["clear", "soft", "hard", "low"]);
  });

  it.concurrent("overcommit-datacenter: 600 VMs run and the hosts report status", async () => {
    const { vms, hosts } = await runScenario("overcommit-datacenter", 30);
    expect(vms.size).toBe(600);
    expect(hosts.size).toBe(20);
    for (const h of hosts.values()) expect(h.status.state).toMatch(/^(high|clear|soft|hard|low)$/);
  });
});
