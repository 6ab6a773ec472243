/**
 * Behaviours of the memory model a user relies on, each in a small cluster: freed guest memory
 * stays backed; the balloon takes free, then untouched, then used pages; blind swapping takes
 * used and free pages alike; an applied GuestOSProfile overrides a built-in one; power-off
 * releases everything.
 */
import { TOKENS, createEngine } from "memplane";
import type { MemoryModel } from "../../src/hypervisor/memory-model.js";
import { GiB, MiB, vmMemory } from "./scenario-harness.js";

const host = (extra = "") => `apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: h}
spec:
  capacity: 16Gi
${extra}
`;
const vm = (name: string, spec: string) => `---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: ${name}}
spec:
  hostName: h
${spec}`;

describe("guest workload (memory-model §3)", () => {
  it("freed guest memory stays backed by the host (the seed's core example)", () => {
    const e = createEngine();
    e.apply(host() + vm("a", "  memory: 4Gi\n  workload: {allocated: 3Gi, phases: [{after: 10s, allocated: 1Gi}]}"));
    e.step(5);
    const before = vmMemory(e, "a");
    e.step(10);
    const after = vmMemory(e, "a");
    expect(after.guestUsed).toBe(1 * GiB);
    expect(after.guestFree).toBe(2 * GiB);
    expect(after.consumed).toBe(before.consumed); // the host never learned
    expect(after.granted).toBe(3 * GiB);
  });

  it("touchAllOnBoot (Windows) backs every page once and leaves the rest guest-free", () => {
    const e = createEngine();
    e.apply(host() + vm("w", "  memory: 2Gi\n  guestOS: windows-server-2022-core\n  workload: {allocated: 512Mi}"));
    e.step(2);
    const m = vmMemory(e, "w");
    expect(m.guestUntouched).toBe(0);
    expect(m.guestUsed + m.guestFree).toBe(2 * GiB);
    expect(m.guestFree).toBe(1.5 * GiB);
  });
});

describe("ballooning order (memory-model §6)", () => {
  it("takes guest-free pages first, then untouched, then used (with guest paging)", () => {
    const e = createEngine();
    // maxBalloon lets us drive the balloon deterministically through an over-limit VM.
    e.apply(
      host() +
        vm("b", "  memory: 4Gi\n  limit: 1Gi\n  guestSwap: 4Gi\n  workload: {allocated: 2Gi, active: 10%, phases: [{after: 5s, allocated: 1536Mi}]}"),
    );
    e.step(3);
    let m = vmMemory(e, "b");
    const model = e.container.get<MemoryModel>(TOKENS.MemoryModel);
    const record = model.vm("default", "b")!;
    expect(m.balloon).toBeGreaterThan(0);
    // While guest-free pages remain, untouched ones are not taken.
    e.step(10);
    m = vmMemory(e, "b");
    if (m.guestFree > 0) expect(m.guestUntouched).toBe(4 * GiB - 2 * GiB);
    e.step(120);
    m = vmMemory(e, "b");
    expect(m.guestFree).toBe(0);
    expect(record.balloon).toBe(m.balloon);
    expect(m.consumed).toBeLessThanOrEqual(1 * GiB + MiB);
  });
});

describe("guest OS profiles", () => {
  it("an applied GuestOSProfile overrides the built-in one of the same name", () => {
    const run = (profile: string) => {
      const e = createEngine();
      e.apply(host("  ballooning: {maxPercent: 100}") + vm("r", "  memory: 1Gi\n  guestOS: rhel7") + "\n" + profile);
      e.step(2);
      return vmMemory(e, "r").balloonMax;
    };
    expect(run("")).toBe(496 * MiB);
    expect(run("---\napiVersion: memplane.io/v1alpha1\nkind: GuestOSProfile\nmetadata: {name: rhel7}\nspec: {minimumMemory: 768Mi}\n")).toBe(240 * MiB);
  });
});

describe("power-off (memory-model §9)", () => {
  it("releases every page, the reservation and the overhead", () => {
    const e = createEngine();
    e.apply(host() + vm("p", "  memory: 4Gi\n  reservation: 1Gi\n  workload: {allocated: 3Gi}"));
    e.step(3);
    const hostBefore = e.store.get("Host", "h")!.status!.memory;
    expect(hostBefore.reserved).not.toBe("0");
    e.apply(host() + vm("p", "  memory: 4Gi\n  reservation: 1Gi\n  powerState: Off\n  workload: {allocated: 3Gi}"));
    e.step(1);
    const h = e.store.get("Host", "h")!.status!.memory;
    expect(h.reserved).toBe("0");
    expect(h.consumed).toBe("0");
    expect(h.free).toBe("15197Mi"); // all of it back: 16Gi − vmkernelReserved auto (1Gi + 1 % = 1187Mi)
    expect(e.store.get("VirtualMachine", "p", "default")!.status!.phase).toBe("Stopped");
  });
});
