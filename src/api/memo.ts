/**
 * A bounded memo for pure parsers of short texts: manifests and specs repeat the same few
 * values (`4Gi`, `25%`, `90s`) thousands of times, and parsing them (BigInt arithmetic) is what
 * 100 000 objects spend their time on.
 */

/** Distinct inputs remembered before the memo starts afresh (hostile input cannot grow it). */
export const MEMO_LIMIT = 4096;

/** Longer strings are never valid quantities or durations, and are not remembered. */
export const MEMO_MAX_CHARS = 64;

/**
 * `parse` with its results remembered per input (strings up to {@link MEMO_MAX_CHARS}
 * characters, and numbers). A parser that throws remembers nothing: the next call throws again.
 */
export function memoise<I extends string | number, T>(parse: (input: I) => T): (input: I) => T {
  const results = new Map<I, T>();
  return (input) => {
    const known = results.get(input);
    if (known !== undefined) return known;
    const value = parse(input);
    if (typeof input === "string" && input.length > MEMO_MAX_CHARS) return value;
    if (results.size >= MEMO_LIMIT) results.clear();
    results.set(input, value);
    return value;
  };
}
