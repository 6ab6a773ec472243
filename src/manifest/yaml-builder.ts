/**
 * Builds the values of a YAML event stream (js-yaml's `parseEvents`), node by node, so that it can
 * (a) record where each field is, (b) accept only plain JSON-compatible values (core-schema
 * scalars, mappings, lists — any other tag such as `!!js/function` is an error), (c) bound alias
 * expansion (billion laughs) per document and per file, (d) reject duplicate keys and the keys
 * `__proto__`, `constructor` and `prototype` at any depth, building mappings with null prototypes
 * so nothing can be polluted. Messages repeat at most a short piece of any key, tag or value.
 */
import {
  EVENT_ID,
  NOT_RESOLVED,
  SCALAR_STYLE,
  boolCoreTag,
  floatCoreTag,
  getScalarValue,
  intCoreTag,
  nullCoreTag,
  type Event,
  type ScalarEvent,
  type ScalarTagDefinition,
} from "js-yaml";
import { quoteInput, shortenInput } from "./echo.js";
import { childPathKey, LineIndex, NO_POSITION, SourceMap, type PathSegment, type SourcePosition } from "./source-map.js";
import { eventOffset, fileNodesMessage, FORBIDDEN_KEYS, type YamlLimits } from "./yaml-limits.js";

/** One YAML document with the positions of its nodes. */
export interface YamlDocument {
  /** 0-based index of the document in its source. */
  index: number;
  /** The document's value; `null` for an empty document. */
  value: unknown;
  /** Where each node sits. */
  positions: SourceMap;
  /** Where the document starts. */
  start: SourcePosition;
  /** True when reading it found a problem (bad tag, duplicate or forbidden key...). */
  hasProblems: boolean;
}

/** A problem found while reading YAML: position, field path and a short message. */
export interface YamlProblem {
  position: SourcePosition;
  path: PathSegment[];
  message: string;
}

/** The documents of a source and every problem found reading them. */
export interface YamlReadResult {
  documents: YamlDocument[];
  problems: YamlProblem[];
  /**
   * True when the text broke a per-file limit (documents, nodes): reading stopped, `documents`
   * is incomplete, and the problem about the limit is the one to report.
   */
  refused?: boolean;
}

/** Thrown inside the builder to abandon a document that broke a hard limit. */
class LimitExceeded extends Error {}

/** Thrown inside the builder when the whole file broke its node budget: nothing more is built. */
class FileLimitExceeded extends Error {}

/** Nodes built so far from one text, all documents together (shared by the builders of one text). */
export interface NodeBudget {
  used: number;
  /** Whether an alias has been expanded (the limit is then an alias bomb's). */
  aliased: boolean;
}

/** Thrown by an untracked builder at the first problem: the caller re-reads the text with positions. */
class Abandoned extends Error {}

const CORE_SCALARS: readonly ScalarTagDefinition[] = [nullCoreTag, boolCoreTag, intCoreTag, floatCoreTag];

/**
 * The core tags that may resolve a plain scalar, by its first character (`""` for the empty
 * scalar), in resolution order; built from each tag's own `implicitFirstChars` (a superset of
 * what it matches), so a plain scalar such as `esx-01` skips every resolver.
 */
const CORE_SCALARS_BY_FIRST_CHAR: ReadonlyMap<string, readonly ScalarTagDefinition[]> = (() => {
  const firstChars = new Set<string>();
  for (const tag of CORE_SCALARS) for (const c of tag.implicitFirstChars ?? []) firstChars.add(c);
  const table = new Map<string, ScalarTagDefinition[]>();
  for (const c of firstChars) table.set(c, CORE_SCALARS.filter((tag) => tag.implicitFirstChars === null || tag.implicitFirstChars.includes(c)));
  return table;
})();

/** Core tags whose `implicitFirstChars` is unconstrained: tried for every plain scalar. */
const UNCONSTRAINED_CORE_SCALARS: readonly ScalarTagDefinition[] = CORE_SCALARS.filter((tag) => tag.implicitFirstChars === null);

const EXPLICIT_SCALAR_TAGS: ReadonlyMap<string, ScalarTagDefinition | "str"> = new Map<string, ScalarTagDefinition | "str">([
  ["!!str", "str"],
  ["!", "str"],
  ["!!null", nullCoreTag],
  ["!!bool", boolCoreTag],
  ["!!int", intCoreTag],
  ["!!float", floatCoreTag],
]);

const ALLOWED_TAG_HINT = "manifests may only hold plain values (strings, numbers, booleans, null, mappings and lists)";

