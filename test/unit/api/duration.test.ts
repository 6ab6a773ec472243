import { DurationError, formatSimTime, parseDuration } from "../../../src/api/duration.js";

describe("parseDuration", () => {
  it.each<[string | number, number]>([
    ["90s", 90],
    ["5m", 300],
    ["1h30m", 5400],
    ["1h0m5s", 3605],
    ["1ms", 0.001],
    ["250us", 0.00025],
    ["250µs", 0.00025],
    ["1000ns", 1e-6],
    ["1.5ms", 0.0015],
    ["87600h", 315_360_000],
    ["2.5s", 2.5],
    ["1.1s", 1.1],
    ["0", 0],
    ["0s", 0],
    ["42", 42],
    [42, 42],
    [0.5, 0.5],
  ])("%p is %p seconds", (input, seconds) => {
    expect(parseDuration(input)).toBeCloseTo(seconds, 12);
  });

  it.each<[unknown, string]>([
    ["", "is empty"],
    ["-5s", "must not be negative"],
    [-1, "must not be negative"],
    [Number.NaN, "must be finite"],
    ["5 minutes", "expected a duration like 90s"],
    ["5d", "expected a duration"],
    ["s", "expected a duration"],
    ["1h-30m", "expected a duration"],
    [true, "expected a duration"],
    ["10ns", "finer than 1us"],
    ["1.5us", "finer than 1us"],
    [1e-7, "finer than 1us"],
    [0.1 + 0.2, "finer than 1us"],
    ["87600h0.000001s", "at most 87600h"],
    [1e300, "at most 87600h"],
    ["99999999999999999999999999h", "at most 87600h"],
    [Number.POSITIVE_INFINITY, "must be finite"],
  ])("rejects %p", (input, fragment) => {
    expect(() => parseDuration(input as string)).toThrow(DurationError);
    expect(() => parseDuration(input as string)).toThrow(fragment);
  });
});

describe("formatSimTime", () => {
  it.each<[number, string]>([
    [0, "0s"],
    [42, "42s"],
    [60, "1m0s"],
    [90, "1m30s"],
    [3605, "1h0m5s"],
    [5400, "1h30m0s"],
    [1.5, "1.5s"],
    [0.25, "0.25s"],
    [90.5, "1m30.5s"],
    [0.1 + 0.2, "0.3s"],
    [360000, "100h0m0s"],
  ])("%p seconds is %p", (seconds, text) => {
    expect(formatSimTime(seconds)).toBe(text);
  });

  it("round-trips through parseDuration", () => {
    for (const s of [0, 1, 59, 61, 3599, 3601, 86400, 1.25, 7322.5]) {
      expect(parseDuration(formatSimTime(s))).toBeCloseTo(s, 9);
    }
  });
});
