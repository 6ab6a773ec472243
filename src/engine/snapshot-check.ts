/**
 * Checks an engine snapshot before `restore` changes anything (issue 19 item 8): the options,
 * clock and generator states, the manager's retry entries, and the store — every object
 * through the same validation as `apply` (schema and semantic rules), Events by their own
 * shape, store-managed metadata (uid, generation, resourceVersion, creationTimestamp), status
 * as plain JSON data, and no duplicate names or uids. The memory model checks its own part
 * (`model.restore` is atomic). Every problem is collected, named by where it is.
 */
import { parseDuration } from "../api/duration.js";
import { isJsonObject } from "./plain-data.js";
import { isManifestKind } from "../api/kinds.js";
import { DEFAULT_NAMESPACE, NAMESPACED_KINDS, type Kind, type StoredObject } from "../api/types.js";
import { formatPath, validateObject } from "../manifest/index.js";
import { STORE_KINDS, type StoreSnapshot } from "../store/memory-store.js";
import { uidCounterOf } from "../store/kind-table.js";
import { checkStatusData } from "./checked-writes.js";
import { DEFAULT_EPOCH, epochProblem, normalizeEpoch, timestampSeconds } from "../api/timestamps.js";
import { ManualClock, type ClockState } from "./clock.js";
import type { ManagerState, RequeueEntry } from "./manager.js";
import { SeededRandom, type RandomState, type StreamStates, streamStateProblems } from "./random.js";
import { errorMessage } from "./reconcile-outcome.js";

type Json = Record<string, unknown>;


const show = (value: unknown): string => {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (Array.isArray(value)) return "a list";
  if (value !== null && typeof value === "object") return "an object";
  return errorMessage(value);
};
const isCount = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
const isText = (value: unknown): value is string => typeof value === "string";
const isName = (value: unknown): value is string => typeof value === "string" && value !== "" && value.length <= 253;


/** Timestamps seen valid in this process (most objects share a few creation times). */
const validTimestamps = new Set<string>();

/** An RFC 3339 timestamp's start (states before RFC 3339 hold simulated times such as 1m30s). */
const RFC3339_PREFIX = /^\d{4}-\d{2}-\d{2}T/;

function isTimestamp(value: unknown): boolean {
  if (typeof value !== "string") return false;
  if (validTimestamps.has(value)) return true;
  try {
    const seconds = RFC3339_PREFIX.test(value) ? timestampSeconds(value, DEFAULT_EPOCH) : parseDuration(value);
    if (!Number.isFinite(seconds)) return false;
  } catch {
    return false;
  }
  if (validTimestamps.size >= 10_000) validTimestamps.clear();
  validTimestamps.add(value);
  return true;
}

/** Problems of an Event's own fields (Events are not manifests: they have no schema file). */
function eventProblems(e: Json, tick: number): string[] {
  const out: string[] = [];
  const allowed = new Set(["apiVersion", "kind", "metadata", "involvedObject", "type", "reason", "message", "source", "count", "firstTimestamp", "lastTimestamp", "tick"]);
  for (const key of Object.keys(e)) if (!allowed.has(key)) out.push(`${key}: unknown field of an Event`);
  if (e.apiVersion !== "v1") out.push(`apiVersion: must be "v1" (got ${show(e.apiVersion)})`);
  const o = e.involvedObject;
  if (!isJsonObject(o) || !isManifestKind(o.kind) || !isName(o.name) || (o.namespace !== undefined && !isName(o.namespace)) || (o.uid !== undefined && !isText(o.uid)) || (o.apiVersion !== undefined && !isText(o.apiVersion))) {
    out.push("involvedObject: must be { kind, name, namespace?, uid?, apiVersion? } of a memplane object");
  }
  if (e.type !== "Normal" && e.type !== "Warning") out.push(`type: must be Normal or Warning (got ${show(e.type)})`);
  if (!isName(e.reason)) out.push(`reason: must be a non-empty string (got ${show(e.reason)})`);
  if (!isText(e.message)) out.push(`message: must be a string (got ${show(e.message)})`);
  if (!isJsonObject(e.source) || !isText(e.source.component)) out.push("source: must be { component }");
  if (!isCount(e.count) || e.count < 1) out.push(`count: must be a whole number ≥ 1 (got ${show(e.count)})`);
  for (const f of ["firstTimestamp", "lastTimestamp"]) if (!isTimestamp(e[f])) out.push(`${f}: must be an RFC 3339 time such as 2026-01-01T00:01:30Z (or a simulated time such as 1m30s) (got ${show(e[f])})`);
  if (!isCount(e.tick) || e.tick > tick) out.push(`tick: must be a whole number from 0 to the clock's tick ${tick} (got ${show(e.tick)})`);
  return out;
}

