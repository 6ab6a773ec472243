/**
 * A shard's worker thread collects its garbage between ticks (composition/shards/between-ticks-gc.ts):
 * only once its heap has grown by half since the last collection it ran, and the collection
 * gives the garbage back.
 */
import { getHeapStatistics } from "node:v8";
import { runInNewContext } from "node:vm";
import { BetweenTicksCollector } from "../../../src/composition/shards/between-ticks-gc.js";

describe("BetweenTicksCollector", () => {
  it("collects when the heap has grown, frees the garbage, and then waits for it to grow again", () => {
    const collector = new BetweenTicksCollector();
    collector.maybeCollect(); // the first call sets what is alive
    const live = getHeapStatistics().used_heap_size;
    expect(collector.maybeCollect()).toBe(false); // nothing grew
    let garbage: number[][] | undefined = [];
    for (let i = 0; i < 4000; i++) garbage.push(Array.from({ length: 2000 }, (_, j) => i + j + 0.5)); // ≈ 64 MiB of doubles
    garbage = undefined;
    const before = collector.collections;
    expect(getHeapStatistics().used_heap_size).toBeGreaterThan(live + 32 * 2 ** 20);
    expect(collector.maybeCollect()).toBe(true);
    expect(collector.collections).toBe(before + 1);
    expect(getHeapStatistics().used_heap_size).toBeLessThan(live + 32 * 2 ** 20);
    expect(collector.maybeCollect()).toBe(false);
  });

  it("leaves V8's --expose-gc as it found it: contexts made later do not get a gc function", () => {
    new BetweenTicksCollector();
    const exposedAtStart = process.execArgv.includes("--expose-gc");
    expect(runInNewContext("typeof gc")).toBe(exposedAtStart ? "function" : "undefined");
  });
});
