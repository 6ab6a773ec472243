/**
 * Working-set locality (docs/memory-model.md, *Working-set locality*): each VM's working set is
 * a stable, slowly drifting subset of its used pages. The ledger keeps how many of the used
 * pages in host RAM, in the compression cache and in the swap file are hot (`hotMapped`,
 * `hotCompressed`, `hotSwapped`); the rest are cold. The hypervisor picks pages blindly, hot and
 * cold alike; the guest touches only hot pages, so hot pages fault back and stay while cold
 * ones stay swapped; the guest pages out its coldest pages first (LRU).
 */
import { type RandomSource, roundRandom } from "./environment.js";
import type { VmRecord } from "./ledger.js";

/** Share of the working set that turns cold (and of cold pages that turn hot) per sample period [ours]. */
export const WORKING_SET_DRIFT = 0.002;

/** Where the host keeps a used page. */
export type UsedBucket = "mapped" | "compressed" | "swapped";

/** How many used pages of each bucket a choice takes. */
export interface UsedSplit {
  mapped: number;
  compressed: number;
  swapped: number;
}

// Records are views of the columns (record-views.ts): the buckets are named fields, not keyed
// lookups (a keyed load of an accessor is several times slower than a named one).
/** Hot (working-set) pages resident in guest RAM, wherever the host keeps them. */
export const hotOf = (v: VmRecord): number => v.hotMapped + v.hotCompressed + v.hotSwapped;

/** Cold used pages of a bucket. */
const coldIn = (v: VmRecord, b: UsedBucket): number =>
  b === "mapped" ? v.usedMapped - v.hotMapped : b === "compressed" ? v.usedCompressed - v.hotCompressed : v.usedSwapped - v.hotSwapped;
/** Cold used pages of each bucket (mapped, compressed, swapped). */
const colds = (v: VmRecord): number[] => [v.usedMapped - v.hotMapped, v.usedCompressed - v.hotCompressed, v.usedSwapped - v.hotSwapped];
/** Hot pages of each bucket. */
const hots = (v: VmRecord): number[] => [v.hotMapped, v.hotCompressed, v.hotSwapped];

/** Takes `k[i]` hot pages out of bucket i (mapped, compressed, swapped). */
function coolHot(v: VmRecord, k: readonly number[]): void {
  v.hotMapped -= k[0]!;
  v.hotCompressed -= k[1]!;
  v.hotSwapped -= k[2]!;
}

/**
 * Splits `n` over `buckets` blindly (seeded): each bucket's share is drawn in proportion to its
 * size with random rounding, never more than it holds; the total is min(n, Σ buckets).
 */
export function splitRandom(n: number, buckets: readonly number[], rng: RandomSource): number[] {
  const out: number[] = [];
  let total = 0;
  for (let i = 0; i < buckets.length; i++) {
    out.push(0);
    total += buckets[i]!;
  }
  let left = Math.min(n, total);
  for (let i = 0; i < buckets.length && left > 0; i++) {
    const b = buckets[i]!;
    const k = i === buckets.length - 1 ? left : Math.min(b, left, Math.max(left - (total - b), roundRandom((left * b) / total, rng)));
    out[i] = k;
    left -= k;
    total -= b;
  }
  return out;
}

/** How many of `n` pages taken blindly from a bucket of `size` pages, `hot` of them hot, are hot (seeded). */
export function hotAmong(n: number, size: number, hot: number, rng: RandomSource): number {
  if (n <= 0 || size <= 0) return 0;
  const [h] = splitRandom(Math.min(n, size), [hot, size - hot], rng);
  return h!;
}

/** The guest's coldest used pages first (LRU): `n` used pages, cold ones spread over the buckets, then hot ones. Forgets the hot ones chosen. */
export function chooseColdFirst(v: VmRecord, n: number, rng: RandomSource): UsedSplit {
  const cold = splitRandom(n, colds(v), rng);
  const rest = n - (cold[0]! + cold[1]! + cold[2]!);
  const hot = splitRandom(rest, hots(v), rng);
  coolHot(v, hot);
  return { mapped: cold[0]! + hot[0]!, compressed: cold[1]! + hot[1]!, swapped: cold[2]! + hot[2]! };
}

/** Used pages the application frees (shrink): blind over buckets and over hot and cold. Forgets the hot ones chosen. */
export function chooseBlind(v: VmRecord, n: number, rng: RandomSource): UsedSplit {
  const [m, c, s] = splitRandom(n, [v.usedMapped, v.usedCompressed, v.usedSwapped], rng);
  v.hotMapped -= hotAmong(m!, v.usedMapped, v.hotMapped, rng);
  v.hotCompressed -= hotAmong(c!, v.usedCompressed, v.hotCompressed, rng);
  v.hotSwapped -= hotAmong(s!, v.usedSwapped, v.hotSwapped, rng);
  return { mapped: m!, compressed: c!, swapped: s! };
}

/**
 * Resizes the hot set to `target` pages (the working set resident in guest RAM): pages leaving
 * it turn cold where they are; pages joining it are the newest (cold mapped pages) first, then
 * cold compressed and swapped ones, which will fault.
 */
export function resizeWorkingSet(v: VmRecord, target: number, rng: RandomSource): void {
  const hot = hotOf(v);
  if (hot > target) {
    coolHot(v, splitRandom(hot - target, hots(v), rng));
  } else if (hot < target) {
    let add = target - hot;
    const fromMapped = Math.min(add, coldIn(v, "mapped"));
    v.hotMapped += fromMapped;
    add -= fromMapped;
    const [c, s] = splitRandom(add, [coldIn(v, "compressed"), coldIn(v, "swapped")], rng);
    v.hotCompressed += c!;
    v.hotSwapped += s!;
  }
}

/**
 * Drift over `dt` seconds: a small share of the hot pages turns cold and as many cold pages
 * (chosen blindly, wherever the host keeps them) turn hot, so the working set is stable but not
 * frozen.
 */
export function driftWorkingSet(v: VmRecord, dt: number, samplePeriod: number, rng: RandomSource): void {
  const hot = hotOf(v);
  const cold = v.usedMapped + v.usedCompressed + v.usedSwapped - hot;
  const d = Math.min(cold, hot, roundRandom((hot * WORKING_SET_DRIFT * dt) / samplePeriod, rng));
  if (d <= 0) return;
  const warm = splitRandom(d, colds(v), rng);
  const cool = splitRandom(d, hots(v), rng);
  v.hotMapped += warm[0]! - cool[0]!;
  v.hotCompressed += warm[1]! - cool[1]!;
  v.hotSwapped += warm[2]! - cool[2]!;
}
