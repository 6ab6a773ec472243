/**
 * The simulation's sources of randomness (docs/memory-model.md §1): sfc32 seeded through
 * splitmix32 from an integer seed. Same seed, same sequence, on every platform; the state is
 * four 32-bit words that go into engine snapshots. The engine's {@link SimulationRandom} adds
 * one independent stream per host, seeded from the engine seed and the host's name, so what a
 * host draws never depends on any other host.
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

/** The 32-bit FNV-1a hash of a name's UTF-16 code units: stable across platforms and releases. */
export function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The seed of a host's stream: splitmix32 of the engine seed, xor the hash of the host's name. */
export function streamSeed(seed: number, name: string): number {
  let z = (((seed >>> 0) ^ Math.floor(seed / 2 ** 32)) + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return ((z ^ (z >>> 16)) ^ nameHash(name)) >>> 0;
}

/** The states of the per-host streams in an engine snapshot, by host name (sorted). */
export type StreamStates = Record<string, RandomState>;

/**
 * The engine's random generator (TOKENS.Random): the main sequence, which embedders'
 * controllers may draw from, plus one stream per host that the memory model's mechanisms draw
 * from ({@link SimulationRandom.stream}). A stream starts when a host first draws and ends when
 * the host is deleted ({@link SimulationRandom.forget}).
 */
export class SimulationRandom extends SeededRandom {
  #seed: number;
  readonly #streams = new Map<string, SeededRandom>();

  constructor(seed = 1) {
    super(seed);
    this.#seed = seed;
  }

  /** The stream of one host (created from the seed and the name on first use). */
  stream(name: string): SeededRandom {
    let s = this.#streams.get(name);
    if (s === undefined) {
      s = new SeededRandom(streamSeed(this.#seed, name));
      this.#streams.set(name, s);
    }
    return s;
  }

  /** Ends a deleted host's stream: a host created again under its name starts afresh. */
  forget(name: string): void {
    this.#streams.delete(name);
  }

  /** The states of the streams started so far, by host name in code-unit order. */
  getStreamStates(): StreamStates {
    const out: StreamStates = {};
    for (const name of [...this.#streams.keys()].sort()) out[name] = this.#streams.get(name)!.getState();
    return out;
  }

  /**
   * Restores the streams of a snapshot taken with `seed`: streams it lists continue where they
   * were; others start afresh from the seed (a snapshot saved before per-host streams has none).
   */
  setStreamStates(seed: number, states: StreamStates = {}): void {
    this.#seed = seed;
    this.#streams.clear();
    for (const name of Object.keys(states).sort()) this.stream(name).setState(states[name]!);
  }
}

/** Problems of a snapshot's `randomStreams` section (an object of host name → four 32-bit words). */
export function streamStateProblems(states: unknown): string[] {
  if (states === undefined) return [];
  if (states === null || typeof states !== "object" || Array.isArray(states)) return ["randomStreams: must be an object of host name → random state"];
  const problems: string[] = [];
  for (const [name, state] of Object.entries(states)) {
    try {
      new SeededRandom().setState(state as never);
    } catch (e) {
      problems.push(`randomStreams[${JSON.stringify(name)}]: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return problems;
}
