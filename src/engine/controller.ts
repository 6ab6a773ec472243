/**
 * The controller contract (docs/library.md). Built-in and embedders' controllers implement the same
 * interface and receive the same context. Controllers are level-triggered: a request says
 * *which* object to reconcile, never *what changed*; each reads the current state and converges.
 * Controllers keep no state of their own between ticks: what must survive a snapshot lives in
 * the memory model or the store.
 */
import type { Condition, HostStatus, Kind, ObjectKey, StoredObject, VirtualMachineStatus } from "../api/types.js";
import type { DeepReadonly, ResourceReader } from "../store/types.js";
import type { MemoryModel } from "../hypervisor/memory-model.js";
import type { LogEntryInput } from "./log-entry.js";
import type { LogBuilder } from "./tick-log.js";
import { HOST_SCOPED_POLICIES } from "../policies/registry.js";

/** Which object to reconcile. */
export interface ReconcileRequest {
  kind: Kind;
  namespace?: string;
  name: string;
}

/** What a reconcile may ask for: come back after N ticks instead of next tick. */
export interface ReconcileResult {
  requeueAfterTicks: number;
}

/** Status patches are merged into the object's status and written once, at the end of the tick (docs/memory-model.md §12). */
export type StatusPatch = Partial<HostStatus> | Partial<VirtualMachineStatus>;

/** The store as a controller sees it: reads plus the buffered status write path. */
export interface ControllerStore extends ResourceReader {
  /** Merges top-level status fields for this tick; written once at the end of the tick (never bumps generation). */
  patchStatus(key: ObjectKey, patch: StatusPatch): void;
  /** Sets one condition; `lastTransitionTime` is kept unless the status flips. */
  setCondition(key: ObjectKey, condition: Omit<Condition, "lastTransitionTime">): void;
  /** Records a Kubernetes Event about an object (deduplicated by object + reason, counting repeats). */
  recordEvent(key: ObjectKey, type: "Normal" | "Warning", reason: string, message: string): void;
}

/** Everything a reconcile gets. */
export interface ReconcileContext {
  /** The tick being run (the first tick is 1). */
  readonly tick: number;
  /** Simulated seconds since the start at the end of this tick. */
  readonly timeSeconds: number;
  /** Seconds per tick. */
  readonly tickSeconds: number;
  readonly store: ControllerStore;
  /**
   * The hypervisor memory model: the only thing that moves pages. Read it through its reader
   * methods and change it only through its verbs (`MemoryModelReader`, `MemoryModelVerbs` in
   * src/hypervisor/model-api.ts). The engine syncs it with the store once at the start of
   * every tick, before any controller runs: controllers never call `sync`.
   */
  readonly model: MemoryModel;
  /** Emits a reconciliation log entry; tick, time and controller are filled in. */
  log(entry: LogEntryInput): void;
  /**
   * Emits a log entry that is built only when someone reads it (a `logs$` subscriber, or the
   * tick summary's `logEntries`): `build(subject, text, a, …, f)` makes it from the arguments,
   * now or ticks later, so it must read nothing that moves (names of `subject`, not its page
   * counts — pass those as numbers). A tick nobody reads then costs no entry objects and no
   * message texts. Optional, so contexts made by hand need not have it: `logLazily` in
   * controllers/shared/context.ts falls back to `log(build(…))`.
   */
  logLazily?<S>(build: LogBuilder<S>, subject: S, text: string, a?: number, b?: number, c?: number, d?: number, e?: number, f?: number): void;
  /**
   * @internal Called by a `reconcileAll` before it works on `objects[index]`, and with
   * `objects.length` once it is past them (spec problems reported after the loop). Only a
   * sharded tick listens (it tags log entries and events with the object they come from, to
   * merge shards into the canonical order); controllers that do not call it still run right.
   */
  reconciling?(index: number): void;
}

/** A controller: reconciles every object of `forKind` once per tick, in the manager's fixed order. */
export interface Controller {
  /** Unique; appears in logs; what `controllers.disable` takes. */
  readonly name: string;
  /** Objects it reconciles each tick: any kind of the kind registry (`KIND_INFO`). */
  readonly forKind: Kind;
  reconcile(req: ReconcileRequest, ctx: ReconcileContext): void | ReconcileResult;
  /**
   * Optional per-tick step (Excalibur's pre-update): called once per tick in this controller's
   * place in the order, before its objects are reconciled, when there are any. For work over the
   * whole set that one object's reconcile should not hide in a lazily reset field, such as the
   * admission pass (creation order is a property of all VMs). Must be synchronous; a throw (or a
   * returned promise) is a `ReconcileError` named `-`, and the objects are still reconciled.
   */
  prepare?(ctx: ReconcileContext): void;
  /**
   * Optional fast path for large clusters: reconciles every object of `forKind` in one call,
   * in the order given (the store's stable order), with exactly the effect of calling
   * `reconcile` once per object in that order and never asking for a requeue. A throw while
   * working on one object must be caught and handed to `failed(index, error)`: it becomes that
   * object's `ReconcileError` and retry, as with `reconcile`. The manager uses `reconcile`
   * instead while any object of this controller waits for a retry, and when reconciles are timed.
   */
  reconcileAll?(objects: readonly DeepReadonly<StoredObject>[], ctx: ReconcileContext, failed: (index: number, error: unknown) => void): void;
}

/**
 * The fixed order of the built-in controllers within a tick (docs/memory-model.md §12). Custom
 * controllers run where `CUSTOM_CONTROLLERS_SLOT` stands, in the order they were added: after
 * reclamation, before status is projected, so what they change shows in the same tick.
 */
export const CUSTOM_CONTROLLERS_SLOT = "*custom*";

/** Built-in controller names in tick order, with the slot for embedders' controllers. */
export const CONTROLLER_ORDER: readonly string[] = [
  "reservation", // admission, power on/off
  "workload", // the guests touch, allocate and free pages
  "page-sharing", // the page-sharing scan
  "host-state", // the host memory state
  "entitlement", // entitlement and idle tax
  // the policies that decide balloon targets per host, one controller each named after the
  // policy, in registry order (mom, squeezed, hyperv: hosts with that spec.policy; docs/policies.md)
  ...HOST_SCOPED_POLICIES.map((p) => p.name),
  "balloon", // balloon targets (hosts whose policy decides per VM) and balloon drivers
  "swap", // compression and hypervisor swapping
  CUSTOM_CONTROLLERS_SLOT,
  "host-status", // project the model into Host status
  "vm-status", // project the model into VirtualMachine status
];
