/**
 * The hyperv policy against Microsoft's documented Dynamic Memory behaviour, one test per feature,
 * each with its source next to it. Sources:
 * - [OVERVIEW] Microsoft, "Hyper-V Dynamic Memory Overview",
 *   https://learn.microsoft.com/windows-server/virtualization/hyper-v/dynamic-memory
 * - [SET-VMMEMORY] Microsoft, Set-VMMemory, https://learn.microsoft.com/powershell/module/hyper-v/set-vmmemory
 *   (-Buffer: "Allowed values range from 5 to 2000"; -StartupBytes, -MinimumBytes, -MaximumBytes)
 * - [WMI] Microsoft, Msvm_MemorySettingData class,
 *   https://learn.microsoft.com/windows/win32/hyperv_v2/msvm-memorysettingdata (TargetMemoryBuffer, Weight)
 * - [EXCHANGE] Microsoft, "Best Practices for Virtualizing and Managing Exchange 2013", Hyper-V Smart
 *   Paging: used only when the VM is being restarted, no physical memory is available and none can
 *   be reclaimed; removed by ballooning once the VM has started.
 */
import { createEngine } from "memplane";
import { adviseManifests, explainVm } from "../../src/explain/index.js";
import { readFileSync } from "node:fs";
import { validateObject } from "../../src/manifest/index.js";
import { balanceDynamicMemory, divideByWeight, dynamicTarget, hypervPolicy, HYPERV_POLICY, smartPagingPages } from "../../src/policies/hyperv/index.js";
import { clusterYaml, GI, MI, startCluster, vmPages } from "./policy-cluster.js";

const guest = { demand: 0, minimum: 512 * MI, startup: GI, maximum: 4 * GI, bufferPercent: 20, weight: 5000, booting: false };

/** A VM manifest with the given dynamicMemory, for validation. */
function vmWith(dynamicMemory: Record<string, unknown>, memory = "4Gi"): unknown {
  return { apiVersion: "memplane.io/v1alpha1", kind: "VirtualMachine", metadata: { name: "v" }, spec: { hostName: "h1", memory, dynamicMemory } };
}

const messages = (o: unknown): string[] => validateObject(o).issues.map((i) => `${i.path.join(".")}: ${i.message}`);

describe("memory buffer", () => {
  // [SET-VMMEMORY] -Buffer "Specifies the percentage of memory to reserve as a buffer"; "Allowed values
  // range from 5 to 2000". [WMI] TargetMemoryBuffer: extra memory as a percentage of what the VM needs.
  test("the VM is given its demand plus the buffer percentage: 1000 MiB demand, 20 % → 1200 MiB; 5 % → 1050 MiB; 2000 % → capped by maximum", () => {
    expect(dynamicTarget({ ...guest, demand: 1000 * MI, bufferPercent: 20 })).toBe(1200 * MI);
    expect(dynamicTarget({ ...guest, demand: 1000 * MI, bufferPercent: 5 })).toBe(1050 * MI);
    expect(dynamicTarget({ ...guest, demand: 100 * MI, bufferPercent: 2000 })).toBe(2100 * MI);
    expect(messages(vmWith({ bufferPercent: 4 }))).toEqual(["spec.dynamicMemory.bufferPercent: must be at least 5 (got 4)"]);
    expect(messages(vmWith({ bufferPercent: 2001 }))).toEqual(["spec.dynamicMemory.bufferPercent: must be at most 2000 (got 2001)"]);
  });
});

describe("minimum RAM", () => {
  // [OVERVIEW] "Dynamic Memory introduces a minimum memory setting, which allows Hyper-V to reclaim the
  // unused memory from the virtual machines"; a VM is never given less than its minimum.
  test("a demand of 100 MiB + 20 % is raised to the 512 MiB minimum, and minimum > startup is refused", () => {
    expect(dynamicTarget({ ...guest, demand: 100 * MI })).toBe(512 * MI);
    expect(messages(vmWith({ startup: "1Gi", minimum: "2Gi" }))).toEqual([
      "spec.dynamicMemory.minimum: must not exceed spec.dynamicMemory.startup (2Gi > 1Gi); Hyper-V needs minimum ≤ startup ≤ maximum, and spec.memory is the most a VM can ever be given",
    ]);
  });
});

describe("maximum RAM", () => {
  // [SET-VMMEMORY] -MaximumBytes: the maximum memory the VM may be given; [OVERVIEW] startup ≤ maximum.
  test("a demand of 4 GiB + 20 % is capped at the 2 GiB maximum, and maximum above spec.memory is refused", () => {
    expect(dynamicTarget({ ...guest, demand: 4 * GI, maximum: 2 * GI })).toBe(2 * GI);
    expect(messages(vmWith({ maximum: "8Gi" }))).toEqual([
      "spec.dynamicMemory.maximum: must not exceed spec.memory (8Gi > 4Gi); Hyper-V needs minimum ≤ startup ≤ maximum, and spec.memory is the most a VM can ever be given",
    ]);
    expect(messages(vmWith({ startup: "3Gi", maximum: "2Gi" }))).toEqual([
      "spec.dynamicMemory.startup: must not exceed spec.dynamicMemory.maximum (3Gi > 2Gi); Hyper-V needs minimum ≤ startup ≤ maximum, and spec.memory is the most a VM can ever be given",
    ]);
  });
});

