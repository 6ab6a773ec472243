/**
 * The simulation's one source of randomness (docs/memory-model.md §1): sfc32 seeded through
 * splitmix32 from an integer seed. Same seed, same sequence, on every platform; the state is
 * four 32-bit words that go into engine snapshots.
 */

/** The generator's state in an engine snapshot. */
export type RandomState = [number, number, number, number];

/** Deterministic pseudo-random numbers (sfc32). Not for cryptography. */
export class SeededRandom {
  #a = 0;
  #b = 0;
  #c = 0;
  #d = 0;

  constructor(seed = 1) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${String(seed)}`);
    // splitmix32 over the seed's low and high 32 bits spreads nearby seeds far apart
    let s = (seed >>> 0) ^ Math.floor(seed / 2 ** 32);
    const splitmix = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = splitmix();
    this.#b = splitmix();
    this.#c = splitmix();
    this.#d = splitmix();
    for (let i = 0; i < 12; i++) this.#nextUint32(); // warm up
  }

  #nextUint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** A number in [0, 1). */
  next(): number {
    return this.#nextUint32() / 4294967296;
  }

  /** An integer in [0, n); n must be a positive integer ≤ 2^32. */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296) throw new RangeError(`nextInt needs a positive integer bound, got ${String(n)}`);
    return Math.floor(this.next() * n);
  }

  /** The state for a snapshot. */
  getState(): RandomState {
    return [this.#a >>> 0, this.#b >>> 0, this.#c >>> 0, this.#d >>> 0];
  }

  /** Restores a state from {@link SeededRandom.getState}. */
  setState(state: readonly number[]): void {
    if (!Array.isArray(state) || state.length !== 4 || !state.every((w) => Number.isInteger(w) && w >= 0 && w < 4294967296)) {
      throw new RangeError("random state must be four unsigned 32-bit integers");
    }
    this.#a = state[0]! | 0;
    this.#b = state[1]! | 0;
    this.#c = state[2]! | 0;
    this.#d = state[3]! | 0;
  }
}
