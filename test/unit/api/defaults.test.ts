import {
  applyDefaults,
  DEFAULT_WORKLOAD,
  HOST_SPEC_DEFAULTS,
  VM_SPEC_DEFAULTS,
  type ManifestInput,
} from "../../../src/api/defaults.js";
import type { GuestOSProfile, Host, VirtualMachine } from "../../../src/api/types.js";

const host = (spec: Record<string, unknown>): ManifestInput => ({
  apiVersion: "memplane.io/v1alpha1",
  kind: "Host",
  metadata: { name: "esx-01" },
  spec,
});
const vm = (spec: Record<string, unknown>, metadata: ManifestInput["metadata"] = { name: "web-1" }): ManifestInput => ({
  apiVersion: "memplane.io/v1alpha1",
  kind: "VirtualMachine",
  metadata,
  spec,
});

describe("applyDefaults", () => {
  it("fills every Host default of docs/manifests.md", () => {
    const out = applyDefaults(host({ capacity: "64Gi" })) as Host;
    expect(out.spec).toEqual({
      capacity: "64Gi",
      vmkernelReserved: "auto",
      minFree: "auto",
      memoryStates: { clear: 100, soft: 64, hard: 32, low: 16, largePageBreak: 400, hysteresis: 5, holdSeconds: 15 },
      idleTax: 75,
      ballooning: { enabled: true, maxPercent: 65, appBalloonMaxSlack: "16Mi", guestFloor: "seed", inflateRate: "64Mi", deflateRate: "64Mi" },
      compression: { enabled: true, maxPercent: 10 },
      swap: { capacity: "unlimited", writeRate: "256Mi", readRate: "256Mi", swapInLatency: "1ms" },
      pageSharing: { enabled: true, salting: true, largePages: true, scanMinutes: 60 },
      activeMemory: { sampling: false, samplePages: 100 },
      policy: "esxi",
    });
    expect(out.metadata).toEqual({ name: "esx-01" });
  });

  it("keeps given Host values and fills the rest of a partly given section", () => {
    const out = applyDefaults(
      host({ capacity: 68719476736, minFree: "1.5Gi", ballooning: { enabled: false }, swap: { capacity: "100Gi", swapInLatency: 0.002 } }),
    ) as Host;
    expect(out.spec.capacity).toBe("64Gi");
    expect(out.spec.minFree).toBe("1536Mi");
    expect(out.spec.ballooning).toEqual({ ...HOST_SPEC_DEFAULTS.ballooning, enabled: false });
    expect(out.spec.swap.capacity).toBe("100Gi");
    expect(out.spec.swap.swapInLatency).toBe("0.002s");
  });

  it("fills every VirtualMachine default and leaves computed fields absent", () => {
    const out = applyDefaults(vm({ hostName: "esx-01", memory: "4Gi" })) as VirtualMachine;
    expect(out.metadata).toEqual({ name: "web-1", namespace: "default" });
    expect(out.spec).toEqual({
      hostName: "esx-01",
      powerState: "On",
      memory: "4Gi",
      vcpus: 1,
      reservation: "0",
      shares: "normal",
      guestOS: "other",
      tools: { installed: true, balloonDriver: "healthy" },
      workload: { allocated: "25%", active: 50, compressibility: 50, zeroPages: 2, commonPages: 0, phases: [] },
    });
    for (const computed of ["limit", "maxBalloon", "guestSwap", "overhead"]) expect(out.spec).not.toHaveProperty(computed);
    expect(out.spec.workload).not.toHaveProperty("touchAllOnBoot");
  });

  it("canonicalises quantities and percentages", () => {
    const out = applyDefaults(
      vm({
        hostName: "esx-01",
        memory: "1.5Gi",
        reservation: 1000,
        limit: "2G",
        workload: {
          allocated: "40%",
          active: "30%",
          zeroPages: "5%",
          phases: [{ after: 90, allocated: "1024Mi", active: "10%", rampSeconds: 30 }, { after: "5m" }],
        },
      }),
    ) as VirtualMachine;
    expect(out.spec.memory).toBe("1536Mi");
    expect(out.spec.reservation).toBe("4Ki");
    expect(out.spec.limit).toBe("1953128Ki");
    expect(out.spec.workload.allocated).toBe("40%");
    expect(out.spec.workload.active).toBe(30);
    expect(out.spec.workload.zeroPages).toBe(5);
    expect(out.spec.workload.phases).toEqual([
      { after: "1m30s", allocated: "1Gi", active: 10, rampSeconds: 30 },
      { after: "5m" },
    ]);
  });

  it("keeps namespace, labels and annotations, drops store-owned metadata and status", () => {
    const input = vm(
      { hostName: "esx-01", memory: "1Gi" },
      { name: "db", namespace: "prod", labels: { app: "db" }, annotations: { note: "x" } },
    );
    Object.assign(input.metadata, { uid: "u1", resourceVersion: "7", generation: 3, creationTimestamp: "1s" });
    input.status = { phase: "Running" };
    const out = applyDefaults(input);
    expect(out.metadata).toEqual({ name: "db", namespace: "prod", labels: { app: "db" }, annotations: { note: "x" } });
    expect(out).not.toHaveProperty("status");
  });

  it("defaults a GuestOSProfile", () => {
    const out = applyDefaults({
      apiVersion: "memplane.io/v1alpha1",
      kind: "GuestOSProfile",
      metadata: { name: "win" },
      spec: { minimumMemory: "2Gi" },
    }) as GuestOSProfile;
    expect(out.spec).toEqual({ minimumMemory: "2Gi", touchAllOnBoot: false });
  });

  it("is idempotent and does not modify its input", () => {
    const input = vm({ hostName: "esx-01", memory: "3000M", workload: { allocated: 1e9, phases: [{ after: 10, active: "20%" }] } });
    const snapshot = JSON.stringify(input);
    const once = applyDefaults(input);
    expect(JSON.stringify(input)).toBe(snapshot);
    expect(applyDefaults(once as unknown as ManifestInput)).toEqual(once);
    const h = applyDefaults(host({ capacity: "1T", minFree: 1e9 }));
    expect(applyDefaults(h as unknown as ManifestInput)).toEqual(h);
  });

  it("exports frozen default tables", () => {
    expect(Object.isFrozen(HOST_SPEC_DEFAULTS)).toBe(true);
    expect(Object.isFrozen(HOST_SPEC_DEFAULTS.ballooning)).toBe(true);
    expect(VM_SPEC_DEFAULTS.shares).toBe("normal");
    expect(DEFAULT_WORKLOAD.allocated).toBe("25%");
  });
});