describe("memory weight", () => {
  // [OVERVIEW]/[WMI] Weight: when the host cannot give every VM what it asks for, memory weight decides
  // which VMs get memory first. memplane divides what is left after every minimum in proportion to weight.
  test("4 GiB for two VMs that each want 3 GiB: beyond their 512 MiB minimums, 3 GiB splits 8000:2000", () => {
    const a = balanceDynamicMemory(4 * GI, [
      { ...guest, demand: 2560 * MI, maximum: 3 * GI, weight: 8000 },
      { ...guest, demand: 2560 * MI, maximum: 3 * GI, weight: 2000 },
    ]);
    expect(a.contended).toBe(true);
    expect(a.targets).toEqual([3 * GI, 3 * GI]);
    // 512 MiB + 0.8 × 3 GiB = 2969.6 MiB; 512 MiB + 0.2 × 3 GiB = 1126.4 MiB (whole pages; the last page to the first VM)
    expect(a.sizes[0]! / MI).toBeCloseTo(2969.6, 1);
    expect(a.sizes[1]! / MI).toBeCloseTo(1126.4, 1);
    expect(a.sizes[0]! + a.sizes[1]!).toBe(4 * GI);
  });

  test("a VM that reaches its target drops out and its share goes to the others; weight 0 gets only what is left", () => {
    // floors 0; wants 1 GiB, 10 GiB, 10 GiB; 6 GiB by weights 5000:5000:0 → 1 GiB, then 5 GiB to the second
    expect(divideByWeight(6 * GI, [0, 0, 0], [GI, 10 * GI, 10 * GI], [5000, 5000, 0]).map((p) => p / GI)).toEqual([1, 5, 0]);
    expect(divideByWeight(12 * GI, [0, 0], [GI, 10 * GI], [5000, 0]).map((p) => p / GI)).toEqual([1, 10]);
    expect(messages(vmWith({ weight: 10001 }))).toEqual(["spec.dynamicMemory.weight: must be at most 10000 (got 10001)"]);
  });
});

describe("memory above startup is hot-added; memory is removed by the balloon down to minimum", () => {
  // [OVERVIEW] Dynamic Memory adds memory to a running VM (hot-add) and removes it through the guest's
  // balloon driver; startup memory is what the VM boots with, minimum the least it can be left with.
  const yaml = clusterYaml(
    "hyperv",
    [
      { name: "grow", memory: "4Gi", allocated: "256Mi", dynamicMemory: "{startup: 1Gi, minimum: 512Mi, maximum: 4Gi, bufferPercent: 20}", workloadExtra: "    phases: [{after: 90s, allocated: 2Gi}]\n" },
      { name: "idle", memory: "4Gi", allocated: "64Mi", dynamicMemory: "{startup: 2Gi, minimum: 768Mi}" },
    ],
    "16Gi",
  );

  test("a VM booting holds its 1 GiB startup; growing to 2 GiB demand + 20 % it is hot-added to 2457.6 MiB, above startup", () => {
    const { engine, logs } = startCluster(yaml);
    engine.step(30);
    // booting: assigned memory is startup (memory − balloon target)
    expect(4 * GI - vmPages(engine, "grow", "balloonTarget")).toBe(GI);
    engine.step(200);
    const target = Math.ceil(2 * GI * 1.2);
    expect(4 * GI - vmPages(engine, "grow", "balloonTarget")).toBe(target);
    expect(4 * GI - vmPages(engine, "grow", "balloon")).toBe(target);
    expect(logs.some((l) => l.name === "grow" && l.reason === "HypervHotAdd")).toBe(true);
  });

  test("an idle VM is ballooned down to its 768 MiB minimum and never below: balloon maximum = 4 GiB − 768 MiB", () => {
    const { engine, logs } = startCluster(yaml);
    engine.step(200);
    expect(vmPages(engine, "idle", "balloonMax")).toBe(4 * GI - 768 * MI);
    expect(vmPages(engine, "idle", "balloon")).toBe(4 * GI - 768 * MI);
    expect(logs.some((l) => l.name === "idle" && l.reason === "HypervBalloon")).toBe(true);
  });

  test("a VM without Dynamic Memory keeps its static memory: no balloon", () => {
    const { engine } = startCluster(clusterYaml("hyperv", [{ name: "static", memory: "4Gi", allocated: "64Mi" }], "16Gi"));
    engine.step(120);
    expect(vmPages(engine, "static", "balloonTarget")).toBe(0);
    expect(hypervPolicy.reasons.StaticMemory).toBeDefined();
  });
});

