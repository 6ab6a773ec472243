/**
 * Tick length and real-time speed are bounded (issue 19, low 13): `tickSeconds: 5e-324` used to
 * be accepted, and a speed so small that one tick's wait overflowed Node's timer made the clock
 * tick every millisecond instead of almost never.
 */
import { createEngine, ManualClock, RealTimeClock, SnapshotError, type Timers } from "../../../src/index.js";
import { parseSpeed } from "../../../src/cli/commands/serve.js";
import { parseTickLength } from "../../../src/cli/options.js";

describe("tickSeconds", () => {
  it.each([5e-324, 1e-4, 0.0015000001, 86_401, 1e300, Number.NaN, Number.POSITIVE_INFINITY, 0, -1])("createEngine refuses %p with a RangeError naming the range", (tickSeconds) => {
    expect(() => createEngine({ tickSeconds })).toThrow(RangeError);
    expect(() => createEngine({ tickSeconds })).toThrow(/tickSeconds (must be from 1ms to 24h|must be a whole number of microseconds|must be a finite)/);
  });

  it.each([0.001, 0.25, 1, 5, 300, 86_400])("accepts %p", (tickSeconds) => {
    const engine = createEngine({ tickSeconds });
    engine.step(3);
    expect(engine.timeSeconds).toBeCloseTo(3 * tickSeconds, 9);
  });

  it("a snapshot with an unusable tickSeconds is refused whole", () => {
    const engine = createEngine();
    const snapshot = engine.snapshot();
    snapshot.clock.tickSeconds = 5e-324;
    const other = createEngine();
    expect(() => other.restore(snapshot)).toThrow(SnapshotError);
    expect(other.options.tickSeconds).toBe(1);
    expect(() => new ManualClock(5e-324)).toThrow(RangeError);
  });

  it("--tick takes 1ms to 24h", () => {
    expect(parseTickLength("1ms")).toBe(0.001);
    expect(parseTickLength("24h")).toBe(86_400);
    for (const bad of ["0", "500us", "24h0.001s", "0.0000001"]) expect(() => parseTickLength(bad)).toThrow(/a tick must be from 1ms to 24h|finer than 1us/);
  });
});

describe("real-time speed", () => {
  function fakeTimers(): { timers: Timers; calls: { cb: () => void; ms: number }[] } {
    const calls: { cb: () => void; ms: number }[] = [];
    return { calls, timers: { setInterval: (cb, ms) => calls.push({ cb, ms }), clearInterval: () => undefined } };
  }

  it("--speed takes 0 (paused) or 0.001 to 1000000", () => {
    expect(parseSpeed("0")).toBe(0);
    expect(parseSpeed("0.001")).toBe(0.001);
    expect(parseSpeed("1e6")).toBe(1e6);
    for (const bad of ["5e-324", "0.0001", "1e7", "-1", "NaN", ""]) expect(() => parseSpeed(bad)).toThrow(/0\.001 to 1000000/);
  });

  it("a speed whose tick would take forever is refused", () => {
    expect(() => new RealTimeClock({ step: () => undefined, tickSeconds: 86_400, speed: 5e-324 })).toThrow(RangeError);
  });

  it("a wait longer than a timer allows is split, never shortened to 1 ms", () => {
    const fake = fakeTimers();
    let steps = 0;
    // a 24h tick at 0.001x: 86 400 000 000 ms, over the 2^31-1 ms a timer can wait
    const clock = new RealTimeClock({ step: () => steps++, tickSeconds: 86_400, speed: 0.001, timers: fake.timers });
    clock.start();
    expect(fake.calls).toHaveLength(1);
    const { cb, ms } = fake.calls[0]!;
    expect(ms).toBeLessThanOrEqual(2 ** 31 - 1);
    const waits = Math.ceil(86_400_000_000 / (2 ** 31 - 1));
    expect(ms * waits).toBeCloseTo(86_400_000_000, 0);
    for (let i = 1; i < waits; i++) cb();
    expect(steps).toBe(0);
    cb();
    expect(steps).toBe(1);
    for (let i = 0; i < waits; i++) cb();
    expect(steps).toBe(2);
  });
});
