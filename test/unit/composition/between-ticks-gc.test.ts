/**
 * A shard's worker thread collects its garbage between ticks (composition/shards/between-ticks-gc.ts):
 * only once its heap has grown by 15 % (and 12 MiB) since the last collection it ran, with V8's
 * own full collection, leaving --expose-gc as it found it.
 */
import { runInNewContext } from "node:vm";
import { BetweenTicksCollector, fullCollection } from "../../../src/composition/shards/between-ticks-gc.js";

const MiB = 2 ** 20;

describe("BetweenTicksCollector", () => {
  it("collects when the heap has grown by 15 % and by 12 MiB since its last collection, not before", () => {
    let used = 100 * MiB;
    const collected: number[] = [];
    const collector = new BetweenTicksCollector(() => {
      collected.push(used);
      used = used / 2; // what the collection freed
    }, () => used);
    expect(collector.maybeCollect()).toBe(true); // the first call learns what is alive
    expect(used).toBe(50 * MiB);
    used = 61 * MiB; // grown by 11 MiB (over 1.15 × 50), but under 12 MiB
    expect(collector.maybeCollect()).toBe(false);
    used = 62 * MiB; // grown by 12 MiB, and over 1.15 × 50
    expect(collector.maybeCollect()).toBe(true);
    expect(collected).toEqual([100 * MiB, 62 * MiB]);
    expect(collector.collections).toBe(2);
    used = 1000 * MiB; // a large heap: 15 % of what was alive is the bar
    collector.maybeCollect();
    used = 580 * MiB; // 500 alive after the last: 1.15 × 500 = 575 → collect
    expect(collector.maybeCollect()).toBe(true);
    used = 330 * MiB; // 290 alive: 1.15 × 290 = 333.5 not reached (though 40 MiB more)
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
