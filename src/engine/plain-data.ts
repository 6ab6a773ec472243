/**
 * Plain JSON data: what may be stored in an object's status (and so in snapshots and
 * `state.json`). {@link copyPlainData} checks a value and returns a fresh copy of it, so that
 * what a controller hands over cannot change (or turn cyclic) afterwards, and a Proxy or getter
 * is read exactly once.
 *
 * Accepted: `null`, booleans, finite numbers, strings, arrays without holes, and plain objects
 * (prototype `null` or an `Object.prototype`, of any realm), copied as ordinary objects with
 * their own enumerable string keys. Refused: cycles, BigInt, functions, symbols,
 * `NaN`/`Infinity`, class instances (Date, Map…), `undefined` in arrays, the keys `__proto__`, `constructor` and `prototype`,
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

/** Whether `value` is an object with keys (not null, not an array): the shape of a JSON object. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Whether an object is a plain one: its prototype is `null` or a root prototype (the
 * `Object.prototype` of this or another realm — objects from a vm context or a test sandbox
 * count), not a class's prototype (Date, Map, a class instance).
 */
export function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

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
  return walkPlainData(value, root, limits, true);
}

/** Like {@link copyPlainData}, but only checks (no copy): for data nobody else can change, such as a parsed snapshot. */
export function checkPlainData(value: unknown, root: string, limits: Readonly<PlainDataLimits> = STATUS_PATCH_LIMITS): void {
  walkPlainData(value, root, limits, false);
}

function walkPlainData(value: unknown, root: string, limits: Readonly<PlainDataLimits>, copying: boolean): unknown {
  let nodes = 0;
  const onPath = new Set<object>();
  /** The keys from the root to the value being walked; written out only for an error. */
  const keys: (string | number)[] = [];
  const fail = (problem: string, key?: string | number): never => {
    const path = (key === undefined ? keys : [...keys, key]).reduce<string>((text, k) => childPath(text, k), root);
    throw new PlainDataError(path, problem);
  };
  const copy = (v: unknown, depth: number): unknown => {
    if (++nodes > limits.maxNodes) throw new PlainDataError(root, `more than ${limits.maxNodes} values in all (a shared part counts each time it is reached)`);
    if (v === null || typeof v === "string" || typeof v === "boolean") return v;
    if (typeof v === "number") return Number.isFinite(v) ? v : fail(`must be plain JSON data (got ${kindOf(v)})`);
    if (typeof v !== "object") return fail(`must be plain JSON data (got ${kindOf(v)})`);
    if (onPath.has(v)) fail("a cycle: the value contains itself");
    if (depth >= limits.maxDepth) fail(`nested more than ${limits.maxDepth} levels deep`);
    onPath.add(v);
    try {
      if (Array.isArray(v)) {
        const length = v.length;
        const out: unknown[] | undefined = copying ? new Array<unknown>(length) : undefined;
        for (let i = 0; i < length; i++) {
          if (!(i in v)) fail("a hole in a list (not JSON data)", i);
          const item: unknown = v[i];
          if (item === undefined) fail("undefined in a list (not JSON data)", i);
          keys.push(i);
          const copied = copy(item, depth + 1);
          keys.pop();
          if (out !== undefined) out[i] = copied;
        }
        return out ?? v;
      }
      if (!isPlainObject(v)) fail(`must be plain JSON data (got ${kindOf(v)})`);
      const out: Record<string, unknown> | undefined = copying ? {} : undefined;
      for (const key of Object.keys(v)) {
        if (FORBIDDEN.has(key)) fail(`forbidden key "${key}" (reserved in JavaScript objects)`, key);
        const item: unknown = (v as Record<string, unknown>)[key];
        let copied: unknown;
        if (item !== undefined) {
          keys.push(key);
          copied = copy(item, depth + 1);
          keys.pop();
        }
        if (out !== undefined) out[key] = copied;
      }
      return out ?? v;
    } finally {
      onPath.delete(v);
    }
  };
  return copy(value, 0);
}
