/**
 * A shard's worker thread collects its garbage between ticks (composition/shards/between-ticks-gc.ts):
 * only once its heap has grown by half (and 32 MiB) since the last collection it ran, with V8's
 * own full collection, leaving --expose-gc as it found it.
 */
import { runInNewContext } from "node:vm";
import { BetweenTicksCollector, fullCollection } from "../../../src/composition/shards/between-ticks-gc.js";

const MiB = 2 ** 20;

describe("BetweenTicksCollector", () => {
  it("collects when the heap has grown by half and by 32 MiB since its last collection, not before", () => {
    let used = 100 * MiB;
    const collected: number[] = [];
    const collector = new BetweenTicksCollector(() => {
      collected.push(used);
      used = used / 2; // what the collection freed
    }, () => used);
    expect(collector.maybeCollect()).toBe(true); // the first call learns what is alive
    expect(used).toBe(50 * MiB);
    used = 80 * MiB; // grown by 30 MiB: under 32 MiB
    expect(collector.maybeCollect()).toBe(false);
    used = 82 * MiB; // grown by 32 MiB, and over 1.5 × 50
    expect(collector.maybeCollect()).toBe(true);
    expect(collected).toEqual([100 * MiB, 82 * MiB]);
    expect(collector.collections).toBe(2);
    used = 1000 * MiB; // a large heap: half of what was alive is the bar
    collector.maybeCollect();
    used = 1400 * MiB; // 500 alive after the last: 1.5 × 500 = 750 → collect
    expect(collector.maybeCollect()).toBe(true);
    used = 740 * MiB; // 700 alive: 1.5 × 700 = 1050 not reached
    expect(collector.maybeCollect()).toBe(false);
  });

  it("runs V8's full collection: an object nothing holds is gone after it", async () => {
    const collect = fullCollection()!;
    expect(typeof collect).toBe("function"); // (a function of another context: not this one's Function)
    let held: object | undefined = { big: new Array(1000).fill(1) };
    const ref = new WeakRef(held);
    held = undefined;
    await new Promise((resolve) => setImmediate(resolve)); // a WeakRef keeps its target until the job ends
    collect();
    expect(ref.deref()).toBeUndefined();
  });

  it("leaves V8's --expose-gc as it found it: contexts made later do not get a gc function", () => {
    // (the flag may be on already: npm test's node or another test file in this process)
    const before = runInNewContext("typeof gc");
    expect(typeof fullCollection()).toBe("function");
    expect(runInNewContext("typeof gc")).toBe(before);
  });
});
