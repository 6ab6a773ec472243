/**
 * Plain JSON data: what may be stored in an object's status (and so in snapshots and
 * `state.json`). {@link copyPlainData} checks a value and returns a fresh copy of it, so that
 * what a controller hands over cannot change (or turn cyclic) afterwards, and a Proxy or getter
 * is read exactly once.
 *
 * Accepted: `null`, booleans, finite numbers, strings, arrays without holes, and objects whose
 * prototype is `Object.prototype` or `null` (copied as ordinary objects; own enumerable string
 * keys only). Refused: cycles, BigInt, functions, symbols, `NaN`/`Infinity`, class instances
 * (Date, Map…), `undefined` in arrays, the keys `__proto__`, `constructor` and `prototype`,
 * nesting deeper than `maxDepth`, and more than `maxNodes` values in all (shared sub-objects
 * count each time they are reached, as JSON would write them). `undefined` as an object
 * property is kept (JSON drops it).
 */

/** Limits of {@link copyPlainData}. */
export interface PlainDataLimits {
  /** Deepest nesting of arrays and objects (the value itself is depth 0). */
  maxDepth: number;
  /** Most values (containers and scalars) in the whole copy. */
  maxNodes: number;
}

/** The limits for a status patch: YAML's nesting cap and alias-expansion cap. */
export const STATUS_PATCH_LIMITS: Readonly<PlainDataLimits> = Object.freeze({ maxDepth: 64, maxNodes: 100_000 });

/** Keys that would reach JavaScript's object machinery rather than data. */
const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);

/** A value that is not plain JSON data; `path` is where (e.g. `status.custom[2].x`). */
export class PlainDataError extends TypeError {
  constructor(
    /** Where the problem is, written as a field path. */
    readonly path: string,
    /** What is wrong there. */
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = "PlainDataError";
  }
}

function kindOf(value: unknown): string {
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : "an infinite number";
  if (typeof value !== "object" || value === null) return `a ${typeof value}`;
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof name === "string" && name !== "" ? `a ${name}` : "an object with a prototype";
}

function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/**
 * Checks that `value` is plain JSON data within `limits` and returns a copy; throws a
 * {@link PlainDataError} naming the path (starting with `root`) otherwise. Getters and Proxy
 * traps run once; whatever they throw propagates.
 */
export function copyPlainData(value: unknown, root: string, limits: Readonly<PlainDataLimits> = STATUS_PATCH_LIMITS): unknown {
  let nodes = 0;
  const onPath = new Set<object>();
  const copy = (v: unknown, path: string, depth: number): unknown => {
    if (++nodes > limits.maxNodes) throw new PlainDataError(root, `more than ${limits.maxNodes} values in all (a shared part counts each time it is reached)`);
    if (v === null || typeof v === "string" || typeof v === "boolean") return v;
    if (typeof v === "number") {
      if (!Number.isFinite(v)) throw new PlainDataError(path, `must be plain JSON data (got ${kindOf(v)})`);
      return v;
    }
    if (typeof v !== "object") throw new PlainDataError(path, `must be plain JSON data (got ${kindOf(v)})`);
    if (onPath.has(v)) throw new PlainDataError(path, "a cycle: the value contains itself");
    if (depth >= limits.maxDepth) throw new PlainDataError(path, `nested more than ${limits.maxDepth} levels deep`);
    onPath.add(v);
    try {
      if (Array.isArray(v)) {
        const length = v.length;
        const out: unknown[] = new Array<unknown>(length);
        for (let i = 0; i < length; i++) {
          if (!(i in v)) throw new PlainDataError(childPath(path, i), "a hole in a list (not JSON data)");
          const item: unknown = v[i];
          if (item === undefined) throw new PlainDataError(childPath(path, i), "undefined in a list (not JSON data)");
          out[i] = copy(item, childPath(path, i), depth + 1);
        }
        return out;
      }
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) throw new PlainDataError(path, `must be plain JSON data (got ${kindOf(v)})`);
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v)) {
        if (FORBIDDEN.has(key)) throw new PlainDataError(childPath(path, key), `forbidden key "${key}" (reserved in JavaScript objects)`);
        const item: unknown = (v as Record<string, unknown>)[key];
        out[key] = item === undefined ? undefined : copy(item, childPath(path, key), depth + 1);
      }
      return out;
    } finally {
      onPath.delete(v);
    }
  };
  return copy(value, root, 0);
}
