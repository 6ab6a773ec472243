/**
 * `spec.ballooning.guestFloor` (docs/memory-model.md §7): the seed article's guest-OS floor is
 * the default, a host can switch it off, `explain` says whose rule it is, and `advise` warns when
 * the floor keeps a VM from ballooning at all (a 2Gi Windows Server 2022 Desktop VM).
 */
import { createEngine, ManifestValidationError } from "memplane";
import { adviseManifests, explainVm } from "../../src/explain/index.js";
import type { BalloonDecision } from "../../src/hypervisor/decisions.js";
import { MiB, exampleText as runExampleText, runExample } from "../integration/scenario-harness.js";

const liveBalloon = (r: { live: { type: string }[] }): BalloonDecision => r.live.find((d) => d.type === "balloon") as BalloonDecision;

const WINDOWS_2GI = (guestFloor?: string): string => `apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: esx-01}
spec:
  capacity: 8Gi
  vmkernelReserved: "0"
${guestFloor ? `  ballooning: {guestFloor: ${guestFloor}}\n` : ""}---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: desktop}
spec:
  hostName: esx-01
  memory: 2Gi
  guestOS: windows-server-2022-desktop
  workload: {allocated: 1Gi, active: 10%}
`;

describe("spec.ballooning.guestFloor", () => {
  it("seed (the default): the floor binds, and explain says it is the seed article's rule", () => {
    const text = runExampleText("balloon-floor");
    const { engine } = runExample("balloon-floor", { text });
    engine.step(400);
    const r = explainVm(engine, "rhel-small");
    expect(liveBalloon(r).binding).toBe("osFloor");
    expect(liveBalloon(r).balloonMax).toBe(496 * MiB);
    expect(r.text).toContain("floor: the seed article's rule");
    expect(r.text).toMatch(/VMware's documents name only Mem\.CtlMaxPercent and sched\.mem\.maxmemctl/);
    expect(engine.store.get("Host", "tiny")!.spec.ballooning.guestFloor).toBe("seed");
  });

  it("off: the balloon goes past the guest OS minimum, up to Mem.CtlMaxPercent", () => {
    const text = runExampleText("balloon-floor").replace("    maxPercent: 100\n", "    maxPercent: 100\n    guestFloor: \"off\"\n");
    const { engine } = runExample("balloon-floor", { text });
    engine.step(400);
    const r = explainVm(engine, "rhel-small");
    const b = liveBalloon(r);
    expect(b.caps.osFloor).toBeNull();
    expect(b.binding).toBe("maxPercent");
    expect(b.balloonMax).toBe(1024 * MiB);
    expect(r.text).toContain("osFloor off (guestFloor: off)");
    // under the same sustained pressure the balloon now takes more than the seed floor allowed
    const vm = engine.store.get("VirtualMachine", "rhel-small", "default")!;
    expect(vm.status!.memory.balloon).not.toBe("0");
    expect(b.balloon).toBeGreaterThan(496 * MiB);
  });

  it("rejects anything but seed or off, naming the field", () => {
    const bad = WINDOWS_2GI("none");
    let err: unknown;
    try {
      createEngine().apply(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ManifestValidationError);
    expect(String((err as Error).message)).toMatch(/spec\.ballooning\.guestFloor/);
  });

  it("advise warns when the floor disables ballooning for a VM, and not once the floor is off", () => {
    const seed = adviseManifests(WINDOWS_2GI(), { ticks: 5 });
    const f = seed.findings.find((x) => x.check === "GuestFloorBlocksBalloon");
    expect(f).toMatchObject({ severity: "warning", object: "vm/default/desktop" });
    expect(f!.message).toMatch(/windows-server-2022-desktop, 2Gi\) plus AppBalloonMaxSlack \(16Mi\)/);
    expect(f!.fix).toContain("spec.ballooning.guestFloor: off");
    expect(f!.source).toMatch(/seed.*memory-model\.md §7/);
    const off = adviseManifests(WINDOWS_2GI("off"), { ticks: 5 });
    expect(off.findings.some((x) => x.check === "GuestFloorBlocksBalloon")).toBe(false);
  });
});
