/**
 * vm-status controller — projects the memory model into VirtualMachine status (docs/memory-model.md §12).
 *
 * Why it exists: the esxtop-named memory fields, fault rates, stall estimate and conditions
 * (Admitted, BalloonDriverReady, Ballooning, Compressing, HypervisorSwapping, GuestSwapping,
 * OverLimit) are what users look at. Condition flips that matter are also logged
 * (GuestSwapping, OverLimit) and recorded as Events; the balloon, hypervisor swap and limit
 * flips each way are recorded as Events too (transition-events.ts).
 */
import { injectable } from "inversify";
import type { Condition, VirtualMachine, VirtualMachineStatus } from "../../api/types.js";
import type { DeepReadonly } from "../../store/types.js";
import type { ReconcileContext } from "../../engine/controller.js";
import { compressedOf, freeOf, mappedOf, swappedOf, usedOf } from "../../hypervisor/ledger.js";
import type { VmRecord } from "../../hypervisor/ledger.js";
import { limitDemandOf } from "../../hypervisor/limit.js";
import { BALLOON_DRIVER_TIMEOUT_SECONDS } from "../../hypervisor/memory-model.js";
import { approx, q, vmObjectKey } from "../shared/context.js";
import { VmRecordController } from "../shared/record-controller.js";
import { transitionEvent } from "./transition-events.js";

type CondInput = Omit<Condition, "lastTransitionTime">;

const cond = (type: string, on: boolean, reason: string, message: string): CondInput => ({ type, status: on ? "True" : "False", reason, message });

/** Numbers a VM's status is built from; equal numbers (and admission, driver mode, status object) ⇒ equal status. */
const FINGERPRINT_LENGTH = 34;

/** What vm-status wrote (or saw) last for one VM: lets an unchanged VM skip building its status. */
interface LastProjection {
  fingerprint: Float64Array;
  admission: VmRecord["admission"];
  balloonDriver: string;
  /** The stored status object the fingerprint was checked against. */
  status: unknown;
  /** The stored conditions array then. */
  conditions: unknown;
  /** The `memory` and `rates` objects the last projection handed to the store (their texts are those of `fingerprint`). */
  memory: unknown;
  rates: unknown;
}

/** Fingerprint slots the conditions are built from (phase, balloon, max, swapped, compressed, guest swap, driver, limit, charged). */
const CONDITION_SLOTS = [0, 7, 9, 10, 12, 17, 26, 27, 28, 29, 30, 31];

const PHASE_CODE: Readonly<Record<VmRecord["phase"], number>> = { Pending: 0, Running: 1, Stopped: 2 };

/** Writes VirtualMachine status from the model. */
@injectable()
export class VmStatusController extends VmRecordController {
  readonly name = "vm-status";
  protected override readonly reportsSpecProblems = true;
  /**
   * Per model record: the projection inputs last seen. A pure cache: it only lets a VM whose
   * numbers and stored status are exactly as last tick skip the (equal) status rebuild, so
   * snapshots need not carry it (a restored model has new records).
   */
  readonly #last = new WeakMap<VmRecord, LastProjection>();
  readonly #scratch = new Float64Array(FINGERPRINT_LENGTH);
  /** The fingerprint of the previous projection, while the new one is built. */
  readonly #previous = new Float64Array(FINGERPRINT_LENGTH);

  /** Projects one VM's status unless nothing it is built from changed. */
  protected reconcileVm(vm: VmRecord, obj: DeepReadonly<VirtualMachine>, ctx: ReconcileContext): void {
    const running = vm.phase === "Running";
    const f = this.#fingerprint(vm, ctx, running, obj.metadata.generation ?? 0);
    const last = this.#last.get(vm);
    if (
      last !== undefined &&
      last.status === obj.status &&
      last.admission === vm.admission &&
      last.balloonDriver === vm.spec.balloonDriver &&
      sameNumbers(last.fingerprint, f)
    ) {
      return; // nothing the status is built from has changed: the stored status is already right
    }
    const storedConditions = (obj as { status?: VirtualMachineStatus }).status?.conditions;
    // conditions stay as stored when their inputs and the stored array are as last seen
    const conditionsUnchanged =
      last !== undefined &&
      storedConditions !== undefined &&
      last.conditions === storedConditions &&
      last.admission === vm.admission &&
      last.balloonDriver === vm.spec.balloonDriver &&
      sameSlots(last.fingerprint, f, CONDITION_SLOTS);
    let projection: LastProjection;
    let previous: Float64Array | undefined;
    const lastAdmission = last?.admission;
    const lastDriver = last?.balloonDriver;
    if (last === undefined) {
      projection = { fingerprint: f.slice(), admission: vm.admission, balloonDriver: vm.spec.balloonDriver, status: obj.status, conditions: storedConditions, memory: undefined, rates: undefined };
      this.#last.set(vm, projection);
    } else {
      previous = this.#previous;
      previous.set(last.fingerprint);
      last.fingerprint.set(f);
      last.admission = vm.admission;
      last.balloonDriver = vm.spec.balloonDriver;
      last.status = obj.status;
      last.conditions = storedConditions;
      projection = last;
    }
    this.#project(vm, obj, running, ctx, conditionsUnchanged, projection, previous, lastAdmission === vm.admission, lastDriver === vm.spec.balloonDriver);
  }

