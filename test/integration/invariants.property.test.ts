/**
 * Property test (memory-model §2): random clusters and workloads, run tick by tick; after every
 * tick the ledger identities hold, nothing is negative, balloons stay within their maximum,
 * nothing is reclaimed below a reservation, and host free memory is never negative.
 */
import fc from "fast-check";
import { TOKENS, createEngine, quantityToPages } from "memplane";
import type { MemoryModel } from "../../src/hypervisor/memory-model.js";

const vmArb = fc.record({
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

const hostArb = fc.record({
  capacityGi: fc.integer({ min: 2, max: 24 }),
  vms: fc.array(vmArb, { minLength: 1, maxLength: 6 }),
  maxPercent: fc.constantFrom(65, 100),
  compression: fc.boolean(),
  salting: fc.boolean(),
  swapCapacityGi: fc.constantFrom(0, 2, 64),
});

type HostCase = typeof hostArb extends fc.Arbitrary<infer T> ? T : never;

function manifests(hosts: HostCase[]): object[] {
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
      if (v.reservationPct) spec.reservation = `${Math.floor((v.memoryMi * v.reservationPct) / 100)}Mi`;
      if (v.limitPct) spec.limit = `${Math.max(Math.floor((v.memoryMi * v.limitPct) / 100), Math.floor((v.memoryMi * v.reservationPct) / 100))}Mi`;
      out.push({ apiVersion: "memplane.io/v1alpha1", kind: "VirtualMachine", metadata: { name: `vm-${i}-${j}` }, spec });
    });
  });
  return out;
}

const pages = (q: string | undefined): number => (q === undefined ? 0 : quantityToPages(q));

describe("memory-model §2 invariants on random clusters", () => {
  it("hold after every tick", () => {
    fc.assert(
      fc.property(fc.array(hostArb, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 1000 }), (hosts, seed) => {
        const engine = createEngine({ seed });
        engine.apply(manifests(hosts));
        const model = engine.container.get<MemoryModel>(TOKENS.MemoryModel);
        const touchedPeak = new Map<string, number>();
        for (let t = 0; t < 90; t++) {
          engine.step(1);
          expect(model.invariantViolations()).toEqual([]);
          for (const h of engine.store.list("Host")) expect(pages(h.status?.memory.free)).toBeGreaterThanOrEqual(0);
          for (const vm of engine.store.list("VirtualMachine")) {
            const m = vm.status?.memory;
            if (!m || vm.status?.phase !== "Running") continue;
            expect(pages(m.balloon)).toBeLessThanOrEqual(Math.max(pages(m.balloonMax), pages(m.balloonTarget)));
            const reservation = pages(vm.spec.reservation);
            const backed = pages(m.guestUsed) + pages(m.guestFree);
            const key = vm.metadata.name;
            const peak = Math.max(touchedPeak.get(key) ?? 0, backed);
            touchedPeak.set(key, peak);
            // nothing reclaimed below a reservation: once touched, reserved memory stays consumed
            // (sharing savings are capped the same way)
            if (peak >= reservation && reservation > 0) expect(pages(m.consumed)).toBeGreaterThanOrEqual(Math.min(reservation, backed) - 1);
          }
        }
      }),
      { numRuns: Number(process.env.MEMPLANE_PROPERTY_RUNS ?? 25), seed: 4242, endOnFailure: process.env.MEMPLANE_PROPERTY_SHRINK !== "1" },
    );
  });
});
