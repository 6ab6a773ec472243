/**
 * What a reconcile produced, judged without trusting it. A hostile or careless controller may
 * throw or return anything: values whose `toString`, `message` or `toJSON` throw, Proxies whose
 * every trap throws (even `instanceof` and `Object.prototype.toString`), revoked Proxies, and
 * promises. Nothing here ever throws, and every text is one line of bounded length.
 *
 * Promises: reconcile is synchronous (the tick cannot wait). A returned promise is a failure
 * ("reconcile must be synchronous"), and a handler is attached to it so that its rejection
 * never becomes an unhandled rejection (which would end a Node process).
 */
import type { Controller, ReconcileContext } from "./controller.js";
import type { LogEntryInput } from "./log-entry.js";

/** The longest description of a thrown or returned value kept in a log message. */
export const MAX_DESCRIPTION_LENGTH = 1000;

/** A bounded, one-line version of a text. */
function oneLine(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, " ").trim();
  return flat.length > MAX_DESCRIPTION_LENGTH ? `${flat.slice(0, MAX_DESCRIPTION_LENGTH)}…` : flat;
}

/** Text of any value, never throwing. */
export function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    // a toString or Symbol.toPrimitive that throws, or an object without either
  }
  try {
    return Object.prototype.toString.call(value);
  } catch {
    // a Proxy whose traps throw, or a revoked Proxy
  }
  return typeof value === "function" ? "[a function that cannot be described]" : "[an object that cannot be described]";
}

/** The message of a thrown value, one line, never throwing (a `message` getter may throw). */
export function errorMessage(e: unknown): string {
  let text: string;
  try {
    text = e instanceof Error ? safeString(e.message) : safeString(e);
  } catch {
    text = safeString(e); // instanceof on a hostile Proxy, or a message getter that throws
  }
  return oneLine(text) || "(no message)";
}

/** A returned value as JSON when it can be, else as text; never throws. */
export function describeResult(result: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(result);
  } catch {
    // a toJSON or getter that throws, a cycle, a BigInt…
  }
  return oneLine(text ?? safeString(result));
}

/** Attaches a no-op rejection handler to a native promise; does nothing for anything else. */
export function swallowRejection(value: unknown): void {
  try {
    // throws a TypeError for anything that is not a native promise; other thenables are never
    // called: their `then` is the controller's code and would run after the tick
    Promise.prototype.then.call(value, undefined, () => undefined);
  } catch {
    // not a promise, or a promise whose `constructor` getter throws (the controller's own doing)
  }
}

/** Whether a value has a callable `then` (reading it may throw: then it is not inspectable). */
function isThenable(value: object): boolean {
  return typeof (value as { then?: unknown }).then === "function";
}

/** The outcome of one reconcile: come back after `requeueAfterTicks` (0 = next tick), or a failure. */
export type ReconcileOutcome = { requeueAfterTicks: number; failure?: undefined } | { failure: string };

const SUCCESS: ReconcileOutcome = { requeueAfterTicks: 0 };
const EXPECTED = "expected nothing or { requeueAfterTicks: n } with a whole n ≥ 0";

/**
 * Judges what `reconcile` returned: `undefined` and `{ requeueAfterTicks: n }` (a whole n ≥ 0,
 * and no other key) are fine; anything else is a failure whose text says what came back. A
 * promise also gets a rejection handler. Reads `requeueAfterTicks` once; never throws.
 */
export function judgeResult(result: unknown): ReconcileOutcome {
  if (result === undefined) return SUCCESS;
  if (result === null || (typeof result !== "object" && typeof result !== "function")) {
    return { failure: `reconcile returned ${describeResult(result)}; ${EXPECTED}` };
  }
  try {
    if (isThenable(result)) {
      swallowRejection(result);
      return {
        failure: `reconcile returned a promise; ${EXPECTED} — reconcile must be synchronous (an async reconcile's later code runs after its tick, and its writes are refused)`,
      };
    }
    const keys = Object.keys(result);
    if (keys.length === 1 && keys[0] === "requeueAfterTicks") {
      const n: unknown = (result as { requeueAfterTicks?: unknown }).requeueAfterTicks;
      if (typeof n === "number" && Number.isSafeInteger(n) && n >= 0) return { requeueAfterTicks: n };
    }
  } catch (e) {
    return { failure: `reconcile returned a value that cannot be inspected (${errorMessage(e)}); ${EXPECTED}` };
  }
  return { failure: `reconcile returned ${describeResult(result)}; ${EXPECTED}` };
}

/** Runs a controller's per-tick `prepare`; a throw or a returned promise is one `ReconcileError` named `-` (returns 1), else 0. */
export function runPrepare(controller: Controller, ctx: ReconcileContext, emit: (controller: string, input: LogEntryInput) => void): number {
  let failure: string | undefined;
  try {
    const result: unknown = controller.prepare!(ctx);
    if (result !== undefined && result !== null && (typeof result === "object" || typeof result === "function")) {
      swallowRejection(result);
      if (typeof (result as { then?: unknown }).then === "function") failure = "prepare returned a promise; it must be synchronous";
    }
  } catch (e) {
    failure = `prepare threw: ${errorMessage(e)}`;
  }
  if (failure === undefined) return 0;
  emit(controller.name, { kind: controller.forKind, name: "-", action: "ReconcileError", reason: "ReconcileFailed", message: failure });
  return 1;
}
