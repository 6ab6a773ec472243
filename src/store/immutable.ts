/**
 * Plain-data helpers for the store: objects are copied and frozen in one pass when they come
 * in, and then handed out as they are (structural sharing, no clone per read). Frozen
 * subtrees are shared by a new version of an object instead of being copied again.
 */

/**
 * Frozen objects are taken to be deeply frozen and shared as they are: everything the store
 * freezes is frozen deeply, and a caller who freezes data freezes it all (Object.isFrozen is
 * also far cheaper than any side table: a WeakSet of millions of entries slows every GC).
 */
function isDeeplyFrozen(value: object): boolean {
  return Object.isFrozen(value);
}

/**
 * A deep-frozen deep copy of JSON-like data (plain objects, arrays, primitives); `undefined`
 * properties are dropped. Frozen subtrees are shared, not copied.
 */
export function cloneFrozen<T>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  if (isDeeplyFrozen(value)) return value;
  let copy: unknown;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneFrozen(value[i]);
    copy = out;
  } else {
    const out: Record<string, unknown> = {};
    for (const key in value) {
      if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = cloneFrozen(v);
    }
    copy = out;
  }
  return Object.freeze(copy) as T;
}

/**
 * The same result as {@link cloneFrozen} for data the caller hands over and never touches
 * again (objects just parsed from a manifest): plain objects and arrays are frozen in place
 * instead of copied. A subtree that is not plain data (another prototype, an `undefined`
 * property to drop) is copied by cloneFrozen as usual.
 */
export function adoptFrozen<T>(value: T): T {
  if (value === null || typeof value !== "object" || isDeeplyFrozen(value)) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = adoptFrozen(value[i]);
    return Object.freeze(value);
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return cloneFrozen(value);
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const v = record[key];
    if (v === undefined) return cloneFrozen(value); // children adopted so far are frozen: shared, not copied
    if (v !== null && typeof v === "object") record[key] = adoptFrozen(v);
  }
  return Object.freeze(value);
}

/**
 * Like {@link cloneFrozen}, but reuses every part of `previous` (a frozen earlier version) that
 * is deep-equal to the matching part of `next`; returns `previous` itself when nothing changed.
 * A status write that changes one counter thus allocates only the path to that counter.
 */
export function cloneFrozenSharing<T>(next: T, previous: unknown): T {
  if (next === previous) return next;
  if (next === null || typeof next !== "object" || isDeeplyFrozen(next)) return next;
  if (previous === null || typeof previous !== "object" || Array.isArray(previous) !== Array.isArray(next)) return cloneFrozen(next);
  if (Array.isArray(next)) {
    const prev = previous as readonly unknown[];
    const out = new Array<unknown>(next.length);
    let same = next.length === prev.length;
    for (let i = 0; i < next.length; i++) {
      out[i] = cloneFrozenSharing(next[i], prev[i]);
      if (out[i] !== prev[i]) same = false;
    }
    return (same ? previous : Object.freeze(out)) as T;
  }
  const prev = previous as Readonly<Record<string, unknown>>;
  const source = next as Record<string, unknown>;
  const keys = Object.keys(source);
  const out: Record<string, unknown> = {};
  let same = true;
  let count = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const v = source[key];
    if (v === undefined) continue;
    count++;
    const p = prev[key];
    const c = v === p ? v : cloneFrozenSharing(v, p);
    out[key] = c;
    if (c !== p) same = false;
  }
  if (same) {
    const prevKeys = Object.keys(prev);
    if (prevKeys.length === count) return previous as T;
    let prevCount = 0;
    for (let i = 0; i < prevKeys.length; i++) if (prev[prevKeys[i]!] !== undefined) prevCount++;
    if (prevCount === count) return previous as T;
  }
  return Object.freeze(out) as T;
}

/**
 * Freezes an object whose properties are already deep-frozen (or primitives) — e.g. a new
 * version of a stored object assembled from shared parts.
 */
export function freezeShallow<T extends object>(value: T): T {
  return Object.freeze(value);
}

/** A deep copy of JSON-like data, not frozen; `undefined` properties are dropped. */
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

/** Freezes a value and everything reachable from it. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== "object" || isDeeplyFrozen(value)) return value;
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return Object.freeze(value);
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
  for (const key in ao) {
    if (ao[key] === undefined) continue;
    countA++;
    if (!deepEqual(ao[key], bo[key])) return false;
  }
  let countB = 0;
  for (const key in bo) if (bo[key] !== undefined) countB++;
  return countA === countB;
}
