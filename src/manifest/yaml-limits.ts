/**
 * The limits a manifest text must keep so that reading it costs bounded time and memory, and the
 * cheap checks that enforce the per-file ones before the text is built into values: documents are
 * counted from the text's `---`/`...` markers before it is parsed, and nodes from the parser's
 * events before anything is built.
 */
import { EVENT_ID, type Event } from "js-yaml";

/** Limits that keep hostile input from exhausting memory or time. */
export interface YamlLimits {
  /** Maximum nesting of mappings and lists. */
  maxDepth: number;
  /** Maximum nodes of one document after alias expansion. */
  maxNodes: number;
  /** Maximum characters of one source text. */
  maxChars: number;
  /** Maximum documents of one source text, empty ones included. */
  maxDocuments: number;
  /** Maximum nodes of one source text, all documents together, aliases expanded. */
  maxFileNodes: number;
}

/**
 * Default limits: 64 levels, 100 000 nodes per document, 16 MiB, 50 000 documents and
 * 2 500 000 nodes per source. A 16 MiB YAML stream of generated VMs is about 41 000 documents
 * and 2 000 000 nodes; `memplane generate --output DIR/` writes 1 000 objects per file.
 */
export const DEFAULT_YAML_LIMITS: Readonly<YamlLimits> = Object.freeze({
  maxDepth: 64,
  maxNodes: 100_000,
  maxChars: 16 * 1024 * 1024,
  maxDocuments: 50_000,
  maxFileNodes: 2_500_000,
});

/** Keys that could reach `Object.prototype` in careless code; rejected at any depth. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** A per-file limit a text breaks: where, and what to tell the user. */
export interface LimitBreach {
  /** Character offset in the text (the document or node past the limit). */
  offset: number;
  message: string;
}

/** A document marker: `---` or `...` at the start of a line, followed by a blank or the end. */
const MARKER = /(?:^|(?<=[\n\r]))(---|\.\.\.)(?=[ \t\r\n]|$)/g;

/** Whether `text[from, to)` holds a line of content (not blank, a comment or a `%` directive). */
function hasContent(text: string, from: number, to: number): boolean {
  let lineStart = true;
  let atColumnZero = true;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || c === 0x0d) {
      lineStart = true;
      atColumnZero = true;
      continue;
    }
    if (!lineStart) continue;
    if (c === 0x20 || c === 0x09) {
      atColumnZero = false;
      continue;
    }
    if (c === 0x23 /* # */ || (c === 0x25 /* % */ && atColumnZero)) {
      lineStart = false; // a comment or directive: skip the rest of the line
      continue;
    }
    return true;
  }
  return false;
}

/**
 * The start of the first document past `maxDocuments` in a YAML text, or -1. Counts as js-yaml
 * does: every `---` starts a document; text at the start or after `...` is a document when it has
 * content. Stops at the first document past the limit, so a huge count costs no more than that.
 */
export function documentPastLimit(text: string, maxDocuments: number): number {
  let documents = 0;
  let bareFrom = 0; // where text that may form a document without `---` starts (or -1 inside one)
  MARKER.lastIndex = 0;
  for (let match = MARKER.exec(text); match !== null; match = MARKER.exec(text)) {
    if (bareFrom >= 0 && hasContent(text, bareFrom, match.index) && ++documents > maxDocuments) return bareFrom;
    if (match[1] === "---") {
      if (++documents > maxDocuments) return match.index;
      bareFrom = -1;
    } else {
      bareFrom = match.index + 3;
    }
  }
  if (bareFrom >= 0 && hasContent(text, bareFrom, text.length) && ++documents > maxDocuments) return bareFrom;
  return -1;
}

/** The breach of the document limit, if the text has too many documents. */
export function checkDocumentCount(text: string, limits: YamlLimits): LimitBreach | undefined {
  const offset = documentPastLimit(text, limits.maxDocuments);
  if (offset < 0) return undefined;
  return {
    offset,
    message:
      `more than ${limits.maxDocuments} documents in one file (empty ones count too); ` +
      `split it into several files (memplane generate --output DIR/ writes 1 000 objects per file)`,
  };
}

/** Where an event's node starts, or -1 when the event does not say (an empty scalar, a pop). */
export function eventOffset(event: Event): number {
  switch (event.type) {
    case EVENT_ID.MAPPING:
    case EVENT_ID.SEQUENCE:
      return event.start;
    case EVENT_ID.SCALAR:
      return event.valueStart;
    case EVENT_ID.ALIAS:
      return event.anchorStart - 1;
    default:
      return -1;
  }
}

/** The breach of the per-file node limit, counted on the parser's events before any value is built. */
export function checkNodeCount(events: readonly Event[], limits: YamlLimits): LimitBreach | undefined {
  if (events.length <= limits.maxFileNodes) return undefined; // nodes are fewer than events
  let nodes = 0;
  for (const event of events) {
    if (event.type === EVENT_ID.POP || event.type === EVENT_ID.DOCUMENT) continue;
    if (++nodes > limits.maxFileNodes) return { offset: Math.max(eventOffset(event), 0), message: fileNodesMessage(limits, false) };
  }
  return undefined;
}

/** The message for a text with more than `maxFileNodes` nodes (`aliased`: once aliases are expanded). */
export function fileNodesMessage(limits: YamlLimits, aliased: boolean): string {
  return aliased
    ? `file has more than ${limits.maxFileNodes} nodes once aliases are expanded (alias bomb protection); write the values out or use fewer aliases`
    : `file has more than ${limits.maxFileNodes} nodes (mappings, lists and values); split it into several files ` +
        "(memplane generate --output DIR/ writes 1 000 objects per file)";
}
