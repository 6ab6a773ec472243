/**
 * Validation of one manifest object: apiVersion and kind, the kind's JSON Schema (ajv, all errors),
 * then the semantic rules a schema cannot say (reservation ≤ memory, limit ≥ reservation, slack
 * bounds, threshold order, quantities that overflow...). Problems come back as {@link Issue}s
 * with field paths; the caller turns paths into file:line:column.
 */
import { memoise } from "../api/memo.js";
import type { ErrorObject } from "ajv";
import { applyDefaults, DEFAULT_MEMORY_STATES, type ManifestInput } from "../api/defaults.js";
import { DurationError, parseDuration, DURATION_HELP, formatSimTime } from "../api/duration.js";
import { isManifestKind, MANIFEST_KINDS } from "../api/kinds.js";
import { bytesToQuantity, isPercentString, parseQuantity, QuantityError } from "../api/quantity.js";
import { API_VERSION, type ManifestKind, type ManifestObject } from "../api/types.js";
import { dynamicMemoryRules } from "./dynamic-memory-rules.js";
import { schemaValidator } from "./schemas.js";
import type { PathSegment } from "./source-map.js";
import { describeValue, quoteInput } from "./echo.js";
import { didYouMean } from "./suggest.js";

/** A problem with one field of one object. */
export interface Issue {
  /** The field the message is about. */
  path: PathSegment[];
  message: string;
  /** Where to point instead of `path` (a missing field points at its parent). */
  at?: PathSegment[];
  /** Point at the key rather than the value (unknown and missing fields). */
  atKey?: boolean;
}

/** The outcome of validating one object: issues, and the defaulted object when there are none. */
export interface ObjectValidation {
  kind?: ManifestKind;
  issues: Issue[];
  object?: ManifestObject;
}

type Json = Record<string, unknown>;

function isMapping(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Messages for values of the shared value types, by schema definition name. */
const DEFINITION_HINTS: Readonly<Record<string, string>> = {
  dnsLabel:
    'must be a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters',
  quantity: "must be a memory quantity such as 512Mi, 1.5Gi, 8G or 1000000 bytes (non-negative; suffixes Ki Mi Gi Ti Pi Ei or k M G T P E)",
  percent: 'must be a percentage from 0 to 100: a number or a string like "50%"',
  quantityOrPercent: 'must be a memory quantity (512Mi, 1.5Gi, 8G, bytes) or a percentage of spec.memory from 0% to 100% like "25%"',
  duration: `must be a duration: ${DURATION_HELP}`,
  minFree: 'must be "auto" or a memory quantity such as 512Mi',
  vmkernelReserved: 'must be "auto" or a memory quantity such as 2Gi (0 for none)',
  swapCapacity: 'must be "unlimited" or a memory quantity such as 64Gi',
  shares: "must be low, normal, high or a positive integer",
};

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: "a string",
  number: "a number",
  integer: "a whole number",
  boolean: "true or false",
  object: "a mapping",
  array: "a list",
  null: "null",
};

function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

