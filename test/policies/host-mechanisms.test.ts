/**
 * Policies behave like their hosts (#14 item 7, docs/policies.md): no mechanism a policy's real
 * host lacks, none it has missing. ESXi shares pages (TPS), compresses and swaps; a KVM host
 * under MOM merges pages with KSM only when MOM's KSM rule runs ksmd, swaps below the kernel's
 * low watermark (never compresses) and OOM-kills the biggest VM when memory and swap run out;
 * Xen (squeezed) and Hyper-V hosts neither share nor page out. The last test runs every
 * example under every policy, as `memplane compare --policy esxi,mom,squeezed,hyperv` does.
 */
import "reflect-metadata";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { compareVariants, policyVariants } from "../../src/compare/index.js";
import { loadManifests } from "../../src/manifest/load.js";
import { linuxWatermarks, momKsmDecide } from "../../src/policies/mom/index.js";
import { SQUEEZED_HOST_FREE_TARGET_PAGES, isSqueezedBalanceCheck } from "../../src/policies/squeezed/index.js";
import { GI, MI, startCluster, vmPages } from "./policy-cluster.js";

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../manifests/examples");

/** A 16 GiB host (no vmkernel reservation, so the numbers are the test's; salting and large pages off) and `vms` VMs of 4 GiB with shareable pages. */
function sharingCluster(policy: string, vms: number, allocated: string): string {
  const host = `apiVersion: memplane.io/v1alpha1\nkind: Host\nmetadata: {name: h1}\nspec: {capacity: 16Gi, vmkernelReserved: 0, policy: ${policy}, pageSharing: {salting: false, largePages: false}}\n`;
  const vm = (i: number): string =>
    `apiVersion: memplane.io/v1alpha1\nkind: VirtualMachine\nmetadata: {name: vm-${i}}\nspec:\n  hostName: h1\n  memory: 4Gi\n  guestOS: rhel8\n  workload: {allocated: ${allocated}, active: 20, zeroPages: 20, commonPages: 30}\n`;
  return [host, ...Array.from({ length: vms }, (_, i) => vm(i + 1))].join("---\n");
}

const sharedOf = (engine: ReturnType<typeof startCluster>["engine"], vms: number): number =>
  Array.from({ length: vms }, (_, i) => vmPages(engine, `vm-${i + 1}`, "shared")).reduce((a, b) => a + b, 0);

describe("page sharing follows the host", () => {
  test.each(["squeezed", "hyperv"])("%s: shared pages stay 0, whatever the guests hold", (policy) => {
    const { engine } = startCluster(sharingCluster(policy, 4, "3Gi"));
    engine.step(600);
    expect(sharedOf(engine, 4)).toBe(0);
  });

  test("esxi: transparent page sharing shares zero and common pages", () => {
    const { engine } = startCluster(sharingCluster("esxi", 4, "3Gi"));
    engine.step(600);
    expect(sharedOf(engine, 4)).toBeGreaterThan(100 * MI);
  });

  test("mom: KSM stays off while MOM's rule says so (free ≥ 20 %, guest memory < 80 % of the host)", () => {
    const { engine, logs } = startCluster(sharingCluster("mom", 2, "1Gi")); // 8 GiB of 16 offered to KSM
    engine.step(300);
    expect(logs.filter((l) => l.action === "KsmStarted")).toEqual([]);
    expect(sharedOf(engine, 2)).toBe(0);
  });

  test("mom: KSM runs once guest memory offered to it reaches 80 % of the host, and merges pages", () => {
    const { engine, logs } = startCluster(sharingCluster("mom", 4, "1Gi")); // 16 GiB of 16
    engine.step(300);
    const started = logs.filter((l) => l.action === "KsmStarted");
    expect(started).toHaveLength(1);
    expect(started[0]!.reason).toBe("KsmCommitted");
    expect(started[0]!.tick).toBe(10); // MOM evaluates every 10 s
    expect(sharedOf(engine, 4)).toBeGreaterThan(50 * MI);
  });

  test("MOM's KSM arithmetic (03-ksm.policy): thresholds, boost and decay within [64, 1250], sleep scaled to 16 GiB", () => {
    const host = 64 * GI;
    expect(momKsmDecide(host, 0.5 * host, 0.5 * host, 100)).toMatchObject({ run: false, reason: "KsmIdle" });
    expect(momKsmDecide(host, 0.5 * host, 0.8 * host, 100)).toMatchObject({ run: true, pagesToScan: 64, sleepMs: 2, reason: "KsmCommitted" });
    expect(momKsmDecide(host, 0.1 * host, 0.5 * host, 1100)).toMatchObject({ run: true, pagesToScan: 1250, reason: "KsmPressure" });
    expect(momKsmDecide(16 * GI, 0.1 * 16 * GI, 0, 100).sleepMs).toBe(10);
  });
});

