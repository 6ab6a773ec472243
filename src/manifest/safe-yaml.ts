/**
 * Safe YAML reading with source positions. js-yaml's event parser (`parseEvents`) gives every
 * node's offset; the builder (`yaml-builder.ts`) makes the values itself, keeping only plain
 * values and recording where each field is. This module reads whole texts: it enforces the
 * per-file limits (`yaml-limits.ts`: size, documents and nodes, checked before values are built),
 * recovers from syntax errors document by document so that one does not hide the others, and
 * offers a quick reading without positions for the common case of a valid text.
 */
import { YAMLException, parseEvents, type Event } from "js-yaml";
import { DocumentBuilder, type NodeBudget, type YamlDocument, type YamlProblem, type YamlReadResult } from "./yaml-builder.js";
import { LineIndex } from "./source-map.js";
import { checkDocumentCount, checkNodeCount, DEFAULT_YAML_LIMITS, type LimitBreach, type YamlLimits } from "./yaml-limits.js";

export { DEFAULT_YAML_LIMITS, FORBIDDEN_KEYS, type YamlLimits } from "./yaml-limits.js";
export type { YamlDocument, YamlProblem, YamlReadResult } from "./yaml-builder.js";

/** Splits a text at document markers (`---`, `...` at column 0), for recovery after a syntax error. */
function splitDocuments(text: string): { offset: number; text: string }[] {
  const chunks: { offset: number; text: string }[] = [];
  const marker = /^(---|\.\.\.)(?=[ \t\r\n]|$)/gm;
  let start = 0;
  for (const match of text.matchAll(marker)) {
    const at = match.index ?? 0;
    if (at > start) chunks.push({ offset: start, text: text.slice(start, at) });
    start = at;
    if (match[1] === "...") start = at + 3;
  }
  if (start < text.length) chunks.push({ offset: start, text: text.slice(start) });
  return chunks;
}

function parseProblem(error: unknown, offset: number, lines: LineIndex): YamlProblem {
  if (error instanceof YAMLException) {
    const position = error.mark ? lines.position(offset + error.mark.position) : { line: 1, column: 1 };
    const reason = /maxDepth/.test(error.reason)
      ? `mappings and lists are nested too deeply (${error.reason.replace(/^.*\((\d+)\).*$/, "more than $1 levels")})`
      : `YAML syntax error: ${error.reason}`;
    return { position, path: [], message: reason };
  }
  return { position: lines.position(offset), path: [], message: `cannot read YAML: ${String((error as Error)?.message ?? error)}` };
}

/** The events of a text, the error that stopped js-yaml's parser, or the per-file limit it breaks. */
type Parsed = { events: Event[] } | { error: unknown } | { refused: LimitBreach };

/** Parses a text unless it has too many documents (counted first), and counts its nodes. */
function parse(source: string, lim: YamlLimits): Parsed {
  const documents = checkDocumentCount(source, lim);
  if (documents !== undefined) return { refused: documents };
  let events: Event[];
  try {
    events = parseEvents(source, { maxDepth: lim.maxDepth });
  } catch (error) {
    return { error };
  }
  const nodes = checkNodeCount(events, lim);
  return nodes === undefined ? { events } : { refused: nodes };
}

/** A fresh node budget for one text. */
function newBudget(): NodeBudget {
  return { used: 0, aliased: false };
}

function withoutByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function tooLarge(lim: YamlLimits): YamlReadResult {
  return {
    documents: [],
    problems: [{ position: { line: 1, column: 1 }, path: [], message: `source is larger than the ${formatChars(lim.maxChars)} limit` }],
  };
}

