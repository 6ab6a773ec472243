/**
 * What the model's mechanisms need besides a VM and its host: the seeded random source they
 * draw their blind choices from and the model's configuration (docs/memory-model.md, *Units and
 * ticks*). Every mechanism is a function of (VM, host, environment), so the same environment
 * gives the same page movements. Each host has its own environment, whose random source is
 * that host's stream: a VM draws from its host's stream, never from another host's.
 */

/** The random source the model draws its blind choices from (seeded; see TOKENS.Random). */
export interface RandomSource {
  /** Uniform in [0, 1). */
  next(): number;
}

/**
 * A random source with one independent stream per host (the engine's `SimulationRandom`). A
 * model given a plain {@link RandomSource} draws every host's choices from that one source.
 */
export interface StreamedRandomSource extends RandomSource {
  /** The stream of one host. */
  stream(hostName: string): RandomSource;
  /** Ends a deleted host's stream. */
  forget(hostName: string): void;
}

/** Whether a random source has per-host streams. */
export function hasStreams(rng: RandomSource): rng is StreamedRandomSource {
  return typeof (rng as Partial<StreamedRandomSource>).stream === "function" && typeof (rng as Partial<StreamedRandomSource>).forget === "function";
}

/** The random source and configuration the mechanisms use for one host's VMs. */
export interface ModelEnvironment {
  /** The host's seeded random stream: its mechanisms draw from it in a fixed order. */
  readonly rng: RandomSource;
  /** Compressed pages held per host page (2 = a page compresses to ≤ 2 KiB). */
  readonly compressionRatio: number;
}

/** Each host's {@link ModelEnvironment}, made on first use and kept until the host is deleted. */
export class HostEnvironments {
  readonly #envs = new Map<string, ModelEnvironment>();

  /** `compressionRatio` is read at each use (a model subclass sets it after its base's constructor). */
  constructor(
    private readonly rng: RandomSource,
    private readonly compressionRatio: () => number,
  ) {}

  /** The environment of the host named `hostName`: its own random stream when the source has streams. */
  of(hostName: string): ModelEnvironment {
    let env = this.#envs.get(hostName);
    if (env === undefined) {
      const ratio = this.compressionRatio;
      env = {
        rng: hasStreams(this.rng) ? this.rng.stream(hostName) : this.rng,
        get compressionRatio(): number {
          return ratio();
        },
      };
      this.#envs.set(hostName, env);
    }
    return env;
  }

  /** A deleted host: its environment is dropped and its random stream ends. */
  hostDeleted(hostName: string): void {
    this.#envs.delete(hostName);
    if (hasStreams(this.rng)) this.rng.forget(hostName);
  }

  /** Drops every environment (after a restore, whose random streams the engine sets). */
  clear(): void {
    this.#envs.clear();
  }
}

/** Rounds x to an integer, up with probability equal to its fractional part (one draw from `rng`). */
export function roundRandom(x: number, rng: RandomSource): number {
  const whole = Math.floor(x);
  return whole + (rng.next() < x - whole ? 1 : 0);
}