interface Anchor {
  value: unknown;
  size: number;
  complete: boolean;
}

interface FrameBase {
  path: PathSegment[];
  /** `path` as a source-map key (see `pathKey`), when positions are tracked. */
  key0: string;
  /** Offset where the collection starts. */
  start: number;
  /** Anchor name defined on this collection, if any. */
  anchor?: string;
  /** Node count when the collection opened (to size its anchor). */
  nodesAtStart: number;
}

type Frame =
  | (FrameBase & { type: "map"; value: Record<string, unknown>; key: string | undefined | typeof SKIP })
  | (FrameBase & { type: "seq"; value: unknown[] });

const SKIP: unique symbol = Symbol("skip");

/** The path every node has when positions are not tracked. */
const UNTRACKED_PATH: PathSegment[] = [];

/** The (empty, never written) source map of documents read without positions. */
const UNTRACKED_POSITIONS = new SourceMap();

/**
 * Builds the values of one event stream (one or more documents). With `track` (the default) it
 * records every node's position and reports every problem; without it, it records nothing and
 * throws {@link Abandoned} at the first problem, which is much cheaper when the text is valid.
 */
export class DocumentBuilder {
  private readonly stack: Frame[] = [];
  private readonly anchors = new Map<string, Anchor>();
  private nodes = 0;
  /** Whether the current document has expanded an alias (the node limit is then an alias bomb's). */
  private aliased = false;
  private current: YamlDocument | undefined;
  private skipDepth = 0;
  /** True once the file's node budget ran out: the rest of the events are ignored. */
  stopped = false;
  readonly documents: YamlDocument[] = [];

  constructor(
    private readonly source: string,
    private readonly offset: number,
    private readonly lines: LineIndex,
    private readonly limits: YamlLimits,
    private readonly problems: YamlProblem[],
    private documentIndex: number,
    private readonly budget: NodeBudget,
    private readonly track = true,
  ) {}

  private pos(offset: number): SourcePosition {
    return this.lines.position(this.at(offset));
  }

  /** The offset in the whole text (what the source map records) of an offset in this builder's source. */
  private at(offset: number): number {
    return this.offset + Math.max(offset, 0);
  }

  /** Source-map key of the child of `frame` at `segment`. */
  private static keyOfChild(frame: Frame, segment: PathSegment): string {
    return childPathKey(frame.key0, frame.path.length === 0, segment);
  }

  private problem(offset: number, path: PathSegment[], message: string): void {
    if (!this.track) throw new Abandoned(message);
    if (this.current) this.current.hasProblems = true;
    this.problems.push({ position: this.pos(offset), path, message });
  }

  /** Runs all events; returns the index of the next document. */
  run(events: readonly Event[]): number {
    for (const event of events) {
      if (this.stopped) break;
      if (this.skipDepth > 0) {
        // The current document broke a hard limit: skip to its end.
        if (event.type === EVENT_ID.DOCUMENT || event.type === EVENT_ID.MAPPING || event.type === EVENT_ID.SEQUENCE) this.skipDepth++;
        else if (event.type === EVENT_ID.POP) this.skipDepth--;
        continue;
      }
      try {
        this.handle(event);
      } catch (error) {
        if (error instanceof FileLimitExceeded) {
          this.stopped = true;
          this.current = undefined;
          const at = eventOffset(event);
          this.problem(at >= 0 ? at : this.lastOffset(), [], error.message);
          break;
        }
        if (!(error instanceof LimitExceeded)) throw error;
        this.problem(this.stack[0]?.start ?? 0, [], error.message);
        // Unwind: the open frames, a collection whose opening hit the limit, and the document.
        const opening = event.type === EVENT_ID.MAPPING || event.type === EVENT_ID.SEQUENCE ? 1 : 0;
        this.skipDepth = this.stack.length + opening + 1;
        this.stack.length = 0;
        this.current = undefined;
      }
    }
    return this.documentIndex;
  }

  private handle(event: Event): void {
    switch (event.type) {
      case EVENT_ID.DOCUMENT:
        this.anchors.clear();
        this.nodes = 0;
        this.aliased = false;
        this.current = this.track
          ? { index: this.documentIndex++, value: null, positions: new SourceMap(this.lines), start: this.pos(0), hasProblems: false }
          : { index: this.documentIndex++, value: null, positions: UNTRACKED_POSITIONS, start: NO_POSITION, hasProblems: false };
        return;
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE:
        return this.open(event.type === EVENT_ID.MAPPING ? "map" : "seq", event.start, event.tagStart, event.tagEnd, event.anchorStart, event.anchorEnd);
      case EVENT_ID.SCALAR:
        return this.scalar(event);
      case EVENT_ID.ALIAS:
        return this.alias(event.anchorStart, event.anchorEnd);
      case EVENT_ID.POP:
        return this.pop();
    }
  }

