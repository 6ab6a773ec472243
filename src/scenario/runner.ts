/**
 * The Scenario runner: at the start of every tick (docs/memory-model.md §12), each Scenario's
 * steps that have come due are applied in order of `after` (ties in list order) — an object
 * applied, patched (JSON merge patch of its spec) or deleted — and logged as
 * `ScenarioStepApplied` (or `ScenarioStepFailed`). Progress lives in the Scenario's status, so
 * snapshots carry it. A changed Scenario spec restarts its timeline from that moment.
 *
 * A step is due in the first tick whose end time is at least `after` past the moment the
 * Scenario (or its last spec change) was applied; objects are only applied between ticks, so
 * that moment is the start of the first tick that sees it.
 */
import { parseDuration, formatSimTime } from "../api/duration.js";
import { memoise } from "../api/memo.js";
import { restartManifest } from "../api/restart.js";
import { DEFAULT_NAMESPACE, type ManifestObject, type Scenario, type ScenarioObjectRef, type ScenarioStatus, type ScenarioStep } from "../api/types.js";
import type { LogEntryInput } from "../engine/log-entry.js";
import { validateManifestObjectsOrThrow } from "../manifest/index.js";
import type { DeepReadonly, ResourceStore } from "../store/types.js";
import { mergePatch } from "./merge-patch.js";

/** The name scenario log entries carry as their controller. */
export const SCENARIO_CONTROLLER = "scenario";

/** What the runner gets at the start of a tick. */
export interface TickStart {
  tick: number;
  /** Simulated seconds at the end of this tick. */
  timeSeconds: number;
  tickSeconds: number;
  /** Emits a log entry under the given controller name. */
  emit(controller: string, entry: LogEntryInput): void;
}

/** Step delays, remembered per text (every tick looks at every step of every Scenario). */
const afterSeconds = memoise(parseDuration);

/**
 * Steps in run order: by `after`, ties in list order. Returns indices into `steps`. Throws a
 * {@link ScenarioSpecError} naming the step when an `after` is not a duration (a stored spec that
 * never went through validation, e.g. from an old state file).
 */
export function runOrder(steps: readonly DeepReadonly<ScenarioStep>[]): number[] {
  if (!Array.isArray(steps)) throw new ScenarioSpecError("spec.steps: must be a list of steps");
  const keyed = steps.map((s, i) => {
    try {
      return [afterSeconds((s as { after?: unknown } | null)?.after as string), i] as const;
    } catch (e) {
      throw new ScenarioSpecError(`spec.steps[${i}].after: ${errorText(e)}`);
    }
  });
  return keyed.sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, i]) => i);
}

/** A stored Scenario spec the runner cannot use; the message names the field. */
export class ScenarioSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScenarioSpecError";
  }
}

/** `kind/name` (or `kind/namespace/name`) for messages. */
function refText(ref: DeepReadonly<ScenarioObjectRef>): string {
  const ns = ref.kind === "VirtualMachine" ? `${ref.namespace ?? DEFAULT_NAMESPACE}/` : "";
  return `${ref.kind.toLowerCase()}/${ns}${ref.name}`;
}

function errorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, "; ");
}

/** Runs one step against the store; returns what happened in words, or throws with why it failed. */
export function runStep(store: ResourceStore, step: DeepReadonly<ScenarioStep>, time: string): string {
  if (step.restart) {
    const ref = { kind: "VirtualMachine" as const, name: step.restart.name, namespace: step.restart.namespace };
    const current = store.get("VirtualMachine", ref.name, ref.namespace ?? DEFAULT_NAMESPACE);
    if (!current) throw new Error(`${refText(ref)} not found`);
    store.apply(validateManifestObjectsOrThrow(restartManifest(current as Parameters<typeof restartManifest>[0], time), "<scenario>"));
    return `${refText(ref)} restarted`;
  }
  if (step.apply) {
    const objects = validateManifestObjectsOrThrow(step.apply as object, "<scenario>");
    const [outcome] = store.apply(objects);
    return `${refText({ kind: step.apply.kind, name: step.apply.metadata.name, namespace: step.apply.metadata.namespace })} ${outcome?.result ?? "applied"}`;
  }
  if (step.delete) {
    const ref = step.delete;
    if (!store.delete(ref.kind, ref.name, ref.namespace ?? (ref.kind === "VirtualMachine" ? DEFAULT_NAMESPACE : undefined))) {
      throw new Error(`${refText(ref)} not found`);
    }
    return `${refText(ref)} deleted`;
  }
  if (step.patch) {
    const ref = step.patch;
    const current = store.get(ref.kind, ref.name, ref.namespace ?? (ref.kind === "VirtualMachine" ? DEFAULT_NAMESPACE : undefined)) as
      | DeepReadonly<ManifestObject>
      | undefined;
    if (!current) throw new Error(`${refText(ref)} not found`);
    const { name, namespace, labels, annotations } = current.metadata;
    const patched = {
      apiVersion: current.apiVersion,
      kind: current.kind,
      metadata: { name, ...(namespace !== undefined && { namespace }), ...(labels && { labels }), ...(annotations && { annotations }) },
      spec: mergePatch(current.spec, ref.spec),
    };
    const objects = validateManifestObjectsOrThrow(patched, "<scenario>");
    const [outcome] = store.apply(objects);
    return `${refText(ref)} patched (${outcome?.result ?? "configured"})`;
  }
  throw new Error("the step has nothing to do");
}

