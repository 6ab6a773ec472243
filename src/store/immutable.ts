/**
 * Plain-data helpers for the store: objects are cloned once when they come in, frozen once,
 * and then handed out as they are (structural sharing, no clone per read).
 */

/** A deep copy of JSON-like data (plain objects, arrays, primitives); `undefined` properties are dropped. */
export function cloneData<T>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => cloneData(v)) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = cloneData(v);
  }
  return out as T;
}

/** Freezes a value and everything reachable from it; already-frozen subtrees are skipped (they were frozen deeply). */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}

/** Structural equality of JSON-like data; a missing property equals an `undefined` one. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let countA = 0;
  for (const key of Object.keys(ao)) {
    if (ao[key] === undefined) continue;
    countA++;
    if (!deepEqual(ao[key], bo[key])) return false;
  }
  let countB = 0;
  for (const key of Object.keys(bo)) if (bo[key] !== undefined) countB++;
  return countA === countB;
}