  private count(n: number): void {
    this.nodes += n;
    this.budget.used += n;
    if (this.budget.used > this.limits.maxFileNodes) throw new FileLimitExceeded(fileNodesMessage(this.limits, this.budget.aliased));
    if (this.nodes > this.limits.maxNodes) {
      throw new LimitExceeded(
        this.aliased
          ? `document has more than ${this.limits.maxNodes} nodes once aliases are expanded (alias bomb protection); ` +
              "write the values out or use fewer aliases"
          : `document has more than ${this.limits.maxNodes} nodes; split it into several documents or files ` +
              "(a JSON List of about 1 000 VMs each; memplane generate --output DIR/ does this)",
      );
    }
  }

  /** The path of the node about to be attached to the top frame. */
  private childPath(): PathSegment[] {
    if (!this.track) return UNTRACKED_PATH;
    const top = this.stack[this.stack.length - 1];
    if (!top) return [];
    if (top.type === "seq") return [...top.path, top.value.length];
    if (top.key === undefined || top.key === SKIP) return [...top.path, "<key>"];
    return [...top.path, top.key];
  }

  /** The source-map key of the node about to be attached to the top frame (as {@link childPath}). */
  private childKey(): string {
    const top = this.stack[this.stack.length - 1];
    if (!top) return "";
    if (top.type === "seq") return DocumentBuilder.keyOfChild(top, top.value.length);
    if (top.key === undefined || top.key === SKIP) return DocumentBuilder.keyOfChild(top, "<key>");
    return DocumentBuilder.keyOfChild(top, top.key);
  }

  private checkTag(tagStart: number, tagEnd: number, allowed: string, path: PathSegment[]): boolean {
    if (tagStart < 0) return true;
    const tag = this.source.slice(tagStart, tagEnd);
    if (tag === allowed || tag === "!") return true;
    this.problem(tagStart, path, `unsupported YAML tag ${quoteInput(tag)}: ${ALLOWED_TAG_HINT}`);
    return false;
  }

  private open(type: "map" | "seq", start: number, tagStart: number, tagEnd: number, anchorStart: number, anchorEnd: number): void {
    this.count(1);
    const path = this.childPath();
    this.checkTag(tagStart, tagEnd, type === "map" ? "!!map" : "!!seq", path);
    const key0 = this.track ? this.childKey() : "";
    const frame: Frame =
      type === "map"
        ? { type, value: Object.create(null) as Record<string, unknown>, path, key0, key: undefined, start, nodesAtStart: this.nodes }
        : { type, value: [], path, key0, start, nodesAtStart: this.nodes };
    if (anchorStart >= 0) {
      frame.anchor = this.source.slice(anchorStart, anchorEnd);
      this.anchors.set(frame.anchor, { value: undefined, size: 0, complete: false });
    }
    if (this.track && !this.isKeyPosition()) this.current?.positions.setValueAt(key0, this.at(start));
    this.stack.push(frame);
  }

  private isKeyPosition(): boolean {
    const top = this.stack[this.stack.length - 1];
    return top?.type === "map" && top.key === undefined;
  }

  private pop(): void {
    const frame = this.stack.pop();
    if (!frame) {
      // End of document.
      if (this.current) this.documents.push(this.current);
      this.current = undefined;
      return;
    }
    if (frame.anchor !== undefined) {
      const size = this.nodes - frame.nodesAtStart + 1;
      this.anchors.set(frame.anchor, { value: frame.value, size, complete: true });
    }
    this.attach(frame.value, frame.start, false);
  }

  private scalar(event: ScalarEvent): void {
    this.count(1);
    const text = event.valueStart < 0 ? "" : getScalarValue(this.source, event);
    let value: unknown = text;
    const quoted = event.style !== SCALAR_STYLE.PLAIN;
    if (event.tagStart >= 0) {
      const tag = this.source.slice(event.tagStart, event.tagEnd);
      const definition = EXPLICIT_SCALAR_TAGS.get(tag);
      if (definition === undefined) {
        this.problem(event.tagStart, this.childPath(), `unsupported YAML tag ${quoteInput(tag)}: ${ALLOWED_TAG_HINT}`);
        value = null;
      } else if (definition !== "str") {
        const resolved = definition.resolve(text, true, definition.tagName);
        if (resolved === NOT_RESOLVED) {
          this.problem(event.tagStart, this.childPath(), `cannot read ${quoteInput(text)} as ${tag}`);
          value = null;
        } else value = resolved;
      }
    } else if (!quoted) {
      value = resolvePlain(text);
    }
    const at = event.valueStart < 0 ? this.lastOffset() : event.valueStart - (event.style === SCALAR_STYLE.SINGLE_QUOTED || event.style === SCALAR_STYLE.DOUBLE_QUOTED ? 1 : 0);
    if (event.anchorStart >= 0) {
      this.anchors.set(this.source.slice(event.anchorStart, event.anchorEnd), { value, size: 1, complete: true });
    }
    this.attach(value, at, true);
  }

