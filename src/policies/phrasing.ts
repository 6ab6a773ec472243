/**
 * A verdict's message as data (docs/performance.md, *Messages only when logged*): the name of a
 * registered phrasing, one text and four numbers, fixed when the policy decided. The log builds
 * the words from them only when someone reads it — on whichever thread the decision was made,
 * since a shard sends the name and the numbers, not a closure — and `message()` builds the same
 * words for explain. A busy tick at 100k VMs logged ≈ 40 000 balloon and swap messages whose
 * strings, kept until the tick ended, were most of what the collector had to promote.
 */

/** Builds a message from a {@link Words}' text and numbers; it must depend on nothing else. */
export type Phrasing = (text: string, a: number, b: number, c: number, d: number) => string;

/** A message as data: see the module comment. */
export interface Words {
  readonly phrasing: string;
  readonly text: string;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
}

const PHRASINGS = new Map<string, Phrasing>();

/** Registers a phrasing under `name` (at module load, so every thread that loads the module has it); returns the name. */
export function registerPhrasing(name: string, phrasing: Phrasing): string {
  PHRASINGS.set(name, phrasing);
  return name;
}

/** The words of a registered phrasing. */
export function phrase(name: string, text: string, a: number, b: number, c: number, d: number): string {
  const phrasing = PHRASINGS.get(name);
  if (phrasing === undefined) throw new Error(`no phrasing named ${name} is registered`);
  return phrasing(text, a, b, c, d);
}

/** A {@link Words} (numbers not given are 0). */
export function words(phrasing: string, text: string, a = 0, b = 0, c = 0, d = 0): Words {
  return { phrasing, text, a, b, c, d };
}

/** The message a {@link Words} stands for. */
export function wordsText(w: Words): string {
  return phrase(w.phrasing, w.text, w.a, w.b, w.c, w.d);
}
