/**
 * What the model's mechanisms need besides a VM and its host: the seeded random source they
 * draw their blind choices from and the model's configuration (docs/memory-model.md, *Units and
 * ticks*). Every mechanism is a function of (VM, host, environment), so the same environment
 * gives the same page movements.
 */

/** The random source the model draws its blind choices from (seeded; see TOKENS.Random). */
export interface RandomSource {
  /** Uniform in [0, 1). */
  next(): number;
}

/** The random source and configuration every mechanism of one model shares. */
export interface ModelEnvironment {
  /** The model's seeded random source: the mechanisms draw from it in a fixed order. */
  readonly rng: RandomSource;
  /** Compressed pages held per host page (2 = a page compresses to ≤ 2 KiB). */
  readonly compressionRatio: number;
}

/** Rounds x to an integer, up with probability equal to its fractional part (one draw from `rng`). */
export function roundRandom(x: number, rng: RandomSource): number {
  const whole = Math.floor(x);
  return whole + (rng.next() < x - whole ? 1 : 0);
}