  /** Offset to blame for an empty scalar: the enclosing collection's start. */
  private lastOffset(): number {
    return this.stack[this.stack.length - 1]?.start ?? 0;
  }

  private alias(anchorStart: number, anchorEnd: number): void {
    const name = this.source.slice(anchorStart, anchorEnd);
    const anchor = this.anchors.get(name);
    let value: unknown = null;
    if (anchor === undefined) {
      const shown = shortenInput(name);
      this.problem(anchorStart - 1, this.childPath(), `unknown alias "*${shown}": no anchor "&${shown}" before it`);
    } else if (!anchor.complete) {
      this.problem(anchorStart - 1, this.childPath(), `alias "*${shortenInput(name)}" refers to a node that contains it (recursive alias)`);
    } else {
      this.aliased = true;
      this.budget.aliased = true;
      this.count(anchor.size);
      value = cloneValue(anchor.value);
    }
    this.attach(value, anchorStart - 1, true);
  }

  /**
   * Attaches a completed node to its parent (as a key, a mapping value, a list item or the
   * document). `record` says whether its value position still needs recording (collections
   * record theirs when they open).
   */
  private attach(value: unknown, offset: number, record: boolean): void {
    const top = this.stack[this.stack.length - 1];
    const doc = this.current;
    if (!top) {
      if (doc) {
        doc.value = value;
        if (this.track) doc.positions.setValueAt("", this.at(offset));
      }
      return;
    }
    if (top.type === "seq") {
      if (record && this.track) doc?.positions.setValueAt(DocumentBuilder.keyOfChild(top, top.value.length), this.at(offset));
      top.value.push(value);
      return;
    }
    if (top.key === undefined) {
      top.key = this.acceptKey(top, value, offset);
      return;
    }
    const key = top.key;
    top.key = undefined;
    if (key === SKIP) return;
    if (record && this.track) doc?.positions.setValueAt(DocumentBuilder.keyOfChild(top, key), this.at(offset));
    top.value[key] = value;
  }

  private acceptKey(frame: Extract<Frame, { type: "map" }>, value: unknown, offset: number): string | typeof SKIP {
    if (value !== null && typeof value === "object") {
      this.problem(offset, frame.path, "mapping keys must be plain strings, not mappings or lists");
      return SKIP;
    }
    const key = value === null ? "" : String(value);
    if (!this.track) {
      if (FORBIDDEN_KEYS.has(key) || key in frame.value) throw new Abandoned("a forbidden or duplicate key");
      return key;
    }
    if (FORBIDDEN_KEYS.has(key)) {
      this.problem(offset, [...frame.path, key], `forbidden key "${key}" (reserved in JavaScript objects; not a memplane field)`);
      return SKIP;
    }
    if (Object.prototype.hasOwnProperty.call(frame.value, key)) {
      const path = [...frame.path, key];
      const first = this.current?.positions.get(path)?.key;
      this.problem(offset, path, `duplicate key ${quoteInput(key)}${first ? ` (first at line ${first.line})` : ""}`);
      return SKIP;
    }
    this.current?.positions.setKeyAt(DocumentBuilder.keyOfChild(frame, key), this.at(offset));
    return key;
  }
}

/** Resolves a plain scalar with the YAML 1.2 core schema (null, bool, int, float, else string). */
function resolvePlain(text: string): unknown {
  for (const tag of CORE_SCALARS_BY_FIRST_CHAR.get(text.charAt(0)) ?? UNCONSTRAINED_CORE_SCALARS) {
    const resolved = tag.resolve(text, false, tag.tagName);
    if (resolved !== NOT_RESOLVED) return resolved;
  }
  return text;
}

/** Deep-copies an alias's value so later changes to one copy cannot show through another. */
function cloneValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneValue);
  if (value !== null && typeof value === "object") {
    const copy = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(value)) copy[key] = cloneValue((value as Record<string, unknown>)[key]);
    return copy;
  }
  return value;
}

