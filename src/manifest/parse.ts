/**
 * From manifest text (or already-parsed values) to validated, defaulted objects and a complete
 * list of errors with file:line:column. Handles multi-document YAML, `kind: List` and JSON, skips
 * empty documents, and rejects two objects of the same kind, namespace and name in one apply.
 */
import { DEFAULT_NAMESPACE, type ManifestObject } from "../api/types.js";
import { ErrorList } from "./error-list.js";
import { ManifestValidationError, type ManifestError } from "./errors.js";
import { looksLikeJson, readJsonValue } from "./fast-json.js";
import { DEFAULT_YAML_LIMITS, FORBIDDEN_KEYS, readYamlDocuments, readYamlQuick, type YamlLimits, type YamlReadResult } from "./safe-yaml.js";
import { formatPath, NO_POSITION, SourceMap, type PathSegment, type SourcePosition } from "./source-map.js";
import { describeValue } from "./echo.js";
import { validateObject, type ObjectValidation } from "./validate.js";

/** What one source contributed. */
export interface ManifestSource {
  /** The file as named by the user (`<stdin>` for standard input). */
  file: string;
  /** Non-empty documents read. */
  documents: number;
  /** Valid objects produced. */
  objects: number;
}

/**
 * The outcome of reading manifests: the valid objects (validated and defaulted, in source
 * order), the errors (each file's first 20, then one counting the rest), and what each source held. Callers apply nothing when `errors` is not
 * empty (apply is all-or-nothing).
 */
export interface ManifestParseResult {
  objects: ManifestObject[];
  errors: ManifestError[];
  sources: ManifestSource[];
}

interface Seen {
  file: string;
  /** Where the object's name is (computed only when a duplicate needs it). */
  position: () => SourcePosition;
}

/**
 * What a fast-path attempt that did not succeed leaves for the full reading: the reading itself
 * when it can be built from the events already parsed, and the validations already done (by
 * {@link validationKey}), which the full reading reuses instead of validating those objects again.
 */
interface FastAttempt {
  done: boolean;
  full?: () => YamlReadResult;
  validations?: Map<string, ObjectValidation>;
}

/** Key of an object in a text: its document and, in a List, its item. */
function validationKey(document: number, item?: number): string {
  return item === undefined ? `${document}` : `${document}:${item}`;
}

/** An object the fast path accepted, before it is committed to the collector. */
interface Accepted {
  object: ManifestObject;
  id: string;
  document: number;
  /** Index in the document's `items` when the document is a List. */
  item?: number;
}

/** Options of a {@link ManifestCollector}. */
export interface ManifestCollectorOptions {
  /**
   * Try the fast path first (default true): JSON.parse for JSON, YAML without positions. Off, every
   * text is read with positions; the results are the same either way (tests compare the two).
   */
  fastPath?: boolean;
}

/**
 * Accumulates objects and errors over several sources (one apply), so that duplicate names
 * across files are caught and every error is reported together.
 */
export class ManifestCollector {
  private readonly objects: ManifestObject[] = [];
  private readonly errors = new ErrorList();
  private readonly sources: ManifestSource[] = [];
  private readonly seen = new Map<string, Seen>();

  constructor(
    private readonly limits: Partial<YamlLimits> = {},
    private readonly options: ManifestCollectorOptions = {},
  ) {}

  /** Records an error that is not about a field (unreadable file, bad encoding...). */
  addError(file: string, message: string, position: SourcePosition = NO_POSITION): void {
    this.errors.add({ file, line: position.line, column: position.column, path: "", message });
  }

  /**
   * Reads one YAML or JSON text. A valid text takes the fast path (JSON.parse for JSON, YAML read
   * without positions); a text with any problem is read again with positions, and its errors are
   * exactly those of that full reading.
   */
  addText(text: string, file: string): void {
    const attempt: FastAttempt = this.options.fastPath !== false ? this.addTextFast(text, file) : { done: false };
    if (attempt.done) return;
    const { validations } = attempt;
    const source: ManifestSource = { file, documents: 0, objects: 0 };
    this.sources.push(source);
    const { documents, problems, refused } = attempt.full?.() ?? readYamlDocuments(text, this.limits);
    for (const p of problems) {
      this.errors.add({ file, line: p.position.line, column: p.position.column, path: formatPath(p.path), message: p.message });
    }
    if (refused) return; // a per-file limit: what was read before it is not worth validating
    for (const doc of documents) {
      if (doc.value === null || doc.value === undefined) continue;
      source.documents++;
      // A document with a YAML-level problem (bad tag, duplicate key...) is still validated, so
      // that every error shows at once, but yields no object.
      this.addDocument(doc.value, file, doc.positions, source, [], doc.hasProblems, validations && ((item) => validations.get(validationKey(doc.index, item))));
    }
  }