describe("host swapping and the OOM killer follow the host", () => {
  test("the kernel's watermarks of a 64 GiB host: min 32 MiB, low and high from watermark_scale_factor 10", () => {
    const w = linuxWatermarks(64 * GI);
    expect(w.min).toBe(32 * MI);
    const step = Math.floor((64 * GI * 10) / 10_000);
    expect(w).toEqual({ min: 32 * MI, low: 32 * MI + step, high: 32 * MI + 2 * step });
  });

  /** An 8 GiB KVM host, ballooning off so only the kernel can free memory, three guests that want 3 GiB each. */
  const pressured = (swap: string): string =>
    `apiVersion: memplane.io/v1alpha1\nkind: Host\nmetadata: {name: h1}\nspec: {capacity: 8Gi, vmkernelReserved: 0, policy: mom, ballooning: {enabled: false}, swap: {capacity: ${swap}}}\n---\n` +
    [1, 2, 3]
      .map((i) => `apiVersion: memplane.io/v1alpha1\nkind: VirtualMachine\nmetadata: {name: vm-${i}}\nspec: {hostName: h1, memory: 4Gi, workload: {allocated: 3Gi, active: 20}}\n`)
      .join("---\n");

  test("mom: below the low watermark Linux swaps guest memory out, never compresses", () => {
    const { engine, logs } = startCluster(pressured("unlimited"));
    engine.step(180);
    const swapped = [1, 2, 3].reduce((s, i) => s + vmPages(engine, `vm-${i}`, "swapped"), 0);
    expect(swapped).toBeGreaterThan(256 * MI);
    expect([1, 2, 3].every((i) => vmPages(engine, `vm-${i}`, "compressed") === 0)).toBe(true);
    expect(logs.filter((l) => l.action === "SwapTargetChanged")).toEqual([]); // Linux has no SWTGT
    expect(logs.filter((l) => l.action === "PoweredOff")).toEqual([]);
  });

  test("mom: with memory and swap exhausted the OOM killer powers off the biggest VM, which stays down until its spec changes", () => {
    const { engine, logs } = startCluster(pressured("256Mi"));
    engine.step(180);
    const killed = logs.filter((l) => l.action === "PoweredOff");
    expect(killed.length).toBeGreaterThanOrEqual(1);
    expect(killed[0]).toMatchObject({ reason: "OomKilled", from: "Running", to: "Stopped" });
    expect(killed[0]!.message).toMatch(/Linux OOM killer on h1: out of memory .*swap device is full/);
    const victim = killed[0]!.name;
    const status = engine.store.get("VirtualMachine", victim, "default")!.status!;
    expect(status.phase).toBe("Stopped");
    engine.step(30);
    expect(engine.store.get("VirtualMachine", victim, "default")!.status!.phase).toBe("Stopped");
    engine.apply(`apiVersion: memplane.io/v1alpha1\nkind: VirtualMachine\nmetadata: {name: ${victim}}\nspec: {hostName: h1, memory: 4Gi, workload: {allocated: 1Gi, active: 20}}\n`);
    engine.step(2);
    expect(engine.store.get("VirtualMachine", victim, "default")!.status!.phase).toBe("Running");
  });
});

describe("squeezed's own numbers", () => {
  test("host free target is 9 MiB (1 MiB emergency pool + 8 MiB), balance checked every 10 s", () => {
    expect(SQUEEZED_HOST_FREE_TARGET_PAGES).toBe(9 * MI);
    const checks = Array.from({ length: 30 }, (_, i) => i + 1).filter((t) => isSqueezedBalanceCheck(t, 1));
    expect(checks).toEqual([10, 20, 30]);
  });
});

/** Every example directory the fingerprints run (faults/* included, the overlay left out). */
function exampleDirs(): string[] {
  const top = fs.readdirSync(EXAMPLES).filter((d) => d !== "faults" && fs.statSync(path.join(EXAMPLES, d)).isDirectory());
  const faults = fs.readdirSync(path.join(EXAMPLES, "faults")).filter((d) => d !== "dimm-failure-after" && fs.statSync(path.join(EXAMPLES, "faults", d)).isDirectory());
  return [...top, ...faults.map((d) => `faults/${d}`)];
}

test.each(exampleDirs())("compare --policy esxi,mom,squeezed,hyperv on %s: no mechanism a policy's host lacks", async (dir) => {
  const loaded = await loadManifests([path.join(EXAMPLES, dir)]);
  expect(loaded.errors).toEqual([]);
  const report = compareVariants(policyVariants(loaded.objects, ["esxi", "mom", "squeezed", "hyperv"]), { ticks: 120, engine: { seed: 1 } }); // 2 min: past MOM's and squeezed's first 10 s checks
  for (const vm of report.vms) {
    for (const policy of ["squeezed", "hyperv"]) {
      const o = vm.outcomes[policy];
      if (!o) continue;
      expect({ vm: vm.name, policy, shared: o.shared.peak, swapped: o.swapped.peak, compressed: o.compressed.peak }).toEqual({ vm: vm.name, policy, shared: 0, swapped: 0, compressed: 0 });
    }
    const mom = vm.outcomes.mom;
    if (mom) expect({ vm: vm.name, compressed: mom.compressed.peak }).toEqual({ vm: vm.name, compressed: 0 });
  }
});