/** The object without `metadata.managedFields` (store-managed, so not in the manifest schemas). */
function withoutManagedFields(o: Json): Json {
  const { managedFields: _owners, ...metadata } = o.metadata as Json;
  return { ...o, metadata };
}

/** Problems of `metadata.managedFields` (server-side apply's field owners), when present. */
function managedFieldsProblems(value: unknown): string[] {
  if (value === undefined) return [];
  const ok =
    Array.isArray(value) &&
    value.every((e) => isJsonObject(e) && isText(e.manager) && (e.operation === "Apply" || e.operation === "Update") && isText(e.apiVersion) && e.fieldsType === "FieldsV1" && isJsonObject(e.fieldsV1));
  return ok ? [] : ["metadata.managedFields: must be a list of { manager, operation: Apply|Update, apiVersion, fieldsType: FieldsV1, fieldsV1 }"];
}

/** Problems of the store-managed metadata every stored object has. */
function managedProblems(metadata: Json, resourceVersion: number): string[] {
  const out: string[] = [];
  if (!isText(metadata.uid) || metadata.uid === "") out.push("metadata.uid: missing (every stored object has one)");
  out.push(...managedFieldsProblems(metadata.managedFields));
  if (!isCount(metadata.generation) || metadata.generation < 1) out.push(`metadata.generation: must be a whole number ≥ 1 (got ${show(metadata.generation)})`);
  const rv = metadata.resourceVersion;
  if (!isText(rv) || !/^[1-9][0-9]{0,15}$/.test(rv) || Number(rv) > resourceVersion) {
    out.push(`metadata.resourceVersion: must be a decimal number from 1 to the store's resourceVersion ${resourceVersion} (got ${show(rv)})`);
  }
  if (metadata.creationTimestamp !== undefined && !isTimestamp(metadata.creationTimestamp)) {
    out.push(`metadata.creationTimestamp: must be an RFC 3339 time such as 2026-01-01T00:01:30Z (or a simulated time such as 1m30s) (got ${show(metadata.creationTimestamp)})`);
  }
  return out;
}

/**
 * Checks the store part; returns the objects to restore (manifest kinds with their spec as
 * `apply` would default it, status copied) when there is no problem.
 */
