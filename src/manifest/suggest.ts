/**
 * "Did you mean" suggestions for misspelt field names, kinds and enum values. The work is bounded
 * whatever the input: a word longer than {@link MAX_SUGGESTED_LENGTH} gets no suggestion (no field
 * name is that long, so it is no typo), a candidate whose length differs by more than the allowed
 * distance is skipped without comparing, and the comparison itself stops as soon as the distance
 * is over the bound (three rows of memory, only a diagonal band of each row computed).
 */

/** Words longer than this get no suggestion: no field name, kind or enum value comes close. */
export const MAX_SUGGESTED_LENGTH = 64;

/** The most edits a suggestion may be away from the word, whatever its length. */
const MAX_EDITS = 3;

/**
 * Edit distance between two strings (insertions, deletions, substitutions, adjacent swaps: the
 * optimal string alignment distance), or `max + 1` as soon as it is known to be over `max`.
 * Costs O(min(len) × (2·max + 1)) time and O(len) memory.
 */
export function editDistanceWithin(a: string, b: string, max: number): number {
  if (a.length > b.length) [a, b] = [b, a];
  const over = max + 1;
  if (b.length - a.length > max) return over;
  const n = b.length;
  // rows i-2, i-1 and i of the matrix; cells outside the band |i - j| <= max hold `over`
  let twoBack = new Array<number>(n + 1).fill(over);
  let previous = new Array<number>(n + 1).fill(over);
  let current = new Array<number>(n + 1).fill(over);
  for (let j = 0; j <= Math.min(n, max); j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const from = Math.max(1, i - max);
    const to = Math.min(n, i + max);
    // the row holds what an older row left: only the cells next to the band are read, so only
    // they are reset (filling the whole row would make a long word cost its length squared)
    current[0] = i <= max ? i : over;
    current[from - 1] = from === 1 ? current[0]! : over;
    if (to < n) current[to + 1] = over;
    let rowMin = current[0]!;
    for (let j = from; j <= to; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let d = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) d = Math.min(d, twoBack[j - 2]! + 1);
      current[j] = Math.min(d, over);
      rowMin = Math.min(rowMin, current[j]!);
    }
    if (rowMin > max) return over;
    [twoBack, previous, current] = [previous, current, twoBack];
  }
  return Math.min(previous[n]!, over);
}

/**
 * The candidate closest to `word` (case-insensitively), when it is close enough to be a typo:
 * at most a third of the word's length in edits (at least 1, at most 3). The first candidate at
 * the smallest distance wins.
 */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  if (word.length > MAX_SUGGESTED_LENGTH) return undefined;
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.min(MAX_EDITS, Math.max(1, Math.floor(word.length / 3)));
  for (const candidate of candidates) {
    const other = candidate.toLowerCase();
    if (Math.abs(other.length - lower.length) > bestDistance) continue; // cannot be close enough
    const distance = other === lower ? 0 : editDistanceWithin(lower, other, bestDistance);
    if (distance <= bestDistance && (best === undefined || distance < bestDistance)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** ` (did you mean "x"?)` or the empty string. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = suggest(word, candidates);
  return match === undefined || match === word ? "" : ` (did you mean "${match}"?)`;
}