/** The full reading of a parsed text: values with positions and every problem (recovering from syntax errors). */
function readTracked(source: string, lim: YamlLimits, parsed: Parsed): YamlReadResult {
  const problems: YamlProblem[] = [];
  const lines = new LineIndex(source);
  if ("refused" in parsed) {
    problems.push({ position: lines.position(parsed.refused.offset), path: [], message: parsed.refused.message });
    return { documents: [], problems, refused: true };
  }
  try {
    if ("error" in parsed) throw parsed.error;
    const builder = new DocumentBuilder(source, 0, lines, lim, problems, 0, newBudget());
    builder.run(parsed.events);
    return { documents: builder.documents, problems, ...(builder.stopped && { refused: true }) };
  } catch (error) {
    // Recover: read each document on its own so that every syntax error is reported.
    const documents: YamlDocument[] = [];
    const budget = newBudget();
    let index = 0;
    let refused = false;
    for (const chunk of splitDocuments(source)) {
      try {
        const events = parseEvents(chunk.text, { maxDepth: lim.maxDepth });
        const builder = new DocumentBuilder(chunk.text, chunk.offset, lines, lim, problems, index, budget);
        index = builder.run(events);
        documents.push(...builder.documents);
        if (builder.stopped) {
          refused = true; // the file's node budget is spent
          break;
        }
      } catch (chunkError) {
        problems.push(parseProblem(chunkError, chunk.offset, lines));
        index++;
      }
    }
    if (problems.length === 0) problems.push(parseProblem(error, 0, lines));
    return { documents, problems, ...(refused && { refused }) };
  }
}

/**
 * Reads every document of a YAML (or JSON) text with positions. Never throws on bad input:
 * problems are returned with their line and column. A leading byte order mark is ignored.
 */
export function readYamlDocuments(text: string, limits: Partial<YamlLimits> = {}): YamlReadResult {
  const lim: YamlLimits = { ...DEFAULT_YAML_LIMITS, ...limits };
  if (text.length > lim.maxChars) return tooLarge(lim);
  const source = withoutByteOrderMark(text);
  return readTracked(source, lim, parse(source, lim));
}

/** A text read without positions (see {@link readYamlQuick}). */
export interface QuickYamlRead {
  /** The documents' values (`null` for an empty document), or `undefined` when anything is wrong. */
  values: unknown[] | undefined;
  /** The full reading, as {@link readYamlDocuments} gives it, without parsing the text again. */
  full(): YamlReadResult;
}

/**
 * Reads every document of a YAML text WITHOUT positions, for the common case of a valid text:
 * the documents' values, or `undefined` as soon as anything is wrong (syntax, a tag, a duplicate
 * or forbidden key, an alias, a limit). Every rule of {@link readYamlDocuments} applies and values
 * are built the same way. When the caller needs positions after all (a problem, or a field that
 * does not validate), `full()` builds them from the events already parsed.
 */
export function readYamlQuick(text: string, limits: Partial<YamlLimits> = {}): QuickYamlRead {
  const lim: YamlLimits = { ...DEFAULT_YAML_LIMITS, ...limits };
  if (text.length > lim.maxChars) return { values: undefined, full: () => tooLarge(lim) };
  const source = withoutByteOrderMark(text);
  const parsed = parse(source, lim);
  let values: unknown[] | undefined;
  if ("events" in parsed) {
    try {
      const builder = new DocumentBuilder(source, 0, UNTRACKED_LINES, lim, [], 0, newBudget(), false);
      builder.run(parsed.events);
      values = builder.documents.map((doc) => doc.value);
    } catch {
      values = undefined; // a problem (Abandoned) or a limit: the full reading says what and where
    }
  }
  return { values, full: () => readTracked(source, lim, parsed) };
}

/** The values of {@link readYamlQuick}: the documents of a valid text, `undefined` for any problem. */
export function readYamlValues(text: string, limits: Partial<YamlLimits> = {}): unknown[] | undefined {
  return readYamlQuick(text, limits).values;
}

/** Line index of an untracked builder (never consulted). */
const UNTRACKED_LINES = new LineIndex("");

function formatChars(chars: number): string {
  return chars % (1024 * 1024) === 0 ? `${chars / (1024 * 1024)} MiB` : `${chars} character`;
}
