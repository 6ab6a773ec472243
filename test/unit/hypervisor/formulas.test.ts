import {
  autoMinFreePages,
  autoVmkernelReservedPages,
  balloonMaximum,
  climbTarget,
  defaultOverheadPages,
  PAGES_PER_GIB,
  PAGES_PER_MIB,
  sharesValue,
  stateForFree,
  waterFill,
} from "../../../src/hypervisor/formulas.js";

const states = { clear: 100, soft: 64, hard: 32, low: 16, largePageBreak: 400, hysteresis: 5, holdSeconds: 15 };
const mib = (pages: number): number => pages / PAGES_PER_MIB;

describe("minFree sliding scale (memory-model §4)", () => {
  it.each([
    [28, 901.12],
    [64, 1269.76],
    [128, 1925.12],
    [512, 5857.28],
  ])("%i GiB host → %f MiB (rounded up to pages)", (gib, expectedMib) => {
    const pages = autoMinFreePages(gib * PAGES_PER_GIB);
    expect(pages).toBe(Math.ceil(expectedMib * PAGES_PER_MIB - 1e-9));
  });

  it("takes 6 % of a host smaller than 4 GiB", () => {
    expect(autoMinFreePages(2 * PAGES_PER_GIB)).toBe(Math.ceil(0.06 * 2 * PAGES_PER_GIB));
  });
});

describe("vmkernelReserved: auto (docs/memory-model.md, The ledgers)", () => {
  it.each([
    [2, 512], // a quarter of a small host
    [4, 1024], // min(1 GiB + 41 MiB, 1 GiB)
    [16, 1187], // 1 GiB + 163.84 MiB
    [64, 1679], // 1 GiB + 655.36 MiB
    [1024, 11509], // 1 GiB + 10 GiB 245.76 MiB
  ])("%i GiB host → %i MiB, whole MiB", (gib, expectedMib) => {
    expect(autoVmkernelReservedPages(gib * PAGES_PER_GIB)).toBe(expectedMib * PAGES_PER_MIB);
  });
});

describe("state thresholds", () => {
  const minFree = autoMinFreePages(64 * PAGES_PER_GIB); // 1269.76 MiB
  it("a 64 GiB host is soft below 812.65 MiB free", () => {
    const softLine = (64 * minFree) / 100; // pages
    expect(mib(softLine)).toBeCloseTo(812.65, 1);
    expect(stateForFree(Math.floor(softLine), minFree, states)).toBe("soft");
    expect(stateForFree(Math.ceil(softLine) + 1, minFree, states)).toBe("clear");
  });
  it("maps free memory to each of the five states", () => {
    expect(stateForFree(minFree, minFree, states)).toBe("high");
    expect(stateForFree(minFree - 1, minFree, states)).toBe("clear");
    expect(stateForFree(Math.floor(minFree * 0.5), minFree, states)).toBe("soft");
    expect(stateForFree(Math.floor(minFree * 0.2), minFree, states)).toBe("hard");
    expect(stateForFree(Math.floor(minFree * 0.1), minFree, states)).toBe("low");
  });
  it("climbing needs the threshold plus hysteresis", () => {
    expect(climbTarget("soft", Math.ceil(minFree * 0.66), minFree, states)).toBe("soft");
    expect(climbTarget("soft", Math.ceil(minFree * 0.70), minFree, states)).toBe("clear");
    expect(climbTarget("low", Math.ceil(minFree * 1.06), minFree, states)).toBe("high");
  });
});

describe("overhead (memory-model §9)", () => {
  it("is 18.3 MiB + 0.74 % + 4 MiB per extra vCPU", () => {
    expect(defaultOverheadPages(1024 * PAGES_PER_MIB, 1)).toBe(Math.ceil((18.3 + 0.0074 * 1024) * PAGES_PER_MIB - 1e-9));
    expect(defaultOverheadPages(16 * PAGES_PER_GIB, 4)).toBe(Math.ceil((18.3 + 0.0074 * 16384 + 12) * PAGES_PER_MIB - 1e-9));
  });
});

describe("shares", () => {
  it("levels are 5/10/20 per MiB; numbers are taken as given", () => {
    expect(sharesValue("normal", 4 * PAGES_PER_GIB)).toBe(40960);
    expect(sharesValue("low", 4 * PAGES_PER_GIB)).toBe(20480);
    expect(sharesValue("high", 4 * PAGES_PER_GIB)).toBe(81920);
    expect(sharesValue(1234, 4 * PAGES_PER_GIB)).toBe(1234);
  });
});

