/**
 * fast-check generators of random clusters for property tests: hosts with a few VMs each, every
 * knob that changes reclamation drawn at random (reservations, limits, tools, guest OS, shares,
 * workload peaks, guest swap, balloon driver health, compression, page sharing, swap space,
 * sampled active memory;
 * Dynamic Memory on hosts running `hyperv`),
 * and the manifests that build them.
 */
import fc from "fast-check";

/** One random VM. */
export const vmArb = fc.record({
  memoryMi: fc.integer({ min: 256, max: 8192 }),
  reservationPct: fc.constantFrom(0, 0, 0, 25, 50, 100),
  limitPct: fc.constantFrom(0, 0, 0, 50, 80),
  tools: fc.boolean(),
  guestOS: fc.constantFrom("rhel7", "other", "windows-server-2022-desktop", "ubuntu-server-24-04"),
  shares: fc.constantFrom("low", "normal", "high", 5000),
  allocatedPct: fc.integer({ min: 0, max: 100 }),
  activePct: fc.integer({ min: 0, max: 100 }),
  peakPct: fc.integer({ min: 0, max: 100 }),
  peakAfter: fc.integer({ min: 1, max: 60 }),
  guestSwapPct: fc.constantFrom(0, 10, 50, 100),
  driver: fc.constantFrom("healthy", "healthy", "slow", "stuck"),
});

const hostFields = {
  capacityGi: fc.integer({ min: 2, max: 24 }),
  vms: fc.array(vmArb, { minLength: 1, maxLength: 6 }),
  maxPercent: fc.constantFrom(65, 100),
  compression: fc.boolean(),
  salting: fc.boolean(),
  activeSampling: fc.boolean(),
  swapCapacityGi: fc.constantFrom(0, 2, 64),
};

/** One random ESXi host (the default policy) with its VMs. */
export const hostArb = fc.record(hostFields);

/** One random host running one of `policies`, with its VMs; `maxCapacityGi` (default 24) makes overcommit likelier. */
export function hostWithPolicyArb(policies: readonly string[], maxCapacityGi = 24): fc.Arbitrary<HostCase> {
  return fc.record({ ...hostFields, capacityGi: fc.integer({ min: 2, max: maxCapacityGi }), policy: fc.constantFrom(...policies) });
}

/** A generated host. */
export type HostCase = (typeof hostArb extends fc.Arbitrary<infer T> ? T : never) & { policy?: string };

/** The manifests of generated hosts: host `h<i>` and its VMs `vm-<i>-<j>`. */
export function manifests(hosts: readonly HostCase[]): object[] {
  const out: object[] = [];
  hosts.forEach((h, i) => {
    out.push({
      apiVersion: "memplane.io/v1alpha1",
      kind: "Host",
      metadata: { name: `h${i}` },
      spec: {
        capacity: `${h.capacityGi}Gi`,
        ballooning: { maxPercent: h.maxPercent, inflateRate: "256Mi" },
        compression: { enabled: h.compression },
        pageSharing: { salting: h.salting, largePages: false, scanMinutes: 1 },
        swap: h.swapCapacityGi ? { capacity: `${h.swapCapacityGi}Gi` } : {},
        ...(h.activeSampling ? { activeMemory: { sampling: true, samplePages: 20 } } : {}),
        ...(h.policy === undefined ? {} : { policy: h.policy }),
      },
    });
    h.vms.forEach((v, j) => {
      const spec: Record<string, unknown> = {
        hostName: `h${i}`,
        memory: `${v.memoryMi}Mi`,
        guestOS: v.guestOS,
        shares: v.shares,
        tools: { installed: v.tools, balloonDriver: v.driver },
        guestSwap: `${Math.floor((v.memoryMi * v.guestSwapPct) / 100)}Mi`,
        workload: {
          allocated: `${v.allocatedPct}%`,
          active: v.activePct,
          commonPages: 10,
          phases: [{ after: `${v.peakAfter}s`, allocated: `${v.peakPct}%`, rampSeconds: 10 }],
        },
      };
      if (h.policy === "hyperv" && j % 3 !== 2) {
        // Dynamic Memory on two VMs in three, derived from drawn fields (the arbitraries stay as they were)
        const startupMi = Math.max(32, Math.floor(v.memoryMi / 2));
        spec.dynamicMemory = { startup: `${startupMi}Mi`, minimum: `${Math.max(16, Math.floor(startupMi / 2))}Mi`, bufferPercent: 5 + v.activePct * 2, weight: v.peakPct * 100 };
      }
      if (v.reservationPct) spec.reservation = `${Math.floor((v.memoryMi * v.reservationPct) / 100)}Mi`;
      if (v.limitPct) spec.limit = `${Math.max(Math.floor((v.memoryMi * v.limitPct) / 100), Math.floor((v.memoryMi * v.reservationPct) / 100))}Mi`;
      out.push({ apiVersion: "memplane.io/v1alpha1", kind: "VirtualMachine", metadata: { name: `vm-${i}-${j}` }, spec });
    });
  });
  return out;
}
