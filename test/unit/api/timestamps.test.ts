/**
 * RFC 3339 timestamps from simulated time and the simulation's epoch: formatting and parsing
 * (states saved before hold simulated times such as 1m30s), the engine's `epoch` option, that it
 * is saved with the state and restored, and that an old snapshot without one still loads.
 */
import { DEFAULT_EPOCH, epochProblem, formatTimestamp, normalizeEpoch, nowSinceDefaultEpoch, timestampSeconds } from "../../../src/api/timestamps.js";
import { createEngine } from "../../../src/composition/create-engine.js";
import { ageSince } from "../../../src/printing/age.js";

const HOST = { apiVersion: "memplane.io/v1alpha1", kind: "Host", metadata: { name: "esx-01" }, spec: { capacity: "8Gi" } } as const;
const VM = { apiVersion: "memplane.io/v1alpha1", kind: "VirtualMachine", metadata: { name: "web-1" }, spec: { hostName: "esx-01", memory: "1Gi" } } as const;

test("simulated seconds print as RFC 3339 from the epoch, whole seconds as Kubernetes writes them, fractions to the microsecond", () => {
  expect(formatTimestamp(0)).toBe("2026-01-01T00:00:00Z");
  expect(formatTimestamp(90)).toBe("2026-01-01T00:01:30Z");
  expect(formatTimestamp(90.5)).toBe("2026-01-01T00:01:30.5Z");
  expect(formatTimestamp(86_400 * 366, "2024-06-01T08:00:00Z")).toBe("2025-06-02T08:00:00Z");
  for (const seconds of [0, 1, 90.5, 3600.000001, 1e8]) expect(timestampSeconds(formatTimestamp(seconds))).toBeCloseTo(seconds, 6);
  expect(timestampSeconds(formatTimestamp(42, "2024-06-01T08:00:00Z"), "2024-06-01T08:00:00Z")).toBe(42);
});

test("simulated times from states saved before RFC 3339 still read; anything else is refused", () => {
  expect(timestampSeconds("1m30s")).toBe(90);
  expect(() => timestampSeconds("yesterday")).toThrow();
  expect(ageSince("1m30s", 120)).toBe("30s");
  expect(ageSince("2026-01-01T00:01:30Z", 120)).toBe("30s");
  expect(ageSince("2024-06-01T08:00:10Z", nowSinceDefaultEpoch(70, "2024-06-01T08:00:00Z"))).toBe("60s");
});

test("an epoch is an RFC 3339 time in whole seconds from 1970 to 9999, stored in UTC", () => {
  expect(normalizeEpoch("2024-06-01T10:00:00+02:00")).toBe("2024-06-01T08:00:00Z");
  expect(epochProblem("2024-06-01T08:00:00.5Z")).toBe("must be whole seconds (no fraction)");
  expect(epochProblem("1969-12-31T23:59:59Z")).toMatch(/from 1970/);
  expect(epochProblem("June 1st")).toMatch(/RFC 3339/);
  expect(() => createEngine({ epoch: "soon" })).toThrow(/engine option epoch must be an RFC 3339 time/);
});

test("the engine stamps objects, conditions and events from its epoch, saves the epoch, and restores it", () => {
  const engine = createEngine({ epoch: "2024-06-01T08:00:00Z" });
  engine.apply([HOST, VM]);
  engine.step(3);
  const vm = engine.store.get("VirtualMachine", "web-1", "default")!;
  expect(vm.metadata.creationTimestamp).toBe("2024-06-01T08:00:00Z");
  expect(vm.status!.conditions!.every((c) => /^2024-06-01T08:00:0[0-3]Z$/.test(c.lastTransitionTime))).toBe(true);
  const events = engine.store.list("Event");
  expect(events.length).toBeGreaterThan(0);
  for (const e of events) expect(e.lastTimestamp).toMatch(/^2024-06-01T08:00:0[0-3]Z$/);
  const snapshot = engine.snapshot();
  expect(snapshot.options.epoch).toBe("2024-06-01T08:00:00Z");
  const restored = createEngine();
  restored.restore(snapshot);
  expect(restored.options.epoch).toBe("2024-06-01T08:00:00Z");
  restored.apply([{ ...VM, metadata: { name: "web-2" } }]);
  expect(restored.store.get("VirtualMachine", "web-2", "default")!.metadata.creationTimestamp).toBe("2024-06-01T08:00:03Z");
});

test("a snapshot saved before RFC 3339 timestamps (no epoch, simulated times) loads with the default epoch and keeps running", () => {
  const engine = createEngine();
  engine.apply([HOST, VM]);
  engine.step(2);
  const legacy = JSON.parse(
    JSON.stringify(engine.snapshot())
      .replace(/"2026-01-01T00:00:0(\d)Z"/g, '"$1s"')
      .replace(/,?"epoch":"[^"]*"/, "")
      .replace(/"createdAt":\d+/g, '"createdAt":0'), // the model's creation order key was simulated seconds then
  );
  expect(JSON.stringify(legacy)).not.toContain("2026-");
  const restored = createEngine();
  restored.restore(legacy);
  expect(restored.options.epoch).toBe(DEFAULT_EPOCH);
  expect(restored.store.get("VirtualMachine", "web-1", "default")!.metadata.creationTimestamp).toBe("0s");
  restored.apply([{ ...VM, metadata: { name: "web-2" } }]);
  restored.step(2);
  expect(restored.store.get("VirtualMachine", "web-2", "default")!.metadata.creationTimestamp).toBe("2026-01-01T00:00:02Z");
  expect(restored.store.get("VirtualMachine", "web-2", "default")!.status!.phase).toBe("Running");
});