describe("Smart Paging only at restart, only until booted", () => {
  // [OVERVIEW] Smart Paging bridges a restart when the VM has less memory than its startup memory and no
  // more can be reclaimed; [EXCHANGE] used only while the VM is being restarted, and removed once it has
  // started. A VM started from off is not helped by Smart Paging.
  test("a restart with 1.5 GiB available for a 2 GiB startup pages 512 MiB; a cold start or a booted VM pages none", () => {
    expect(smartPagingPages(true, true, 2 * GI, 1536 * MI)).toBe(512 * MI);
    expect(smartPagingPages(true, true, 2 * GI, 3 * GI)).toBe(0);
    expect(smartPagingPages(false, true, 2 * GI, 1536 * MI)).toBe(0);
    expect(smartPagingPages(true, false, 2 * GI, 1536 * MI)).toBe(0);
  });

  test("in the simulation a VM booting on a host that cannot give its startup is named, and hyperv never swaps", () => {
    const { engine, logs } = startCluster(
      clusterYaml("hyperv", [{ name: "big", memory: "8Gi", allocated: "256Mi", dynamicMemory: "{startup: 6Gi, minimum: 512Mi}" }], "4Gi"),
    );
    engine.step(HYPERV_POLICY.bootSeconds + 60);
    const reasons = logs.filter((l) => l.name === "big" && l.action === "BalloonTargetChanged").map((l) => l.reason);
    expect(reasons[0]).toBe("HypervStartupUnavailable");
    expect(reasons).toContain("HypervBalloon");
    expect(vmPages(engine, "big", "swapped")).toBe(0);
  });
});

describe("explain on a hyperv host", () => {
  test("says why the VM has the memory it has, in Hyper-V's words", () => {
    const engine = createEngine({ seed: 1 });
    engine.apply(clusterYaml("hyperv", [{ name: "a", memory: "4Gi", allocated: "2Gi", dynamicMemory: "{startup: 1Gi, minimum: 512Mi}" }], "16Gi"));
    engine.step(200);
    const text = explainVm(engine, "a").text;
    expect(text).toContain("runs the Hyper-V Dynamic Memory policy (hyperv)");
    expect(text).toMatch(/HypervSteady|HypervHotAdd/);
    // "why is this VM at 2.4 GiB?": demand 2 GiB + 20 % buffer = 2457.6 MiB, which it holds
    expect(text).toContain("(HypervSteady: it already has its demand plus buffer): demand 2Gi + 20% buffer within [512Mi, 4Gi] = 2457.6Mi: holds 2457.6Mi");
  });
});

describe("advise on Dynamic Memory", () => {
  // [OVERVIEW] on Hyper-V a VM's memory is protected by its minimum RAM and memory weight; a reservation
  // (an ESXi setting) does not apply, and Dynamic Memory needs the guest's integration services.
  test("the example's stalled VMs are told to raise weight or minimum, not to reserve; no reservation what-if is run for them", () => {
    const text = readFileSync(new URL("../../manifests/examples/hyperv-dynamic-memory/cluster.yaml", import.meta.url), "utf8");
    const report = adviseManifests(text, { ticks: 480, whatIf: 3 });
    const stalls = report.findings.filter((f) => f.check === "MemoryStall");
    expect(stalls.length).toBeGreaterThan(0);
    for (const f of stalls) {
      expect(f.fix).toContain("spec.dynamicMemory.weight");
      expect(f.fix).not.toContain("spec.reservation");
    }
    expect(report.findings.filter((f) => f.check === "ReservationWhatIf")).toEqual([]);
  });

  test("Dynamic Memory on an esxi host is named as ignored; without tools on a hyperv host as inactive", () => {
    const esxi = adviseManifests(clusterYaml("esxi", [{ name: "a", dynamicMemory: "{startup: 1Gi}" }]), { ticks: 10, whatIf: 0 });
    expect(esxi.findings.find((f) => f.check === "DynamicMemoryIgnored")?.object).toBe("vm/default/a");
    const hv = adviseManifests(clusterYaml("hyperv", [{ name: "b", tools: false, dynamicMemory: "{startup: 1Gi}" }]), { ticks: 10, whatIf: 0 });
    expect(hv.findings.find((f) => f.check === "DynamicMemoryInactive")?.message).toContain("keeps its static 4Gi");
  });

  test("a VM without tools is told about Hyper-V Integration Services on a hyperv host, VMware Tools on an esxi one", () => {
    const hv = adviseManifests(clusterYaml("hyperv", [{ name: "b", tools: false }]), { ticks: 10, whatIf: 0 });
    const finding = hv.findings.find((f) => f.check === "NoBalloonDriver")!;
    expect(finding.message).toContain("Hyper-V Integration Services not installed");
    expect(finding.message).not.toMatch(/VMware|hypervisor swapping/);
    expect(finding.fix).toContain("install Hyper-V Integration Services");
    const esxi = adviseManifests(clusterYaml("esxi", [{ name: "b", tools: false }]), { ticks: 10, whatIf: 0 });
    expect(esxi.findings.find((f) => f.check === "NoBalloonDriver")!.message).toContain("VMware Tools not installed), so any reclaim need goes straight to compression and hypervisor swapping");
  });
});
