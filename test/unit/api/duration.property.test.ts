/**
 * One duration grammar, with bounds, round-tripping (issue 19, high 2). Property tests
 * (fast-check, seeded): every duration `parseDuration` accepts is finite, whole microseconds and
 * at most 87600h, and prints (`formatSimTime`) and parses back to the very same number; every
 * duration manifest validation accepts is stored (defaulted) in a form the engine reads back to
 * the same number, so a validated object can never wedge a tick.
 */
import fc from "fast-check";
import { DurationError, formatSimTime, MAX_DURATION_SECONDS, parseDuration, tickLengthProblem } from "../../../src/api/duration.js";
import { validateManifestObjects } from "../../../src/manifest/index.js";
import { resolveHost, resolveVm } from "../../../src/hypervisor/resolved.js";
import { runOrder } from "../../../src/scenario/runner.js";
import type { Host, Scenario, VirtualMachine } from "../../../src/api/types.js";

const RUNS = { seed: 19, numRuns: 400 };
const UNITS = ["ns", "us", "µs", "μs", "ms", "s", "m", "h"] as const;

/** A decimal number as text: digits, an optional fraction (possibly empty, `5.`), or `.5`. */
const decimal = fc.oneof(
  fc.tuple(fc.stringMatching(/^[0-9]{1,12}$/), fc.option(fc.stringMatching(/^[0-9]{0,10}$/), { nil: undefined })).map(([w, f]) => (f === undefined ? w : `${w}.${f}`)),
  fc.stringMatching(/^\.[0-9]{1,10}$/),
);

/** Texts of the grammar, in and out of bounds: `1h30m`, `2.5s`, `250us`, `0.000001`, ... */
const durationText = fc.oneof(
  decimal,
  fc.array(fc.tuple(decimal, fc.constantFrom(...UNITS)), { minLength: 1, maxLength: 4 }).map((terms) => terms.map(([n, u]) => `${n}${u}`).join("")),
  // near the bounds and the resolution
  fc.integer({ min: 0, max: MAX_DURATION_SECONDS * 1e6 + 5 }).map((micros) => `${micros}us`),
  fc.integer({ min: 0, max: 1_000_000 }).map((n) => `${n}ns`),
);

/** Numbers a YAML file or a library caller may give: any double, whole microseconds, specials. */
const durationNumber = fc.oneof(
  fc.double({ min: -1, max: MAX_DURATION_SECONDS * 2 }),
  fc.double(),
  fc.integer({ min: 0, max: MAX_DURATION_SECONDS * 1e6 }).map((micros) => micros / 1e6),
  fc.constantFrom(0, -0, 1e-6, 1e-7, 0.1 + 0.2, MAX_DURATION_SECONDS, MAX_DURATION_SECONDS + 1e-6, 1e300, Number.MAX_VALUE, Number.MIN_VALUE),
);

const anyDuration = fc.oneof(durationText, durationNumber);

/** parseDuration's answer, or undefined when it refuses (only ever with a DurationError). */
function parsed(input: string | number): number | undefined {
  try {
    return parseDuration(input);
  } catch (e) {
    expect(e).toBeInstanceOf(DurationError);
    return undefined;
  }
}

describe("the duration grammar (property)", () => {
  it("accepts only finite, whole-microsecond values from 0 to 87600h, which print and parse back exactly", () => {
    fc.assert(
      fc.property(anyDuration, (input) => {
        const seconds = parsed(input);
        if (seconds === undefined) return;
        expect(Number.isFinite(seconds)).toBe(true);
        expect(seconds).toBeGreaterThanOrEqual(0);
        expect(seconds).toBeLessThanOrEqual(MAX_DURATION_SECONDS);
        expect(Number.isInteger(Math.round(seconds * 1e6))).toBe(true);
        const text = formatSimTime(seconds);
        expect(parseDuration(text)).toBe(seconds);
        expect(formatSimTime(parseDuration(text))).toBe(text);
      }),
      RUNS,
    );
  });

  it("a text and its value agree: a decimal of whole microseconds parses to exactly micros / 1e6", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_DURATION_SECONDS * 1e6 }), (micros) => {
        const text = `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, "0")}`;
        expect(parseDuration(text)).toBe(micros / 1e6);
        expect(parseDuration(`${text}s`)).toBe(micros / 1e6);
        expect(parseDuration(micros / 1e6)).toBe(micros / 1e6);
        expect(parseDuration(formatSimTime(micros / 1e6))).toBe(micros / 1e6);
      }),
      RUNS,
    );
  });

  it("whatever validation accepts is stored in a form the engine reads back to the same value", () => {
    fc.assert(
      fc.property(anyDuration, (input) => {
        const seconds = parsed(input);
        const objects = validateManifestObjects([
          { apiVersion: "memplane.io/v1alpha1", kind: "Host", metadata: { name: "h" }, spec: { capacity: "8Gi", swap: { swapInLatency: input } } },
          { apiVersion: "memplane.io/v1alpha1", kind: "VirtualMachine", metadata: { name: "v" }, spec: { hostName: "h", memory: "1Gi", workload: { phases: [{ after: input }] } } },
          { apiVersion: "memplane.io/v1alpha1", kind: "Scenario", metadata: { name: "s" }, spec: { steps: [{ after: input, delete: { kind: "Host", name: "h" } }] } },
        ]);
        if (objects.errors.length > 0) {
          // refused exactly when the parser refuses, one error per field, each naming it
          expect(seconds).toBeUndefined();
          expect(objects.errors.map((e) => e.path)).toEqual(["[0].spec.swap.swapInLatency", "[1].spec.workload.phases[0].after", "[2].spec.steps[0].after"]);
          return;
        }
        // validation accepts nothing the parser refuses
        expect(seconds).toBeDefined();
        const [host, vm, scenario] = objects.objects as [Host, VirtualMachine, Scenario];
        expect(resolveHost(host.spec).swap.swapInLatency).toBe(seconds);
        expect(resolveVm(vm.spec).workload.phases[0]!.after).toBe(seconds);
        expect(parseDuration(scenario.spec.steps[0]!.after)).toBe(seconds);
        expect(runOrder(scenario.spec.steps)).toEqual([0]);
      }),
      RUNS,
    );
  });

  it("a tick length is a duration from 1ms to 24h", () => {
    fc.assert(
      fc.property(durationNumber, (seconds) => {
        const problem = tickLengthProblem(seconds);
        if (problem !== undefined) return;
        expect(seconds).toBeGreaterThanOrEqual(0.001);
        expect(seconds).toBeLessThanOrEqual(86_400);
        expect(parseDuration(formatSimTime(seconds))).toBe(seconds);
      }),
      RUNS,
    );
    for (const bad of [5e-324, 0, -1, 1e-4, 86_400.5, 1e300, Number.NaN, Number.POSITIVE_INFINITY, 0.1 + 0.2]) {
      expect(tickLengthProblem(bad)).toBeDefined();
    }
    for (const good of [0.001, 0.5, 1, 5, 300, 86_400]) expect(tickLengthProblem(good)).toBeUndefined();
  });
});
