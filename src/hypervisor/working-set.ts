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

const USED = { mapped: "usedMapped", compressed: "usedCompressed", swapped: "usedSwapped" } as const;
const HOT = { mapped: "hotMapped", compressed: "hotCompressed", swapped: "hotSwapped" } as const;
const BUCKETS: readonly UsedBucket[] = ["mapped", "compressed", "swapped"];

/** Hot (working-set) pages resident in guest RAM, wherever the host keeps them. */
export const hotOf = (v: VmRecord): number => v.hotMapped + v.hotCompressed + v.hotSwapped;

/** Cold used pages of a bucket. */
const coldIn = (v: VmRecord, b: UsedBucket): number => v[USED[b]] - v[HOT[b]];

/**
 * Splits `n` over `buckets` blindly (seeded): each bucket's share is drawn in proportion to its
 * size with random rounding, never more than it holds; the total is min(n, Σ buckets).
 */
export function splitRandom(n: number, buckets: readonly number[], rng: RandomSource): number[] {
  const out = buckets.map(() => 0);
  let total = buckets.reduce((s, b) => s + b, 0);
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
  const cold = splitRandom(n, BUCKETS.map((b) => coldIn(v, b)), rng);
  const rest = n - cold.reduce((s, k) => s + k, 0);
  const hot = splitRandom(rest, BUCKETS.map((b) => v[HOT[b]]), rng);
  BUCKETS.forEach((b, i) => (v[HOT[b]] -= hot[i]!));
  return { mapped: cold[0]! + hot[0]!, compressed: cold[1]! + hot[1]!, swapped: cold[2]! + hot[2]! };
}

/** Used pages the application frees (shrink): blind over buckets and over hot and cold. Forgets the hot ones chosen. */
export function chooseBlind(v: VmRecord, n: number, rng: RandomSource): UsedSplit {
  const [m, c, s] = splitRandom(n, BUCKETS.map((b) => v[USED[b]]), rng);
  const split: UsedSplit = { mapped: m!, compressed: c!, swapped: s! };
  for (const b of BUCKETS) v[HOT[b]] -= hotAmong(split[b], v[USED[b]], v[HOT[b]], rng);
  return split;
}

/**
 * Resizes the hot set to `target` pages (the working set resident in guest RAM): pages leaving
 * it turn cold where they are; pages joining it are the newest (cold mapped pages) first, then
 * cold compressed and swapped ones, which will fault.
 */
export function resizeWorkingSet(v: VmRecord, target: number, rng: RandomSource): void {
  const hot = hotOf(v);
  if (hot > target) {
    const drop = splitRandom(hot - target, BUCKETS.map((b) => v[HOT[b]]), rng);
    BUCKETS.forEach((b, i) => (v[HOT[b]] -= drop[i]!));
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
  const warm = splitRandom(d, BUCKETS.map((b) => coldIn(v, b)), rng);
  const cool = splitRandom(d, BUCKETS.map((b) => v[HOT[b]]), rng);
  BUCKETS.forEach((b, i) => (v[HOT[b]] += warm[i]! - cool[i]!));
}