/** Turns one ajv error into an issue (undefined for errors reported another way). */
function schemaIssue(error: ErrorObject): Issue | undefined {
  const path = pointerToPath(error.instancePath);
  const got = ` (got ${describeValue(error.data)})`;
  const definition = /\/definitions\/([A-Za-z]+)\/[A-Za-z]+$/.exec(error.schemaPath)?.[1];
  if (error.propertyName !== undefined) return undefined; // reported by the enclosing propertyNames error
  switch (error.keyword) {
    case "additionalProperties": {
      const field = String((error.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys((error.parentSchema as { properties?: Json } | undefined)?.properties ?? {});
      return { path: [...path, field], message: `unknown field ${quoteInput(field)}${didYouMean(field, known)}`, atKey: true };
    }
    case "required": {
      const field = String((error.params as { missingProperty: string }).missingProperty);
      return { path: [...path, field], message: `missing required field "${field}"`, at: path, atKey: true };
    }
    case "propertyNames": {
      const name = String((error.params as { propertyName: string }).propertyName);
      return {
        path: [...path, name],
        message: `invalid key ${quoteInput(name)}: must be a label name, optionally with a DNS prefix (app, example.com/tier)`,
        atKey: true,
      };
    }
    case "const":
      return undefined; // apiVersion and kind are checked before the schema runs
  }
  if (definition !== undefined && DEFINITION_HINTS[definition] !== undefined) {
    return { path, message: `${DEFINITION_HINTS[definition]}${got}` };
  }
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "type": {
      const types = ([] as string[]).concat(params.type as string | string[]).map((t) => TYPE_NAMES[t] ?? t);
      return { path, message: `must be ${types.join(" or ")}${got}` };
    }
    case "enum": {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const hint = typeof error.data === "string" ? didYouMean(error.data, allowed) : "";
      return { path, message: `must be one of ${allowed.join(", ")}${got}${hint}` };
    }
    case "minimum":
      return { path, message: `must be at least ${String(params.limit)}${got}` };
    case "exclusiveMinimum":
      return { path, message: `must be greater than ${String(params.limit)}${got}` };
    case "maximum":
      return { path, message: `must be at most ${String(params.limit)}${got}` };
    case "maxLength":
      return { path, message: `must be at most ${String(params.limit)} characters long` };
    case "pattern":
      return { path, message: `has an invalid format${got}` };
    case "maxItems":
      return { path, message: `must have at most ${String(params.limit)} items` };
    case "maxProperties":
      return { path, message: `must have at most ${String(params.limit)} entries` };
    default:
      return { path, message: error.message ?? "is invalid" };
  }
}

/** Quantity-valued fields per kind (`*` is any list index); special words are skipped. */
const QUANTITY_FIELDS: Readonly<Record<ManifestKind, readonly (readonly string[])[]>> = {
  Host: [
    ["spec", "capacity"],
    ["spec", "vmkernelReserved"],
    ["spec", "minFree"],
    ["spec", "ballooning", "appBalloonMaxSlack"],
    ["spec", "ballooning", "inflateRate"],
    ["spec", "ballooning", "deflateRate"],
    ["spec", "swap", "capacity"],
    ["spec", "swap", "writeRate"],
    ["spec", "swap", "readRate"],
  ],
  VirtualMachine: [
    ["spec", "memory"],
    ["spec", "reservation"],
    ["spec", "limit"],
    ["spec", "maxBalloon"],
    ["spec", "guestSwap"],
    ["spec", "overhead"],
    ...(["startup", "minimum", "maximum"] as const).map((f) => ["spec", "dynamicMemory", f] as const),
    ["spec", "workload", "allocated"],
    ["spec", "workload", "phases", "*", "allocated"],
  ],
  GuestOSProfile: [["spec", "minimumMemory"]],
  Scenario: [],
};

/** Duration-valued fields per kind. */
const DURATION_FIELDS: Readonly<Record<ManifestKind, readonly (readonly string[])[]>> = {
  Host: [["spec", "swap", "swapInLatency"]],
  VirtualMachine: [["spec", "workload", "phases", "*", "after"]],
  GuestOSProfile: [],
  Scenario: [["spec", "steps", "*", "after"]],
};

/**
 * A memo of a pure parser (quantities, durations) that also remembers the parser's error
 * (returned, not thrown): a wrong value repeated in many manifests is parsed once.
 */
class ParseMemo<T> {
  readonly get: (value: string | number) => T | Error;

  constructor(parse: (value: string | number) => T) {
    this.get = memoise((value: string | number): T | Error => {
      try {
        return parse(value);
      } catch (error) {
        if (!(error instanceof QuantityError || error instanceof DurationError)) throw error;
        return error;
      }
    });
  }
}

const SPECIAL_WORDS = new Set(["auto", "unlimited"]);

/** What a quantity or duration field holds when it is not one to check: `auto`, `unlimited` or a percentage. */
const NOT_A_QUANTITY = Symbol("not a quantity");

/** Quantity fields: the exact bytes, the parse error, or {@link NOT_A_QUANTITY} for special words and percentages. */
const quantities: ParseMemo<bigint | typeof NOT_A_QUANTITY> = new ParseMemo((value) =>
  typeof value === "string" && (SPECIAL_WORDS.has(value) || isPercentString(value)) ? NOT_A_QUANTITY : parseQuantity(value),
);
/** Duration fields: seconds, the parse error, or {@link NOT_A_QUANTITY} for special words and percentages (the schema reports those). */
const durations: ParseMemo<number | typeof NOT_A_QUANTITY> = new ParseMemo((value) =>
  typeof value === "string" && (SPECIAL_WORDS.has(value) || isPercentString(value)) ? NOT_A_QUANTITY : parseDuration(value),
);

/**
 * Checks the field(s) a template names (`*` is every item of a list) under `node`, from
 * template segment `at` on; `indexes` are the list indexes taken so far. A field's path is built
 * only when its value does not parse (reported unless the schema already `flagged` that path).
 */
function checkField(
  node: unknown,
  template: readonly string[],
  at: number,
  indexes: readonly number[],
  memo: ParseMemo<unknown>,
  flagged: ReadonlySet<string>,
  issues: Issue[],
): void {
  for (let i = at; i < template.length; i++) {
    if (node === null || typeof node !== "object") return;
    const segment = template[i]!;
    if (segment === "*") {
      if (!Array.isArray(node)) return;
      for (let k = 0; k < node.length; k++) checkField(node[k], template, i + 1, [...indexes, k], memo, flagged, issues);
      return;
    }
    node = (node as Json)[segment];
  }
  if (typeof node !== "string" && typeof node !== "number") return;
  const result = memo.get(node);
  if (!(result instanceof Error)) return;
  let k = 0;
  const path = template.map((segment): PathSegment => (segment === "*" ? indexes[k++]! : segment));
  if (!flagged.has(path.join("\u0000"))) issues.push({ path, message: result.message });
}

/** Checks every quantity and duration parses (the schema checks the grammar; this catches overflow). */
function checkValues(kind: ManifestKind, obj: Json, flagged: ReadonlySet<string>): Issue[] {
  const issues: Issue[] = [];
  for (const template of QUANTITY_FIELDS[kind]) checkField(obj, template, 0, [], quantities, flagged, issues);
  for (const template of DURATION_FIELDS[kind]) checkField(obj, template, 0, [], durations, flagged, issues);
  return issues;
}

/** The exact bytes of a field when it is a valid quantity, else undefined. */
function bytesOf(value: unknown): bigint | undefined {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const result = quantities.get(value);
  return result instanceof Error || result === NOT_A_QUANTITY ? undefined : result;
}

function secondsOf(value: unknown): number | undefined {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const result = durations.get(value);
  return result instanceof Error || result === NOT_A_QUANTITY ? undefined : result;
}

const q = (bytes: bigint): string => bytesToQuantity(bytes);

const MIN_SLACK = 1n << 20n;
const MAX_SLACK = 256n << 20n;

function hostRules(spec: Json): Issue[] {
  const issues: Issue[] = [];
  const capacity = bytesOf(spec.capacity);
  if (capacity === 0n) issues.push({ path: ["spec", "capacity"], message: "must be greater than 0" });
  const reserved = spec.vmkernelReserved === "auto" ? undefined : bytesOf(spec.vmkernelReserved);
  if (capacity !== undefined && capacity > 0n && reserved !== undefined && reserved >= capacity) {
    issues.push({ path: ["spec", "vmkernelReserved"], message: `must be less than spec.capacity (${q(reserved)} ≥ ${q(capacity)})` });
  }
  const minFree = spec.minFree === "auto" ? undefined : bytesOf(spec.minFree);
  if (capacity !== undefined && capacity > 0n && minFree !== undefined && minFree >= capacity) {
    issues.push({ path: ["spec", "minFree"], message: `must be less than spec.capacity (${q(minFree)} ≥ ${q(capacity)})` });
  }
  const ballooning = isMapping(spec.ballooning) ? spec.ballooning : {};
  const slack = bytesOf(ballooning.appBalloonMaxSlack);
  if (slack !== undefined && (slack < MIN_SLACK || slack > MAX_SLACK)) {
    issues.push({ path: ["spec", "ballooning", "appBalloonMaxSlack"], message: `must be between 1Mi and 256Mi (got ${q(slack)})` });
  }
  if (isMapping(spec.memoryStates)) issues.push(...memoryStateOrder(spec.memoryStates));
  return issues;
}

/** Thresholds must fall strictly: clear > soft > hard > low, and largePageBreak ≥ clear. */
function memoryStateOrder(states: Json): Issue[] {
  const value = (name: keyof typeof DEFAULT_MEMORY_STATES): number | undefined => {
    const v = states[name] ?? DEFAULT_MEMORY_STATES[name];
    return typeof v === "number" ? v : undefined;
  };
  const issues: Issue[] = [];
  const order = ["low", "hard", "soft", "clear"] as const;
  for (let i = 0; i + 1 < order.length; i++) {
    const lower = order[i]!;
    const upper = order[i + 1]!;
    const a = value(lower);
    const b = value(upper);
    if (a === undefined || b === undefined || a < b) continue;
    const blamed = states[lower] !== undefined ? lower : upper;
    const other = blamed === lower ? upper : lower;
    const relation = blamed === lower ? "less" : "greater";
    issues.push({
      path: ["spec", "memoryStates", blamed],
      message: `must be ${relation} than spec.memoryStates.${other} (${value(blamed)} vs ${value(other)}); thresholds fall clear > soft > hard > low`,
    });
  }
  const clear = value("clear");
  const largePageBreak = value("largePageBreak");
  if (clear !== undefined && largePageBreak !== undefined && largePageBreak < clear) {
    issues.push({
      path: ["spec", "memoryStates", "largePageBreak"],
      message: `must not be less than spec.memoryStates.clear (${largePageBreak} < ${clear})`,
    });
  }
  return issues;
}

function vmRules(spec: Json): Issue[] {
  const issues: Issue[] = [];
  const memory = bytesOf(spec.memory);
  if (memory === 0n) issues.push({ path: ["spec", "memory"], message: "must be greater than 0" });
  const reservation = bytesOf(spec.reservation);
  if (memory !== undefined && reservation !== undefined && reservation > memory) {
    issues.push({ path: ["spec", "reservation"], message: `must not exceed spec.memory (${q(reservation)} > ${q(memory)})` });
  }
  const limit = bytesOf(spec.limit);
  if (limit !== undefined && reservation !== undefined && limit < reservation) {
    issues.push({ path: ["spec", "limit"], message: `must not be less than spec.reservation (${q(limit)} < ${q(reservation)})` });
  }
  if (isMapping(spec.dynamicMemory)) issues.push(...dynamicMemoryRules(spec.dynamicMemory, memory, bytesOf));
  const workload = isMapping(spec.workload) ? spec.workload : {};
  if (Array.isArray(workload.phases)) {
    let previous: number | undefined;
    workload.phases.forEach((phase, i) => {
      const after = isMapping(phase) ? secondsOf(phase.after) : undefined;
      if (after === undefined) return;
      if (previous !== undefined && after < previous) {
        issues.push({
          path: ["spec", "workload", "phases", i, "after"],
          message: `must not be earlier than the phase before it (${formatSimTime(after)} < ${formatSimTime(previous)}); phases apply in order`,
        });
      }
      previous = Math.max(previous ?? 0, after);
    });
  }
  return issues;
}

/**
 * Each Scenario step does exactly one thing, and an `apply` step's object is a valid Host,
 * VirtualMachine or GuestOSProfile (its issues are reported at their place inside the step).
 */
function scenarioRules(spec: Json): Issue[] {
  const issues: Issue[] = [];
  if (!Array.isArray(spec.steps)) return issues;
  spec.steps.forEach((step, i) => {
    if (!isMapping(step)) return;
    const at: PathSegment[] = ["spec", "steps", i];
    const actions = (["apply", "delete", "patch", "restart"] as const).filter((a) => step[a] !== undefined);
    if (actions.length !== 1) {
      issues.push({ path: at, message: `a step must have exactly one of apply, delete, patch or restart (got ${actions.length === 0 ? "none" : actions.join(" and ")})` });
    }
    if (isMapping(step.apply)) {
      if (step.apply.kind === "Scenario") {
        issues.push({ path: [...at, "apply", "kind"], message: "a Scenario step cannot apply another Scenario" });
        return;
      }
      for (const issue of validateObject(step.apply).issues) {
        issues.push({ ...issue, path: [...at, "apply", ...issue.path], ...(issue.at !== undefined && { at: [...at, "apply", ...issue.at] }) });
      }
    }
    const ref = isMapping(step.delete) ? step.delete : isMapping(step.patch) ? step.patch : undefined;
    const which = isMapping(step.delete) ? "delete" : "patch";
    if (ref && ref.kind !== "VirtualMachine" && ref.namespace !== undefined) {
      issues.push({ path: [...at, which, "namespace"], message: `${String(ref.kind)} is cluster-scoped: remove namespace` });
    }
  });
  return issues;
}

function metadataRules(kind: ManifestKind, obj: Json): Issue[] {
  const metadata = isMapping(obj.metadata) ? obj.metadata : {};
  if (kind !== "VirtualMachine" && metadata.namespace !== undefined) {
    return [{ path: ["metadata", "namespace"], message: `${kind} is cluster-scoped: remove metadata.namespace` }];
  }
  return [];
}

/** Validates the apiVersion and kind of an object; returns the kind when it is a known one. */
function checkHeader(obj: Json, issues: Issue[]): ManifestKind | undefined {
  if (obj.apiVersion === undefined) {
    issues.push({ path: ["apiVersion"], message: `missing required field "apiVersion" (use ${API_VERSION})`, at: [], atKey: true });
  } else if (obj.apiVersion !== API_VERSION) {
    issues.push({ path: ["apiVersion"], message: `unknown apiVersion ${describeValue(obj.apiVersion)} (expected ${API_VERSION})` });
  }
  if (obj.kind === undefined) {
    issues.push({ path: ["kind"], message: `missing required field "kind" (known kinds: ${MANIFEST_KINDS.join(", ")})`, at: [], atKey: true });
    return undefined;
  }
  if (!isManifestKind(obj.kind)) {
    const hint = typeof obj.kind === "string" ? didYouMean(obj.kind, MANIFEST_KINDS) : "";
    issues.push({ path: ["kind"], message: `unknown kind ${describeValue(obj.kind)}${hint}; known kinds: ${MANIFEST_KINDS.join(", ")}` });
    return undefined;
  }
  return obj.kind;
}

/**
 * Validates one manifest object (schema + semantic rules) and, when it has no issues, returns it
 * defaulted. Issues are reported for every field, not only the first.
 */
export function validateObject(value: unknown): ObjectValidation {
  if (!isMapping(value)) {
    return {
      issues: [{ path: [], message: `a manifest must be a mapping with apiVersion, kind, metadata and spec (got ${describeValue(value)})` }],
    };
  }
  const issues: Issue[] = [];
  const kind = checkHeader(value, issues);
  if (kind === undefined) return { issues };
  const validator = schemaValidator(kind);
  if (!validator(value)) {
    for (const error of validator.errors ?? []) {
      const issue = schemaIssue(error);
      if (issue) issues.push(issue);
    }
  }
  const flagged: ReadonlySet<string> = issues.length === 0 ? NOTHING_FLAGGED : new Set(issues.map((i) => i.path.join("\u0000")));
  issues.push(...checkValues(kind, value, flagged));
  issues.push(...metadataRules(kind, value));
  const spec = isMapping(value.spec) ? value.spec : {};
  if (kind === "Host") issues.push(...hostRules(spec));
  if (kind === "VirtualMachine") issues.push(...vmRules(spec));
  if (kind === "Scenario") issues.push(...scenarioRules(spec));
  const unique = issues.length === 0 ? issues : dedupe(issues);
  if (unique.length > 0) return { kind, issues: unique };
  return { kind, issues: [], object: applyDefaults(value as unknown as ManifestInput) };
}

const NOTHING_FLAGGED: ReadonlySet<string> = new Set();

function dedupe(issues: Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path.join("\u0000")}\u0001${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
