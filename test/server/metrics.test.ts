/** The Prometheus text rendering of /metrics. */
import { createEngine } from "../../src/composition/create-engine.js";
import { escapeLabel, renderMetrics } from "../../src/server/metrics.js";

test("label values escape backslash, quote and newline", () => {
  expect(escapeLabel('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
});

test("every family has HELP and TYPE; objects without status yet give no samples, never NaN", () => {
  const engine = createEngine();
  engine.apply("apiVersion: memplane.io/v1alpha1\nkind: Host\nmetadata: {name: esx-01}\nspec: {capacity: 8Gi}\n");
  const before = renderMetrics(engine.store, { ticks: 0, timeSeconds: 0, logEntries: 0 });
  expect(before).not.toMatch(/NaN/);
  expect(before).toMatch(/^memplane_host_capacity_bytes\{host="esx-01"\} 8589934592$/m);
  expect(before).not.toMatch(/^memplane_host_free_bytes\{/m);
  engine.step(1);
  const after = renderMetrics(engine.store, { ticks: engine.tick, timeSeconds: engine.timeSeconds, logEntries: 3 });
  const lines = after.trimEnd().split("\n");
  for (const sample of lines.filter((l) => !l.startsWith("#"))) {
    const name = sample.split(/[{ ]/)[0]!;
    expect(lines).toContain(`# TYPE ${name} ${name.endsWith("_total") ? "counter" : "gauge"}`);
    expect(sample).toMatch(/ -?[0-9.e+]+$/);
  }
  expect(after).toMatch(/^memplane_host_state\{host="esx-01",state="high"\} 1$/m);
  expect(after).toMatch(/^memplane_log_entries_total 3$/m);
});
