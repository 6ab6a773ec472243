/**
 * Source positions for manifest fields: where each key and value sits in the text, so that a
 * validation error can say `web.yaml:12:3 spec.reservation`. Paths are arrays of mapping keys and
 * list indexes; lookups fall back to the nearest ancestor that has a position (for instance inside
 * an alias, whose expansion only has the alias's own position).
 */
import { MAX_ECHO_CHARS, quoteInput } from "./echo.js";

/** A 1-based line and column in a source text. Line 0 means "no position known". */
export interface SourcePosition {
  line: number;
  column: number;
}

/** One step of a field path: a mapping key or a list index. */
export type PathSegment = string | number;

/** Where a node's key (when it is a mapping value) and its value start. */
export interface NodePosition {
  key?: SourcePosition;
  value?: SourcePosition;
}

/** The position of nothing: used for objects that did not come from text. */
export const NO_POSITION: SourcePosition = Object.freeze({ line: 0, column: 0 });

const SEP = "\u0000";

/** The key under which a path's positions are kept: its segments joined by NUL. */
export function pathKey(path: readonly PathSegment[]): string {
  return path.map(String).join(SEP);
}

/** The key of a child of the path whose key is `parent` (`root`: the parent is the document itself). */
export function childPathKey(parent: string, root: boolean, segment: PathSegment): string {
  return root ? String(segment) : parent + SEP + String(segment);
}

/**
 * Positions of every node of one document, by path. Kept as character offsets and turned into
 * lines and columns only when asked for (most are never asked for).
 */
export class SourceMap {
  private readonly keys = new Map<string, number>();
  private readonly values = new Map<string, number>();

  /** `lines` converts the recorded offsets (absent for documents that have no text). */
  constructor(private readonly lines?: LineIndex) {}

  /** Records where the key of the node whose path key (see {@link pathKey}) is `key` starts. */
  setKeyAt(key: string, offset: number): void {
    this.keys.set(key, offset);
  }

  /** Records where the value of the node whose path key (see {@link pathKey}) is `key` starts. */
  setValueAt(key: string, offset: number): void {
    this.values.set(key, offset);
  }

  /** The recorded positions of exactly this path. */
  get(path: readonly PathSegment[]): NodePosition | undefined {
    if (this.lines === undefined) return undefined;
    const k = pathKey(path);
    const key = this.keys.get(k);
    const value = this.values.get(k);
    if (key === undefined && value === undefined) return undefined;
    return {
      ...(key !== undefined && { key: this.lines.position(key) }),
      ...(value !== undefined && { value: this.lines.position(value) }),
    };
  }

  /**
   * Best position for an error about `path`: its value (or its key with `preferKey`), else the
   * nearest ancestor's key, else the document start.
   */
  locate(path: readonly PathSegment[], preferKey = false): SourcePosition {
    const exact = this.get(path);
    if (exact) {
      const first = preferKey ? (exact.key ?? exact.value) : (exact.value ?? exact.key);
      if (first) return first;
    }
    for (let n = path.length - 1; n >= 0; n--) {
      const node = this.get(path.slice(0, n));
      const found = node?.key ?? node?.value;
      if (found) return found;
    }
    return NO_POSITION;
  }
}

/**
 * Converts character offsets of a text to 1-based lines and columns. Line breaks are YAML's:
 * LF, CRLF (one break) and a lone CR (old Mac files), so positions match what the parser read.
 */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) this.starts.push(i + 1);
    }
  }

  /** The line and column of a character offset. */
  position(offset: number): SourcePosition {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }
}

/**
 * Renders a path as people read it: `spec.workload.phases[0].after`, `metadata.labels["app.io/x"]`.
 * A key too long to repeat is cut: `spec["kkkk…" (1000000 characters)]`.
 */
export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (segment.length <= MAX_ECHO_CHARS && /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${quoteInput(segment)}]`;
  }
  return out;
}