describe("balloon maximum (memory-model §6)", () => {
  const base = { osMinimumPages: 512 * PAGES_PER_MIB, slackPages: 16 * PAGES_PER_MIB, reservationPages: 0 };
  it("a 1 GiB RHEL 7 guest at maxPercent 100 stops at 1024 − 512 − 16 = 496 MiB", () => {
    const r = balloonMaximum({ ...base, memoryPages: PAGES_PER_GIB, maxPercent: 100 });
    expect(r.max).toBe(496 * PAGES_PER_MIB);
    expect(r.binding).toBe("osFloor");
  });
  it("AppBalloonMaxSlack 256 MiB leaves 256 MiB", () => {
    const r = balloonMaximum({ ...base, slackPages: 256 * PAGES_PER_MIB, memoryPages: PAGES_PER_GIB, maxPercent: 100 });
    expect(r.max).toBe(256 * PAGES_PER_MIB);
  });
  it("an 8 GiB RHEL 7 guest at the default 65 % is capped at 5324.8 MiB", () => {
    const r = balloonMaximum({ ...base, memoryPages: 8 * PAGES_PER_GIB, maxPercent: 65 });
    expect(r.binding).toBe("maxPercent");
    expect(Math.abs(r.max - 5324.8 * PAGES_PER_MIB)).toBeLessThanOrEqual(1);
  });
  it("a reservation and maxBalloon cap it too, never below zero", () => {
    expect(balloonMaximum({ ...base, memoryPages: PAGES_PER_GIB, maxPercent: 100, reservationPages: PAGES_PER_GIB }).max).toBe(0);
    const r = balloonMaximum({ ...base, memoryPages: PAGES_PER_GIB, maxPercent: 100, maxBalloonPages: 100 });
    expect(r).toMatchObject({ max: 100, binding: "maxBalloon" });
  });
});

describe("idle-tax water-filling (memory-model §5)", () => {
  const G = PAGES_PER_GIB;
  const S = sharesValue("normal", 4 * G);
  it("gives everyone hi without contention", () => {
    const r = waterFill([{ shares: S, active: 100, lo: 0, hi: G }, { shares: S, active: 100, lo: 0, hi: 2 * G }], 4 * G, 75);
    expect(r).toMatchObject({ pages: [G, 2 * G], contended: false });
  });
  it("with τ = 0 equal shares get equal entitlements regardless of activity", () => {
    const r = waterFill([{ shares: S, active: 0.1 * 4 * G, lo: 0, hi: 4 * G }, { shares: S, active: 4 * G, lo: 0, hi: 4 * G }], 6 * G, 0);
    expect(r.pages[0]).toBe(3 * G);
    expect(r.pages[1]).toBe(3 * G);
  });
  it("with τ = 75 % the idle VM is taxed: hand-computed case", () => {
    // idle: a = 0.4 GiB; busy: a = 4 GiB (hi). k = 4. With x = 1/λ: busy P = S·x while S·x < 4 GiB.
    // idle P = 0.4 + (S·x − 0.4)/4. Σ = 6 GiB → S·x + 0.4 + (S·x − 0.4)/4 = 6 → 1.25·S·x + 0.3 = 6 → S·x = 4.56 > 4 → busy is
    // clamped at hi = 4 GiB, so idle gets 2 GiB.
    const r = waterFill([{ shares: S, active: 0.4 * G, lo: 0, hi: 4 * G }, { shares: S, active: 4 * G, lo: 0, hi: 4 * G }], 6 * G, 75);
    expect(r.pages[1]).toBe(4 * G);
    expect(r.pages[0]).toBe(2 * G);
    // Without the clamp: Σ = 5 GiB → 1.25·S·x + 0.3 = 5 → S·x = 3.76 GiB; busy 3.76, idle 0.4 + 3.36/4 = 1.24.
    const r2 = waterFill([{ shares: S, active: 0.4 * G, lo: 0, hi: 4 * G }, { shares: S, active: 4 * G, lo: 0, hi: 4 * G }], 5 * G, 75);
    expect(Math.abs(r2.pages[1]! - 3.76 * G)).toBeLessThanOrEqual(1);
    expect(Math.abs(r2.pages[0]! - 1.24 * G)).toBeLessThanOrEqual(1);
  });
  it("never goes below a reservation and never sums above what is available", () => {
    const r = waterFill([{ shares: S, active: 0, lo: 3 * G, hi: 4 * G }, { shares: S, active: 4 * G, lo: 0, hi: 4 * G }], 5 * G, 75);
    expect(r.pages[0]).toBeGreaterThanOrEqual(3 * G);
    expect(r.pages[0]! + r.pages[1]!).toBeLessThanOrEqual(5 * G);
  });
});