  /**
   * The fast path: reads and validates the text without source positions and commits its objects
   * only when everything is valid and no name is taken. Otherwise nothing is recorded, and what
   * was learnt is handed to the full reading.
   */
  private addTextFast(text: string, file: string): FastAttempt {
    // JSON.parse when the text looks like JSON; the YAML reader (still without positions) when it
    // does not, or when the JSON reader declines (not strict JSON, or too deep to be sure)
    const json = looksLikeJson(text, file) ? readJsonValue(text, this.limits) : undefined;
    const quick = json === undefined ? readYamlQuick(text, this.limits) : undefined;
    const values: readonly unknown[] | undefined = json !== undefined ? [json.value] : quick!.values;
    // validations are reused only for values the YAML reader built: the full reading builds the very same
    const validations = quick !== undefined ? new Map<string, ObjectValidation>() : undefined;
    const failed: FastAttempt = { done: false, ...(quick !== undefined && { full: quick.full }), ...(validations !== undefined && { validations }) };
    if (values === undefined) return failed;
    const accepted: Accepted[] = [];
    const ids = new Set<string>();
    let documents = 0;
    const accept = (value: unknown, document: number, item?: number): boolean => {
      const validation = validateObject(value);
      validations?.set(validationKey(document, item), validation);
      const { issues, object } = validation;
      if (issues.length > 0 || !object) return false;
      const id = objectId(object);
      if (ids.has(id) || this.seen.has(id)) return false;
      ids.add(id);
      accepted.push({ object, id, document, item });
      return true;
    };
    for (let document = 0; document < values.length; document++) {
      const value = values[document];
      if (value === null || value === undefined) continue;
      documents++;
      if (!isList(value)) {
        if (!accept(value, document)) return failed;
        continue;
      }
      const items = (value as Record<string, unknown>).items;
      if (!Array.isArray(items)) return failed;
      for (let i = 0; i < items.length; i++) {
        const item: unknown = items[i];
        if (item !== null && item !== undefined && !accept(item, document, i)) return failed;
      }
    }
    this.sources.push({ file, documents, objects: accepted.length });
    const locate = lazyLocator(text, this.limits);
    for (const a of accepted) {
      const { document, item } = a;
      this.seen.set(a.id, { file, position: () => locate(document, item === undefined ? ["metadata", "name"] : ["items", item, "metadata", "name"]) });
      this.objects.push(a.object);
    }
    return { done: true };
  }

  /**
   * Validates values that did not come from text (objects passed to `engine.apply`); errors
   * carry no line (0) but do carry the field path.
   */
  addValues(values: readonly unknown[], file: string): void {
    const source: ManifestSource = { file, documents: 0, objects: 0 };
    this.sources.push(source);
    values.forEach((value, i) => {
      if (value === null || value === undefined) return;
      source.documents++;
      const prefix: PathSegment[] = values.length > 1 ? [i] : [];
      const unsafe = findUnsafe(value, prefix, 0);
      if (unsafe) {
        this.errors.add({ file, line: 0, column: 0, path: formatPath(unsafe.path), message: unsafe.message });
        return;
      }
      this.addDocument(value, file, new SourceMap(), source, prefix);
    });
  }

  private addDocument(
    value: unknown,
    file: string,
    positions: SourceMap,
    source: ManifestSource,
    prefix: PathSegment[] = [],
    rejected = false,
    validated?: (item?: number) => ObjectValidation | undefined,
  ): void {
    if (isList(value)) {
      const items = (value as Record<string, unknown>).items;
      if (!Array.isArray(items)) {
        this.push(file, positions, [...prefix, "items"], [...prefix, "items"], false, `a List must have "items": a list of objects (got ${describeValue(items)})`);
        return;
      }
      items.forEach((item, i) => {
        if (item !== null && item !== undefined) this.addObject(item, file, positions, source, [...prefix, "items", i], rejected, validated?.(i));
      });
      return;
    }
    this.addObject(value, file, positions, source, prefix, rejected, validated?.());
  }