  /**
   * The numbers of this tick's projection, in the scratch array: page counts rounded to whole
   * pages as status and messages show them (an active estimate drifting by a fraction of a
   * page changes nothing the user sees), other numbers as they are.
   */
  #fingerprint(vm: VmRecord, ctx: ReconcileContext, running: boolean, generation: number): Float64Array {
    const f = this.#scratch;
    const c = vm.counters;
    f[0] = PHASE_CODE[vm.phase];
    f[1] = Math.round(vm.spec.memory);
    f[2] = Math.round(mappedOf(vm));
    f[3] = Math.round(running ? ctx.model.consumed(vm) : 0);
    f[4] = Math.round(running ? ctx.model.active(vm) : 0);
    f[5] = Math.round(running ? vm.entitlement : 0);
    f[6] = Math.round(running ? vm.overhead : 0);
    f[7] = Math.round(vm.balloon);
    f[8] = Math.round(vm.balloonTarget);
    f[9] = Math.round(vm.balloonMax);
    f[10] = Math.round(swappedOf(vm));
    f[11] = Math.round(vm.swapTarget);
    f[12] = Math.round(compressedOf(vm));
    f[13] = Math.round(vm.sharedZero + vm.sharedCommon);
    f[14] = Math.round(usedOf(vm));
    f[15] = Math.round(freeOf(vm));
    f[16] = Math.round(vm.untouched);
    f[17] = Math.round(vm.guestSwapped);
    f[18] = Math.round(c.swapIns / ctx.tickSeconds);
    f[19] = Math.round(c.swapOuts / ctx.tickSeconds);
    f[20] = Math.round(c.decompressions / ctx.tickSeconds);
    f[21] = Math.round(c.guestPageIns / ctx.tickSeconds);
    f[22] = Math.round(c.guestPageOuts / ctx.tickSeconds);
    f[23] = ctx.tickSeconds;
    f[24] = vm.stallPercent;
    f[25] = generation;
    f[26] = vm.spec.toolsInstalled ? 1 : 0;
    f[27] = vm.spec.balloonDriver === "stuck" ? Math.round(vm.driverIdleSeconds) : 0;
    f[28] = vm.driverIdleSeconds >= BALLOON_DRIVER_TIMEOUT_SECONDS ? 1 : 0;
    f[29] = vm.overLimit ? 1 : 0;
    f[30] = vm.spec.limit;
    f[31] = Math.round(vm.charged);
    f[32] = Math.round(running ? vm.balloonMax : 0);
    f[33] = vm.phase === "Running" ? 1 : 0;
    return f;
  }

  /**
   * Builds and patches the status. A quantity whose number is as at the last projection keeps
   * the stored text (`memory` and `rates` of the last projection are still the stored objects);
   * parts equal to the stored ones are handed back as they are (no copy, no write).
   */
  #project(
    vm: VmRecord,
    obj: DeepReadonly<VirtualMachine>,
    running: boolean,
    ctx: ReconcileContext,
    conditionsUnchanged: boolean,
    projection: LastProjection,
    lastNumbers: Float64Array | undefined,
    sameAdmission: boolean,
    sameDriver: boolean,
  ): void {
    const key = vmObjectKey(vm);
    const stored = (obj as { status?: VirtualMachineStatus }).status;
    const f = projection.fingerprint;
    // the quantity in slot i as text: the stored text when the number is as last projected
    const m = stored?.memory === projection.memory ? stored?.memory : undefined;
    const r = stored?.rates === projection.rates ? stored?.rates : undefined;
    const text = (i: number, old: string | undefined): string => (old !== undefined && lastNumbers !== undefined && lastNumbers[i] === f[i] ? old : q(f[i]!));
    // memory (and rates) whose numbers all stayed are the stored object itself
    const memory: VirtualMachineStatus["memory"] = m !== undefined && lastNumbers !== undefined && sameSlots(lastNumbers, f, MEMORY_SLOTS) ? m : {
      configured: text(1, m?.configured),
      granted: text(2, m?.granted),
      consumed: text(3, m?.consumed),
      active: text(4, m?.active),
      entitlement: text(5, m?.entitlement),
      overhead: text(6, m?.overhead),
      balloon: text(7, m?.balloon),
      balloonTarget: text(8, m?.balloonTarget),
      balloonMax: text(32, m?.balloonMax),
      swapped: text(10, m?.swapped),
      swapTarget: text(11, m?.swapTarget),
      compressed: text(12, m?.compressed),
      shared: text(13, m?.shared),
      guestUsed: text(14, m?.guestUsed),
      guestFree: text(15, m?.guestFree),
      guestUntouched: text(16, m?.guestUntouched),
      guestSwapped: text(17, m?.guestSwapped),
    };
    const rates: VirtualMachineStatus["rates"] = r !== undefined && lastNumbers !== undefined && sameSlots(lastNumbers, f, RATE_SLOTS) ? r : {
      swapIn: text(18, r?.swapIn),
      swapOut: text(19, r?.swapOut),
      decompress: text(20, r?.decompress),
      guestPageIn: text(21, r?.guestPageIn),
      guestPageOut: text(22, r?.guestPageOut),
    };
    const status: Partial<VirtualMachineStatus> = {
      phase: vm.phase,
      memory: shareIfEqual(memory, stored?.memory),
      rates: shareIfEqual(rates, stored?.rates),
      memoryStallPercent: running ? vm.stallPercent : 0,
      observedGeneration: obj.metadata.generation ?? 0,
    };
    projection.memory = status.memory;
    projection.rates = status.rates;
    const unchanged =
      stored !== undefined &&
      stored.phase === status.phase &&
      stored.memory === status.memory &&
      stored.rates === status.rates &&
      stored.memoryStallPercent === status.memoryStallPercent &&
      stored.observedGeneration === status.observedGeneration;
    if (!unchanged) ctx.store.patchStatus(key, status);
    if (conditionsUnchanged) return;
    const previous = stored?.conditions ?? [];
    // a condition whose inputs are as at the last projection is the stored one (built from them)
    const keep = (index: number, type: string, slots: readonly number[], same: boolean): Readonly<Condition> | undefined =>
      same && lastNumbers !== undefined && sameSlots(lastNumbers, f, slots) ? conditionOfType(previous, index, type) : undefined;
    const conditions = this.conditions(vm, keep, sameAdmission, sameDriver);
    if (sameConditions(conditions, previous)) return; // no condition moves: nothing to set, log or record
    const was = (type: string): boolean => previous.some((c) => c.type === type && c.status === "True");
    for (const c of conditions) {
      if (previous.includes(c as Condition)) continue; // kept as stored
      ctx.store.setCondition(key, c);
      if (c.status === "True" && !was(c.type) && (c.type === "GuestSwapping" || c.type === "OverLimit")) {
        ctx.log({ kind: "VirtualMachine", namespace: vm.namespace, name: vm.name, host: vm.hostName, action: c.type, reason: c.reason, message: c.message });
        ctx.store.recordEvent(key, "Warning", c.type, c.message);
      }
      const event = transitionEvent(vm, c, was(c.type));
      if (event !== undefined) ctx.store.recordEvent(key, event.type, event.reason, event.message);
    }
  }

  /**
   * The seven conditions in their fixed order; `keep(type, slots)` hands back the stored
   * condition (expected at `index`) when the fingerprint slots it is built from did not move.
   */
  private conditions(
    vm: VmRecord,
    keep: (index: number, type: string, slots: readonly number[], same: boolean) => Readonly<Condition> | undefined,
    sameAdmission: boolean,
    sameDriver: boolean,
  ): (CondInput | Readonly<Condition>)[] {
    const a = vm.admission;
    const limit = vm.spec.limit;
    return [
      keep(0, "Admitted", NO_SLOTS, sameAdmission) ?? cond("Admitted", a.admitted, a.reason, a.message),
      keep(1, "BalloonDriverReady", DRIVER_SLOTS, sameDriver) ?? driverCondition(vm),
      keep(2, "Ballooning", BALLOON_SLOTS, true) ?? cond("Ballooning", vm.balloon > 0, vm.balloon > 0 ? "BalloonInflated" : "NoBalloon", `balloon ${approx(vm.balloon)} of max ${approx(vm.balloonMax)}`),
      keep(3, "Compressing", COMPRESSED_SLOTS, true) ?? cond("Compressing", compressedOf(vm) > 0, compressedOf(vm) > 0 ? "PagesCompressed" : "NoCompressedPages", `${approx(compressedOf(vm))} in the compression cache`),
      keep(4, "HypervisorSwapping", SWAPPED_SLOTS, true) ?? cond("HypervisorSwapping", swappedOf(vm) > 0, swappedOf(vm) > 0 ? "PagesSwapped" : "NoSwappedPages", `${approx(swappedOf(vm))} in the hypervisor swap file`),
      keep(5, "GuestSwapping", GUEST_SWAP_SLOTS, true) ?? cond("GuestSwapping", vm.guestSwapped > 0, vm.guestSwapped > 0 ? "GuestPagedOut" : "NoGuestSwap", `guest has ${approx(vm.guestSwapped)} in its own swap`),
      keep(6, "OverLimit", OVER_LIMIT_SLOTS, true) ??
        cond(
          "OverLimit",
          vm.overLimit,
          vm.overLimit ? "DemandOverLimit" : Number.isFinite(limit) ? "WithinLimit" : "NoLimit",
          Number.isFinite(limit)
            ? `demand ${approx(vm.phase === "Running" ? limitDemandOf(vm) : 0)} vs limit ${approx(limit)}; consumed ${approx(vm.phase === "Running" ? vm.charged : 0)}`
            : "no limit set",
        ),
    ];
  }
}

