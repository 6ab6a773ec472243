/**
 * ESXi's statistical working-set estimate (docs/memory-model.md §4, Waldspurger §5.3): n random
 * pages per period, the touched share of memory is the estimate, so its error is binomial.
 */
import { sampledWorkingSet } from "../../../src/hypervisor/active-memory.js";
import { SeededRandom } from "../../../src/engine/random.js";

describe("sampledWorkingSet", () => {
  it("is unbiased with the binomial spread of n sampled pages", () => {
    const rng = new SeededRandom(7);
    const memory = 1_048_576; // 4 GiB
    const ws = 262_144; // a quarter of it
    const draws = Array.from({ length: 2000 }, () => sampledWorkingSet(memory, ws, 100, rng));
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    const sd = Math.sqrt(draws.reduce((s, x) => s + (x - mean) ** 2, 0) / draws.length);
    const expectedSd = Math.sqrt((0.25 * 0.75) / 100) * memory; // ≈ 4.3 % of memory
    expect(Math.abs(mean - ws)).toBeLessThan(0.01 * memory);
    expect(sd).toBeGreaterThan(0.9 * expectedSd);
    expect(sd).toBeLessThan(1.1 * expectedSd);
    // every estimate is a whole number of sampled pages' worth of memory
    for (const x of draws.slice(0, 50)) expect(Number.isInteger(x)).toBe(true);
  });

  it("has no error when nothing or everything is touched", () => {
    const rng = new SeededRandom(1);
    expect(sampledWorkingSet(1000, 0, 100, rng)).toBe(0);
    expect(sampledWorkingSet(1000, 1000, 100, rng)).toBe(1000);
    expect(sampledWorkingSet(1000, 5000, 100, rng)).toBe(1000); // a working set beyond memory (guest-swapped part)
  });

  it("is the same for the same seed", () => {
    const run = (seed: number) => {
      const rng = new SeededRandom(seed);
      return Array.from({ length: 20 }, () => sampledWorkingSet(1_000_000, 300_000, 100, rng));
    };
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
  });
});
