/**
 * Checks of what an embedder's controller writes (`controllers.add`): status patches,
 * conditions, events and log entries. Each check reads its input once and returns a fresh,
 * plain copy, or throws a TypeError saying what is wrong; thrown inside `reconcile`, that
 * becomes the controller's `ReconcileError` for that object, and nothing of the write is kept.
 * Without these checks a cyclic patch overflowed the stack at every tick's status write, a
 * BigInt made `snapshot()` throw, and an event whose reason was a number failed every tick.
 *
 * Built-in controllers are trusted and not checked (their writes are on the hot path).
 */
import type { Condition } from "../api/types.js";
import type { LogEntryInput } from "./log-entry.js";
import { checkPlainData, copyPlainData, isPlainObject } from "./plain-data.js";
import { errorMessage, safeString } from "./reconcile-outcome.js";

/** The longest event reason, condition type or reason an embedder's controller may write. */
export const MAX_REASON_LENGTH = 128;
/** The longest event or condition message (the same bound as an annotation value). */
export const MAX_MESSAGE_LENGTH = 64 * 1024;

const CONDITION_STATUSES: ReadonlySet<unknown> = new Set(["True", "False", "Unknown"]);

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value !== "object") return `a ${typeof value}`;
  return isPlainObject(value) ? "an object" : "an object that is not plain data";
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) && isPlainObject(value);
}

/** A word such as an event reason or condition type: non-empty, bounded, no whitespace or control characters. */
function checkWord(value: unknown, what: string): string {
  if (typeof value !== "string") throw new TypeError(`${what} must be a string (got ${typeName(value)})`);
  if (value === "" || value.length > MAX_REASON_LENGTH || /[\s\p{Cc}]/u.test(value)) {
    throw new TypeError(`${what} must be 1 to ${MAX_REASON_LENGTH} characters without spaces or control characters (got ${JSON.stringify(value.slice(0, 40))})`);
  }
  return value;
}

function checkMessage(value: unknown, what: string): string {
  if (typeof value !== "string") throw new TypeError(`${what} must be a string (got ${typeName(value)})`);
  if (value.length > MAX_MESSAGE_LENGTH) throw new TypeError(`${what} must be at most ${MAX_MESSAGE_LENGTH} characters (got ${value.length})`);
  return value;
}

/** Checks a condition's type, status, reason and message; returns just those four, copied. */
export function checkCondition(condition: unknown, what = "condition"): Omit<Condition, "lastTransitionTime"> {
  if (!isMapping(condition)) throw new TypeError(`${what} must be an object with type, status, reason and message (got ${typeName(condition)})`);
  const type = checkWord(condition.type, `${what}.type`);
  const status: unknown = condition.status;
  if (!CONDITION_STATUSES.has(status)) throw new TypeError(`${what}.status must be "True", "False" or "Unknown" (got ${JSON.stringify(safeString(status)).slice(0, 40)})`);
  const reason = checkWord(condition.reason, `${what}.reason`);
  const message = checkMessage(condition.message, `${what}.message`);
  return { type, status: status as Condition["status"], reason, message };
}

/**
 * Checks status data: an object of plain JSON data (see copyPlainData), whose `conditions`, if
 * given, is a list of whole conditions. Returns a copy (or, with `copying` false, the status
 * itself); throws a TypeError naming the field.
 */
export function checkStatusData(status: unknown, copying = true): Record<string, unknown> {
  if (!isMapping(status)) throw new TypeError(`status: must be an object of status fields (got ${typeName(status)})`);
  let copy = status;
  if (copying) copy = copyPlainData(status, "status") as Record<string, unknown>;
  else checkPlainData(status, "status");
  if ("conditions" in copy && copy.conditions !== undefined) {
    const conditions = copy.conditions;
    if (!Array.isArray(conditions)) throw new TypeError(`status.conditions must be a list of conditions (got ${typeName(conditions)})`);
    conditions.forEach((c, i) => {
      checkCondition(c, `status.conditions[${i}]`);
      if (typeof (c as Record<string, unknown>).lastTransitionTime !== "string") {
        throw new TypeError(`status.conditions[${i}].lastTransitionTime must be a string`);
      }
    });
  }
  return copy;
}

/** Checks a status patch (`about` names the object, e.g. `VirtualMachine default/app-1`) with {@link checkStatusData}; returns a copy. */
export function checkStatusPatch(patch: unknown, about: string): Record<string, unknown> {
  try {
    return checkStatusData(patch);
  } catch (e) {
    // also what a getter or Proxy trap threw, described safely
    throw new TypeError(`status patch of ${about}: ${errorMessage(e)}`);
  }
}

/** Checks the type, reason and message of an event. */
export function checkEvent(type: unknown, reason: unknown, message: unknown): { type: "Normal" | "Warning"; reason: string; message: string } {
  if (type !== "Normal" && type !== "Warning") throw new TypeError(`event type must be "Normal" or "Warning" (got ${JSON.stringify(safeString(type)).slice(0, 40)})`);
  return { type, reason: checkWord(reason, "event reason"), message: checkMessage(message, "event message") };
}

/** Checks a log entry: kind, name and action are non-empty strings, message a string, the optional fields strings when present. Returns a copy. */
export function checkLogEntry(input: unknown): LogEntryInput {
  if (!isMapping(input)) throw new TypeError(`ctx.log takes an entry object with kind, name, action and message (got ${typeName(input)})`);
  const required = (field: "kind" | "name" | "action"): string => {
    const value: unknown = input[field];
    if (typeof value !== "string" || value === "") throw new TypeError(`log entry ${field} must be a non-empty string (got ${typeName(value)})`);
    return value;
  };
  const optional = (field: "namespace" | "host" | "from" | "to" | "reason"): string | undefined => {
    const value: unknown = input[field];
    if (value !== undefined && typeof value !== "string") throw new TypeError(`log entry ${field} must be a string when given (got ${typeName(value)})`);
    return value;
  };
  const entry: LogEntryInput = { kind: required("kind"), name: required("name"), action: required("action"), message: "" };
  const message: unknown = input.message;
  if (message !== undefined && typeof message !== "string") throw new TypeError(`log entry message must be a string (got ${typeName(message)})`);
  entry.message = message ?? "";
  for (const field of ["namespace", "host", "from", "to", "reason"] as const) {
    const value = optional(field);
    if (value !== undefined) entry[field] = value;
  }
  return entry;
}