/** The longest wait before a failed Scenario is tried again, in ticks (as for controllers). */
export const MAX_SCENARIO_BACKOFF_TICKS = 64;

/**
 * Applies every due step of every Scenario in the store; call at the start of each tick. A
 * Scenario that cannot run at all (its stored spec is unusable) fails alone: it is logged as a
 * `ReconcileError` naming it and retried with backoff (1, 2, 4 … 64 ticks, kept in its status as
 * `retry`), while the other Scenarios go on. A changed spec is tried at once.
 */
export function runDueScenarioSteps(store: ResourceStore, t: TickStart): void {
  for (const scenario of store.list("Scenario") as readonly DeepReadonly<Scenario>[]) {
    const generation = scenario.metadata.generation ?? 1;
    const retry = scenario.status?.observedGeneration === generation ? scenario.status.retry : undefined;
    if (retry !== undefined && retry.nextTick > t.tick) continue;
    try {
      runScenario(store, scenario, generation, retry !== undefined, t);
    } catch (e) {
      const before = retry !== undefined && Number.isSafeInteger(retry.failures) && retry.failures > 0 ? retry.failures : 0;
      failScenario(store, scenario, generation, before, errorText(e), t);
    }
  }
}

/** Applies the due steps of one Scenario and records its progress. */
function runScenario(store: ResourceStore, scenario: DeepReadonly<Scenario>, generation: number, retried: boolean, t: TickStart): void {
  const previous = scenario.status;
  const fresh = previous === undefined || previous.observedGeneration !== generation;
  const order = runOrder(scenario.spec.steps);
  const startedAtSeconds = fresh ? t.timeSeconds - t.tickSeconds : previous.startedAtSeconds;
  const status: ScenarioStatus = fresh
    ? { startedAt: formatSimTime(startedAtSeconds), startedAtSeconds, stepsDone: 0, stepsTotal: scenario.spec.steps.length, history: [], observedGeneration: generation }
    : withoutRetry(previous);
  const time = formatSimTime(t.timeSeconds);
  while (status.stepsDone < order.length) {
    const index = order[status.stepsDone]!;
    const step = scenario.spec.steps[index]!;
    if (startedAtSeconds + afterSeconds(step.after) > t.timeSeconds + 1e-9) break;
    let result: "Applied" | "Failed";
    let message: string;
    try {
      message = runStep(store, step, time);
      result = "Applied";
    } catch (e) {
      message = errorText(e);
      result = "Failed";
    }
    status.history.push({ step: index, time, result, message });
    status.stepsDone++;
    t.emit(SCENARIO_CONTROLLER, {
      kind: "Scenario",
      name: scenario.metadata.name,
      action: result === "Applied" ? "ScenarioStepApplied" : "ScenarioStepFailed",
      reason: `Step${index + 1}`,
      message: `step ${index + 1} (after ${step.after}): ${message}`,
    });
  }
  if (fresh || retried || status.stepsDone !== previous.stepsDone) store.updateStatus("Scenario", scenario.metadata.name, undefined, status);
}

/** A copy of a status to update, without its `retry`. */
function withoutRetry(status: DeepReadonly<ScenarioStatus>): ScenarioStatus {
  const { retry: _retry, ...rest } = status;
  return { ...rest, history: status.history.map((h) => ({ ...h })) };
}

/** Logs a Scenario that could not run and schedules its retry with backoff. */
function failScenario(store: ResourceStore, scenario: DeepReadonly<Scenario>, generation: number, failuresBefore: number, why: string, t: TickStart): void {
  const failures = failuresBefore + 1;
  const delay = Math.min(2 ** failuresBefore, MAX_SCENARIO_BACKOFF_TICKS);
  const previous = scenario.status;
  const startedAtSeconds = t.timeSeconds - t.tickSeconds;
  let status: ScenarioStatus = { startedAt: formatSimTime(startedAtSeconds), startedAtSeconds, stepsDone: 0, stepsTotal: stepCount(scenario), history: [], observedGeneration: generation };
  try {
    if (previous !== undefined && previous.observedGeneration === generation) status = withoutRetry(previous);
  } catch {
    // a stored status that cannot be copied either: start it afresh
  }
  status.retry = { failures, nextTick: t.tick + delay, message: why };
  store.updateStatus("Scenario", scenario.metadata.name, undefined, status);
  t.emit(SCENARIO_CONTROLLER, {
    kind: "Scenario",
    name: scenario.metadata.name,
    action: "ReconcileError",
    reason: "ReconcileFailed",
    message: `scenario cannot run: ${why}; retrying in ${delay} tick${delay === 1 ? "" : "s"} (failure ${failures})`,
  });
}

/** Steps in a stored spec, whatever its shape. */
function stepCount(scenario: DeepReadonly<Scenario>): number {
  const steps = (scenario.spec as { steps?: unknown } | undefined)?.steps;
  return Array.isArray(steps) ? steps.length : 0;
}