  private addObject(
    value: unknown,
    file: string,
    positions: SourceMap,
    source: ManifestSource,
    prefix: PathSegment[],
    rejected: boolean,
    validated?: ObjectValidation,
  ): void {
    const { issues, object } = validated ?? validateObject(value);
    for (const issue of issues) {
      this.push(file, positions, [...prefix, ...issue.path], [...prefix, ...(issue.at ?? issue.path)], issue.atKey ?? false, issue.message);
    }
    if (!object || rejected) return;
    const namePath = [...prefix, "metadata", "name"];
    const namespace = object.kind === "VirtualMachine" ? (object.metadata.namespace ?? DEFAULT_NAMESPACE) : undefined;
    const id = objectId(object);
    const first = this.seen.get(id);
    const position = positions.locate(namePath);
    if (first) {
      const at = first.position();
      const where = at.line > 0 ? `${first.file}:${at.line}:${at.column}` : first.file;
      const shown = namespace ? `${namespace}/${object.metadata.name}` : object.metadata.name;
      this.push(file, positions, namePath, namePath, false, `duplicate ${object.kind} "${shown}" in one apply (first defined at ${where})`);
      return;
    }
    this.seen.set(id, { file, position: () => position });
    this.objects.push(object);
    source.objects++;
  }

  private push(file: string, positions: SourceMap, path: PathSegment[], at: PathSegment[], atKey: boolean, message: string): void {
    const position = positions.locate(at, atKey);
    this.errors.add({ file, line: position.line, column: position.column, path: formatPath(path), message });
  }

  /**
   * The objects, errors (in file, line, column order; at most the first 20 of each file, then a
   * line counting the rest) and sources read so far.
   */
  result(): ManifestParseResult {
    return { objects: [...this.objects], errors: this.errors.list(), sources: [...this.sources] };
  }
}

/** What makes two objects the same one in an apply: kind, namespace (VMs) and name. */
function objectId(object: ManifestObject): string {
  const namespace = object.kind === "VirtualMachine" ? (object.metadata.namespace ?? DEFAULT_NAMESPACE) : "";
  return `${object.kind}/${namespace}/${object.metadata.name}`;
}

/**
 * Positions of a text the fast path read: the text is read again with positions the first time
 * one is asked for (only an error message about a duplicate name needs one).
 */
function lazyLocator(text: string, limits: Partial<YamlLimits>): (document: number, path: PathSegment[]) => SourcePosition {
  let documents: Map<number, SourceMap> | undefined;
  return (document, path) => {
    documents ??= new Map(readYamlDocuments(text, limits).documents.map((d) => [d.index, d.positions] as const));
    return documents.get(document)?.locate(path) ?? NO_POSITION;
  };
}

function isList(value: unknown): boolean {
  return value !== null && typeof value === "object" && !Array.isArray(value) && (value as Record<string, unknown>).kind === "List";
}

/** Finds a forbidden key, an over-deep value or a non-JSON value in caller-supplied objects. */
function findUnsafe(value: unknown, path: PathSegment[], depth: number): { path: PathSegment[]; message: string } | undefined {
  if (depth > DEFAULT_YAML_LIMITS.maxDepth) {
    return { path, message: `mappings and lists are nested too deeply (more than ${DEFAULT_YAML_LIMITS.maxDepth} levels)` };
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnsafe(value[i], [...path, i], depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === "object") {
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) return { path: [...path, key], message: `forbidden key "${key}" (reserved in JavaScript objects; not a memplane field)` };
      const found = findUnsafe((value as Record<string, unknown>)[key], [...path, key], depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value === "function" || typeof value === "symbol" || typeof value === "bigint") {
    return { path, message: `must be a plain JSON value (got a ${typeof value})` };
  }
  return undefined;
}

/**
 * Parses, validates and defaults the manifests in a YAML or JSON text (multi-document, `kind:
 * List`). Never throws for bad input: see `errors`. `source` names the text in errors.
 */
export function parseManifestText(text: string, source: string): ManifestParseResult {
  const collector = new ManifestCollector();
  collector.addText(text, source);
  return collector.result();
}

/** Like {@link parseManifestText}, but throws {@link ManifestValidationError} when anything is wrong. */
export function parseManifestTextOrThrow(text: string, source: string): ManifestObject[] {
  return orThrow(parseManifestText(text, source));
}

/**
 * Validates and defaults objects given as values (an object, an array of objects, or a `kind:
 * List`), as `engine.apply(objects)` does. Errors name `source` and the field path (line 0).
 */
export function validateManifestObjects(input: unknown, source = "<objects>"): ManifestParseResult {
  const collector = new ManifestCollector();
  collector.addValues(Array.isArray(input) ? input : [input], source);
  return collector.result();
}

/** Like {@link validateManifestObjects}, but throws {@link ManifestValidationError} when anything is wrong. */
export function validateManifestObjectsOrThrow(input: unknown, source = "<objects>"): ManifestObject[] {
  return orThrow(validateManifestObjects(input, source));
}

function orThrow(result: ManifestParseResult): ManifestObject[] {
  if (result.errors.length > 0) throw new ManifestValidationError(result.errors);
  return result.objects;
}