/** The stored condition of a type: at `index` (where vm-status puts it) or wherever a custom controller's conditions moved it. */
function conditionOfType(conditions: readonly Readonly<Condition>[], index: number, type: string): Readonly<Condition> | undefined {
  const at = conditions[index];
  if (at !== undefined && at.type === type) return at;
  for (let i = 0; i < conditions.length; i++) if (conditions[i]!.type === type) return conditions[i];
  return undefined;
}

/** The BalloonDriverReady condition: not running, no tools, a stuck driver past the timeout, or running (slow or not). */
function driverCondition(vm: VmRecord): CondInput {
  if (vm.phase !== "Running") return cond("BalloonDriverReady", false, "NotRunning", `the VM is ${vm.phase}: no guest runs, so no balloon driver`);
  if (!vm.spec.toolsInstalled) return cond("BalloonDriverReady", false, "ToolsNotInstalled", "no tools installed: the VM cannot be ballooned");
  if (vm.spec.balloonDriver === "stuck" && vm.driverIdleSeconds >= BALLOON_DRIVER_TIMEOUT_SECONDS) {
    return cond("BalloonDriverReady", false, "Unresponsive", `balloon driver has not moved for ${Math.round(vm.driverIdleSeconds)}s`);
  }
  const slow = vm.spec.balloonDriver === "slow";
  return cond("BalloonDriverReady", true, slow ? "Slow" : "Ready", slow ? "balloon driver runs at a tenth of the rate" : "balloon driver is running");
}