function storeProblems(store: unknown, tick: number, problems: string[]): { objects: StoredObject[]; uids: Map<string, string> } {
  const objects: StoredObject[] = [];
  const uids = new Map<string, string>();
  if (!isJsonObject(store)) {
    problems.push(`store: must be an object (got ${show(store)})`);
    return { objects, uids };
  }
  const { resourceVersion, uidCounter } = store;
  if (!isCount(resourceVersion)) problems.push(`store.resourceVersion: must be a whole number ≥ 0 (got ${show(resourceVersion)})`);
  if (!isCount(uidCounter)) problems.push(`store.uidCounter: must be a whole number ≥ 0 (got ${show(uidCounter)})`);
  if (!Array.isArray(store.objects)) {
    problems.push("store.objects: must be a list of objects");
    return { objects, uids };
  }
  const ids = new Set<string>();
  store.objects.forEach((o: unknown, i) => {
    const meta = isJsonObject(o) && isJsonObject(o.metadata) ? o.metadata : undefined;
    const kind = isJsonObject(o) ? o.kind : undefined;
    const namespace = isText(meta?.namespace) ? meta.namespace : undefined;
    const label = `store.objects[${i}]${isText(kind) && isText(meta?.name) ? ` (${kind} ${namespace !== undefined ? `${namespace}/` : ""}${meta.name})` : ""}`;
    const local: string[] = [];
    if (!isJsonObject(o) || meta === undefined || !STORE_KINDS.includes(kind as Kind)) {
      problems.push(`${label}: must be a stored object with kind (${STORE_KINDS.join(", ")}) and metadata (got ${show(kind)})`);
      return;
    }
    let restored: Json = o;
    if (kind === "Event") {
      if (!isName(meta.name) || (meta.namespace !== undefined && !isName(meta.namespace))) local.push("metadata: needs a name (and a string namespace)");
      local.push(...eventProblems(o, tick));
      const extra = Object.keys(meta).filter((k) => !["name", "namespace", "uid", "generation", "resourceVersion", "creationTimestamp"].includes(k));
      for (const k of extra) local.push(`metadata.${k}: unknown field of an Event`);
    } else {
      let validation;
      try {
        validation = validateObject(withoutManagedFields(o));
      } catch (e) {
        local.push(`cannot be validated: ${errorMessage(e)}`);
      }
      for (const issue of validation?.issues ?? []) local.push(`${formatPath(issue.path) || "(object)"}: ${issue.message}`);
      if (validation?.object !== undefined) restored = { ...o, spec: validation.object.spec };
    }
    local.push(...managedProblems(meta, isCount(resourceVersion) ? resourceVersion : 0));
    if (o.status !== undefined) {
      try {
        checkStatusData(o.status, false); // cloned (and frozen) by the store
      } catch (e) {
        local.push(errorMessage(e));
      }
    }
    if (local.length === 0) {
      const ns = NAMESPACED_KINDS.has(kind as Kind) ? (namespace ?? DEFAULT_NAMESPACE) : "";
      const id = `${String(kind)}/${ns}/${String(meta.name)}`;
      if (ids.has(id)) local.push("is listed twice (same kind, namespace and name)");
      ids.add(id);
      const uid = meta.uid as string;
      if (uids.has(uid)) local.push(`metadata.uid: ${uid} is also the uid of ${uids.get(uid)}`);
      uids.set(uid, label.replace(/^store\.objects\[\d+\] /, ""));
      const counter = uidCounterOf(uid);
      if (counter !== undefined && isCount(uidCounter) && counter > uidCounter) local.push(`metadata.uid: ${uid} is beyond the store's uidCounter ${uidCounter}`);
    }
    for (const p of local) problems.push(`${label} ${p}`);
    if (local.length === 0) objects.push(restored as unknown as StoredObject);
  });
  return { objects, uids };
}

/** Checks the manager's retry entries against the store's objects. */
function managerProblems(manager: unknown, uids: ReadonlyMap<string, string>, problems: string[]): void {
  if (!isJsonObject(manager) || !Array.isArray(manager.requeues)) {
    problems.push("manager.requeues: must be a list");
    return;
  }
  const seen = new Set<string>();
  manager.requeues.forEach((r: unknown, i) => {
    const label = `manager.requeues[${i}]`;
    if (!isJsonObject(r)) return void problems.push(`${label}: must be an object (got ${show(r)})`);
    const e = r as Partial<Record<keyof RequeueEntry, unknown>>;
    if (!isName(e.controller)) problems.push(`${label}.controller: must be a controller name (got ${show(e.controller)})`);
    if (e.kind !== "Host" && e.kind !== "VirtualMachine") problems.push(`${label}.kind: must be Host or VirtualMachine (got ${show(e.kind)})`);
    if (!isName(e.name) || (e.namespace !== undefined && !isName(e.namespace))) problems.push(`${label}: needs a name (and a string namespace)`);
    if (!isCount(e.nextTick)) problems.push(`${label}.nextTick: must be a whole number ≥ 0 (got ${show(e.nextTick)})`);
    if (!isCount(e.failures)) problems.push(`${label}.failures: must be a whole number ≥ 0 (got ${show(e.failures)})`);
    if (!isText(e.uid) || !uids.has(e.uid)) problems.push(`${label}.uid: ${show(e.uid)} is not the uid of an object in the store`);
    const key = `${String(e.controller)}\u0000${String(e.uid)}`;
    if (seen.has(key)) problems.push(`${label}: controller ${show(e.controller)} has two entries for uid ${show(e.uid)}`);
    seen.add(key);
  });
}

