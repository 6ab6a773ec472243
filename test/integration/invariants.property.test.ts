/**
 * Property test (memory-model §2): random clusters and workloads, run tick by tick; after every
 * tick the ledger identities hold, nothing is negative, balloons stay within their maximum,
 * nothing is reclaimed below a reservation, host free memory is never negative, and no VM ever
 * consumes more than its limit (the VMkernel never backs more: docs/memory-model.md, *Limits*).
 */
import fc from "fast-check";
import { TOKENS, createEngine, quantityToPages } from "memplane";
import type { MemoryModel } from "../../src/hypervisor/memory-model.js";
import { hostArb, manifests } from "../helpers/random-cluster.js";

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
          for (const v of model.allVms()) {
            if (v.phase === "Running" && model.consumed(v) > v.spec.limit) expect(`${v.key} consumed ${model.consumed(v)} > limit ${v.spec.limit}`).toBe("within its limit");
          }
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