const NO_SLOTS: readonly number[] = [];
/** The slots of the status `memory` quantities, and of the `rates`. */
const MEMORY_SLOTS: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 8, 32, 10, 11, 12, 13, 14, 15, 16, 17];
const RATE_SLOTS: readonly number[] = [18, 19, 20, 21, 22];
/** Phase, tools installed, stuck-driver idle seconds, past the timeout. */
const DRIVER_SLOTS: readonly number[] = [0, 26, 27, 28];
/** Balloon and its maximum. */
const BALLOON_SLOTS: readonly number[] = [7, 9];
const COMPRESSED_SLOTS: readonly number[] = [12];
const SWAPPED_SLOTS: readonly number[] = [10];
const GUEST_SWAP_SLOTS: readonly number[] = [17];
/** Phase, over limit, limit, charged. */
const OVER_LIMIT_SLOTS: readonly number[] = [0, 14, 17, 29, 30, 31];

function sameSlots(a: Float64Array, b: Float64Array, slots: readonly number[]): boolean {
  for (let i = 0; i < slots.length; i++) if (a[slots[i]!] !== b[slots[i]!]) return false;
  return true;
}

function sameNumbers(a: Float64Array, b: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

/**
 * `next` frozen, or `previous` itself when every field is equal: the store then shares the
 * stored part instead of comparing and copying it.
 */
function shareIfEqual<T extends object>(next: T, previous: Readonly<T> | undefined): T {
  if (next === previous) return next;
  if (previous !== undefined) {
    let equal = Object.keys(previous).length === Object.keys(next).length;
    if (equal) for (const k in next) if (next[k] !== (previous as T)[k]) { equal = false; break; }
    if (equal) return previous as T;
  }
  return Object.freeze(next);
}

/** Whether the conditions to set are exactly the stored ones (same order, type, status, reason, message). */
function sameConditions(next: readonly (CondInput | Readonly<Condition>)[], stored: readonly Readonly<Condition>[]): boolean {
  if (next.length !== stored.length) return false;
  for (let i = 0; i < next.length; i++) {
    const a = next[i]!;
    const b = stored[i]!;
    if (a.type !== b.type || a.status !== b.status || a.reason !== b.reason || a.message !== b.message) return false;
  }
  return true;
}
