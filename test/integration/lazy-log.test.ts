/**
 * Lazy log entries (docs/performance.md, *Log entries only for readers*): a tick nobody reads
 * builds no entries, and entries built late — from the tick summary, ticks afterwards — are
 * byte for byte the entries a `logs$` subscriber receives as they are emitted.
 */
import { createEngine, formatLogJson, type TickSummary } from "memplane";
import { exampleText } from "./scenario-harness.js";

function loaded() {
  const engine = createEngine({ seed: 5 });
  engine.apply(exampleText("seed-story"));
  engine.apply(exampleText("idle-tax"));
  return engine;
}

describe("lazy log entries", () => {
  it("entries read from tick summaries after the run are the bytes logs$ delivered during it", () => {
    const eager = loaded();
    const streamed: string[] = [];
    eager.logs$.subscribe((e) => streamed.push(formatLogJson(e)));
    eager.step(300);

    const lazy = loaded();
    const summaries: TickSummary[] = [];
    lazy.ticks$.subscribe((s) => summaries.push(s)); // kept, not read, while the run goes on
    lazy.step(300);
    const late = summaries.flatMap((s) => s.logEntries.map(formatLogJson));

    expect(streamed.filter((l) => l.includes('"EntitlementChanged"')).length).toBeGreaterThan(20);
    expect(late).toEqual(streamed);
    // the same objects on every read
    expect(summaries[0]!.logEntries[0]).toBe(summaries[0]!.logEntries[0]);
    expect(JSON.stringify(lazy.snapshot())).toBe(JSON.stringify(eager.snapshot()));
  });
});
