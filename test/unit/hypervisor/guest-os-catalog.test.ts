/**
 * The one guest-OS catalog (docs/guest-os-profiles.md): applied GuestOSProfiles override the
 * built-ins, an unknown guest OS counts as `other`, and the model (which reads the store at
 * every sync) and `explain` (which reads it as it is now) give the same balloon floor.
 */
import { createEngine, TOKENS, type MemoryModel } from "memplane";
import { GuestOsCatalog, storeCatalog } from "../../../src/hypervisor/guest-os-catalog.js";
import { osMinimumPages } from "../../../src/explain/balloon-caps.js";

const MiB = 256;

const profile = (name: string, minimumMemory: string, touchAllOnBoot = false) => `---
apiVersion: memplane.io/v1alpha1
kind: GuestOSProfile
metadata: {name: ${name}}
spec: {minimumMemory: ${minimumMemory}, touchAllOnBoot: ${touchAllOnBoot}}
`;
const cluster = (...extra: string[]) => `apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: h}
spec: {capacity: 16Gi}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: legacy}
spec: {hostName: h, memory: 2Gi, guestOS: rhel7}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: odd}
spec: {hostName: h, memory: 2Gi, guestOS: plan9}
${extra.join("")}`;

describe("guest-OS catalog", () => {
  it("answers from the built-ins, and counts an unknown guest OS as `other`", () => {
    const catalog = new GuestOsCatalog();
    expect(catalog.minimumPages("rhel7")).toBe(512 * MiB);
    expect(catalog.minimumPages("plan9")).toBe(256 * MiB);
    expect(catalog.touchesAllOnBoot("windows-server-2022-core")).toBe(true);
    expect(catalog.touchesAllOnBoot("plan9")).toBe(false);
  });

  it("lets applied profiles override built-ins, `other` included", () => {
    const e = createEngine();
    e.apply(cluster(profile("rhel7", "1Gi", true), profile("other", "768Mi")));
    const catalog = storeCatalog(e.store);
    expect(catalog.minimumPages("rhel7")).toBe(1024 * MiB);
    expect(catalog.minimumPages("plan9")).toBe(768 * MiB);
    expect(catalog.touchesAllOnBoot("rhel7")).toBe(true);
  });

  it("gives the model and explain the same guest OS minimum, before and after a profile changes", () => {
    const e = createEngine();
    e.apply(cluster(profile("rhel7", "1Gi")));
    e.step(2);
    const model = e.container.get<MemoryModel>(TOKENS.MemoryModel);
    const floors = () =>
      ["legacy", "odd"].map((name) => {
        const vm = model.vm("default", name)!;
        return [model.osMinimum(vm), osMinimumPages(e.store, vm.spec.guestOS)];
      });
    expect(floors()).toEqual([
      [1024 * MiB, 1024 * MiB],
      [256 * MiB, 256 * MiB],
    ]);
    e.apply(profile("other", "640Mi"));
    e.step(1);
    expect(floors()).toEqual([
      [1024 * MiB, 1024 * MiB],
      [640 * MiB, 640 * MiB],
    ]);
  });
});