/** The checked parts of a snapshot, copied: what restore swaps in. */
export interface CheckedSnapshot {
  store: StoreSnapshot;
  clock: ClockState;
  random: RandomState;
  /** The per-host random streams (none in snapshots saved before they existed: started afresh). */
  randomStreams: StreamStates;
  manager: ManagerState;
  seed: number;
  /** The instant tick 0 stands for (DEFAULT_EPOCH for states saved before the epoch was recorded). */
  epoch: string;
}

/** What {@link checkEngineSnapshot} found: `checked` is set when `problems` is empty. */
export interface EngineSnapshotCheck {
  problems: string[];
  checked?: CheckedSnapshot;
}

/**
 * Checks every part of an engine snapshot but the model (which the model checks itself) and
 * the version (checked first by the engine), and returns copies of them to restore. Throws
 * only what a getter or Proxy trap of a caller's object throws.
 */
export function checkEngineSnapshot(snapshot: Json): EngineSnapshotCheck {
  const problems: string[] = [];
  const { options, clock, random } = snapshot;
  let tick = 0;
  try {
    const scratch = new ManualClock();
    scratch.setState(clock as never);
    tick = scratch.tick;
    if (!Number.isSafeInteger(tick)) problems.push(`clock.tick: must be a whole number ≥ 0 (got ${show(tick)})`);
  } catch (e) {
    problems.push(`clock: ${errorMessage(e)}`);
  }
  try {
    new SeededRandom().setState(random as never);
  } catch (e) {
    problems.push(`random: ${errorMessage(e)}`);
  }
  problems.push(...streamStateProblems(snapshot.randomStreams));
  if (!isJsonObject(options)) {
    problems.push("options: must be an object");
  } else {
    if (typeof options.seed !== "number" || !Number.isSafeInteger(options.seed)) problems.push(`options.seed: must be an integer (got ${show(options.seed)})`);
    if (isJsonObject(clock) && options.tickSeconds !== clock.tickSeconds) problems.push(`options.tickSeconds: ${show(options.tickSeconds)} differs from clock.tickSeconds ${show(clock.tickSeconds)}`);
    if (options.epoch !== undefined && epochProblem(options.epoch) !== undefined) problems.push(`options.epoch: ${epochProblem(options.epoch)}`);
    if (!isCount(options.maxEvents)) problems.push(`options.maxEvents: must be a whole number ≥ 0 (got ${show(options.maxEvents)})`);
    const c = options.controllers;
    if (!isJsonObject(c) || ![c.add, c.disable].every((list) => Array.isArray(list) && list.every(isText))) {
      problems.push("options.controllers: must be { add: [names], disable: [names] }");
    }
  }
  const { objects, uids } = storeProblems(snapshot.store, tick, problems);
  managerProblems(snapshot.manager, uids, problems);
  if (problems.length > 0) return { problems };
  const store = snapshot.store as unknown as StoreSnapshot;
  const c = clock as ClockState;
  const requeues = (snapshot.manager as ManagerState).requeues.map(
    (e): RequeueEntry => ({
      controller: e.controller,
      kind: e.kind,
      ...(e.namespace !== undefined && { namespace: e.namespace }),
      name: e.name,
      uid: e.uid,
      nextTick: e.nextTick,
      failures: e.failures,
    }),
  );
  return {
    problems,
    checked: {
      store: { resourceVersion: store.resourceVersion, uidCounter: store.uidCounter, objects },
      clock: { tick: c.tick, tickSeconds: c.tickSeconds },
      random: [...(random as RandomState)],
      randomStreams: Object.fromEntries(Object.entries((snapshot.randomStreams ?? {}) as StreamStates).map(([name, state]) => [name, [...state] as RandomState])),
      manager: { requeues },
      seed: (options as { seed: number }).seed,
      epoch: normalizeEpoch((options as { epoch?: string }).epoch ?? DEFAULT_EPOCH),
    },
  };
}
