/**
 * The JSON fast path: a manifest text that is JSON is read with `JSON.parse` (an order of
 * magnitude faster than any YAML reader) and then held to the same rules as the YAML reader
 * (`safe-yaml.ts`): size cap, nesting depth, node count, no duplicate keys, no `__proto__`,
 * `constructor` or `prototype` keys. It knows no positions: when it
 * is not sure the text is fine it answers `undefined`, and the caller reads the text with the
 * position-tracking YAML reader, whose errors are the ones the user sees.
 */
import { DEFAULT_YAML_LIMITS, FORBIDDEN_KEYS, type YamlLimits } from "./safe-yaml.js";

/**
 * Nesting beyond which the fast path gives up (well under the reader's 64 levels: the tracked
 * reader decides, and reports, anything that deep). Manifests nest about 8 levels.
 */
const FAST_MAX_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const BYTE_ORDER_MARK = 0xfeff;

/** True when a text should be read as JSON: its source ends in `.json`, or it starts with `{` or `[`. */
export function looksLikeJson(text: string, source: string): boolean {
  if (source.toLowerCase().endsWith(".json")) return true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === BYTE_ORDER_MARK) continue;
    return c === 0x7b /* { */ || c === 0x5b /* [ */;
  }
  return false;
}

/**
 * The number of object keys written in a text that `JSON.parse` accepted: the colons outside
 * strings (in valid JSON a colon outside a string separates a key from its value). Compared with
 * the keys of the parsed value, it reveals duplicate keys, which `JSON.parse` silently merges.
 */
export function countJsonKeys(text: string): number {
  let keys = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === COLON) keys++;
    else if (c === QUOTE) {
      // skip the string: its closing quote is the first one not escaped by an odd run of backslashes
      let end = text.indexOf('"', i + 1);
      for (;;) {
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      i = end;
    }
  }
  return keys;
}

interface Census {
  /** Nodes as the YAML reader counts them: every mapping, list, key and scalar. */
  nodes: number;
  /** Keys present in the parsed mappings. */
  keys: number;
}

/**
 * Walks a parsed value: checks depth, forbidden keys and numbers YAML would read differently
 * (a number too large for a double is `Infinity` to JSON but a string to YAML), and counts nodes
 * and keys. False when anything is off. (`for...in` also walks inherited enumerable keys: on a
 * polluted `Object.prototype` the key count no longer matches and the text takes the full path.)
 */
function census(value: unknown, depth: number, counts: Census): boolean {
  counts.nodes++;
  if (value === null || typeof value !== "object") return typeof value !== "number" || Number.isFinite(value);
  if (depth >= FAST_MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!census(value[i], depth + 1, counts)) return false;
    return true;
  }
  let keys = 0;
  for (const key in value) {
    keys++;
    if (FORBIDDEN_KEYS.has(key)) return false;
    if (!census((value as Record<string, unknown>)[key], depth + 1, counts)) return false;
  }
  counts.keys += keys;
  counts.nodes += keys;
  return true;
}

/**
 * Reads a JSON manifest text the fast way: the parsed value, or `undefined` when the text is not
 * valid JSON or might break a reading rule (size, depth, node count, duplicate or forbidden keys)
 * — read it with the YAML reader then. A leading byte order mark is ignored, as the YAML reader does.
 *
 * Unlike the YAML reader's, its mappings keep JSON.parse's ordinary prototype (giving them null
 * prototypes cost more than the rest of the checks): they are only read by validation, which
 * reads fields by name, and never handed on — callers get the objects defaulting builds, the
 * same from either reader (the fast-path tests compare them, prototypes included).
 */
export function readJsonValue(text: string, limits: Partial<YamlLimits> = {}): { value: unknown } | undefined {
  const lim: YamlLimits = { ...DEFAULT_YAML_LIMITS, ...limits };
  if (text.length > lim.maxChars) return undefined;
  const source = text.charCodeAt(0) === BYTE_ORDER_MARK ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch {
    return undefined;
  }
  const counts: Census = { nodes: 0, keys: 0 };
  if (!census(value, 0, counts)) return undefined;
  if (counts.nodes > lim.maxNodes) return undefined;
  if (counts.keys !== countJsonKeys(source)) return undefined; // a duplicate key was merged away
  return { value };
}
