/**
 * vm-status controller — projects the memory model into VirtualMachine status (docs/memory-model.md §12).
 *
 * Why it exists: the esxtop-named memory fields, fault rates, stall estimate and conditions
 * (Admitted, BalloonDriverReady, Ballooning, Compressing, HypervisorSwapping, GuestSwapping,
 * OverLimit) are what users look at. Condition flips that matter are also logged
 * (GuestSwapping, OverLimit) and recorded as Events; the balloon, hypervisor swap and limit
 * flips each way are recorded as Events too (transition-events.ts).
 *
 * Status on demand (docs/library.md): every tick it records, per VM, the numbers the status is
 * built from and which conditions flipped (with their transition times, Events and log
 * entries, exactly when they happen), and marks the VM's status stale in the store; the status
 * object itself is built from those numbers ({@link VmStatusSource}) only when someone observes
 * the VM — a read, a list, a watch, a snapshot.
 */
import { inject, injectable } from "inversify";
import { formatTimestamp } from "../../api/timestamps.js";
import type { Condition, VirtualMachine, VirtualMachineStatus } from "../../api/types.js";
import { TOKENS } from "../../di/tokens.js";
import type { ReconcileContext } from "../../engine/controller.js";
import type { ResolvedEngineOptions } from "../../engine/options.js";
import { compressedOf, freeOf, mappedOf, swappedOf, usedOf } from "../../hypervisor/ledger.js";
import type { VmRecord } from "../../hypervisor/ledger.js";
import { limitDemandOf } from "../../hypervisor/limit.js";
import { BALLOON_DRIVER_TIMEOUT_SECONDS } from "../../hypervisor/memory-model.js";
import type { MemoryStore } from "../../store/memory-store.js";
import type { DeepReadonly } from "../../store/types.js";
import { vmObjectKey } from "../shared/context.js";
import { VmRecordController } from "../shared/record-controller.js";
import { transitionEvent } from "./transition-events.js";
import { cond, FINGERPRINT_LENGTH, FP, PHASE_CODE, VM_CONDITIONS, VmStatusSource, type CondInput, type VmSourceData } from "./vm-status-source.js";

/** Fingerprint slots the conditions are built from. */
const CONDITION_SLOTS = [FP.phase, FP.balloon, FP.balloonMax, FP.swapped, FP.compressed, FP.guestSwapped, FP.toolsInstalled, FP.stuckIdleSeconds, FP.driverTimedOut, FP.overLimit, FP.limit, FP.charged];
/** Per condition of VM_CONDITIONS: the slots it is rebuilt on (Admitted: on a new admission). */
const SLOTS_OF: readonly (readonly number[])[] = [
  [],
  [FP.phase, FP.toolsInstalled, FP.stuckIdleSeconds, FP.driverTimedOut],
  [FP.balloon, FP.balloonMax],
  [FP.compressed],
  [FP.swapped],
  [FP.guestSwapped],
  [FP.phase, FP.guestUsed, FP.guestSwapped, FP.overLimit, FP.limit, FP.charged],
];

/** Records VirtualMachine status inputs from the model and marks the status stale. */
@injectable()
export class VmStatusController extends VmRecordController {
  readonly name = "vm-status";
  protected override readonly reportsSpecProblems = true;
  /**
   * Per model record: what its status is built from. A restored model has new records, whose
   * conditions start from the stored (restored) status, as they would from any stored status.
   */
  readonly #sources = new WeakMap<VmRecord, VmStatusSource>();
  readonly #scratch = new Float64Array(FINGERPRINT_LENGTH);
  /** The fingerprint of the previous projection, while the new one is recorded. */
  readonly #previous = new Float64Array(FINGERPRINT_LENGTH);
  /** The timestamp text of the tick being run (for transition times), made on first need. */
  #stamp: { seconds: number; text: string } | undefined;

  constructor(
    @inject(TOKENS.Store) private readonly store: MemoryStore,
    @inject(TOKENS.EngineOptions) private readonly options: ResolvedEngineOptions,
  ) {
    super();
  }

  /** What this controller keeps of a VM leaving for another shard of hosts (worker threads). */
  departing(vm: VmRecord): { data: VmSourceData; sameAdmission: boolean } | undefined {
    const s = this.#sources.get(vm);
    return s === undefined ? undefined : { data: s.data(), sameAdmission: s.admission === vm.admission };
  }

  /** Takes what {@link departing} kept, for the VM's record in this shard. */
  arrived(vm: VmRecord, kept: { data: VmSourceData; sameAdmission: boolean } | undefined): VmStatusSource | undefined {
    if (kept === undefined) return undefined;
    const s = new VmStatusSource(vm.namespace, vm.name);
    s.setData(kept.data);
    if (kept.sameAdmission) s.admission = vm.admission;
    this.#sources.set(vm, s);
    return s;
  }

  /** Records one VM's status inputs unless nothing they hold changed. */
  protected reconcileVm(vm: VmRecord, obj: DeepReadonly<VirtualMachine>, ctx: ReconcileContext): void {
    const f = this.#fingerprint(vm, ctx, obj.metadata.generation ?? 0);
    let s = this.#sources.get(vm);
    if (s === undefined) {
      s = new VmStatusSource(vm.namespace, vm.name);
      this.#sources.set(vm, s);
      s.f.set(f);
      this.#conditions(vm, s, undefined, ctx);
      this.store.deferStatus("VirtualMachine", vm.name, vm.namespace, s);
      return;
    }
    const sameAdmission = s.admission === vm.admission;
    const sameDriver = s.balloonDriver === vm.spec.balloonDriver;
    // the conditions are looked at when their inputs moved, or when the last projection changed them
    const moved = s.conditionsMoved;
    s.conditionsMoved = false;
    if (sameAdmission && sameDriver && sameNumbers(s.f, f)) return; // nothing the status is built from has changed
    const previous = this.#previous;
    previous.set(s.f);
    s.f.set(f);
    if (moved || !sameAdmission || !sameDriver || !sameSlots(previous, f, CONDITION_SLOTS)) this.#conditions(vm, s, previous, ctx);
    this.store.deferStatus("VirtualMachine", vm.name, vm.namespace, s);
  }

  /**
   * Rebuilds the conditions whose inputs moved since `previous` (all of them without one, from
   * the stored status): a flip sets its transition time and records its Events and log
   * entries, as it happens. Notes whether a condition changed (`conditionsMoved`), which for a
   * VM with a limit takes comparing the messages (the OverLimit message follows the guest's
   * used pages only on ticks that look at the conditions).
   */
  #conditions(vm: VmRecord, s: VmStatusSource, previous: Float64Array | undefined, ctx: ReconcileContext): void {
    const stored = previous === undefined ? this.#storedConditions(vm, s) : undefined;
    const exact = Number.isFinite(s.f[FP.limit]);
    const running = vm.phase === "Running";
    for (let i = 0; i < VM_CONDITIONS.length; i++) {
      if (previous !== undefined) {
        const same = i === 0 ? s.admission === vm.admission : i === 1 ? s.balloonDriver === vm.spec.balloonDriver && sameSlots(previous, s.f, SLOTS_OF[1]!) : sameSlots(previous, s.f, SLOTS_OF[i]!);
        if (same) continue; // kept as last built
      }
      const before: CondInput | undefined = !exact ? undefined : previous === undefined ? stored!.find((c) => c.type === VM_CONDITIONS[i]) : s.condition(i, previous);
      const bit = 1 << i;
      const wasTrue = (s.on & bit) !== 0;
      const on = this.#rebuild(i, vm, s, running);
      s.on = on ? s.on | bit : s.on & ~bit;
      if (exact) {
        const after = s.condition(i);
        if (before === undefined || before.status !== after.status || before.reason !== after.reason || before.message !== after.message) s.conditionsMoved = true;
      } else s.conditionsMoved = true; // (only OverLimit's message needs the exact answer, and without a limit it is fixed)
      if (on === wasTrue && s.since[i] !== undefined) continue;
      s.since[i] = this.#now(ctx);
      s.conditionsMoved = true;
      if (on === wasTrue) continue;
      const key = vmObjectKey(vm);
      const type = VM_CONDITIONS[i];
      const after = s.condition(i);
      if (on && (type === "GuestSwapping" || type === "OverLimit")) {
        ctx.log({ kind: "VirtualMachine", namespace: vm.namespace, name: vm.name, host: vm.hostName, action: type, reason: after.reason, message: after.message });
        ctx.store.recordEvent(key, "Warning", type, after.message);
      }
      const event = transitionEvent(vm, after, wasTrue);
      if (event !== undefined) ctx.store.recordEvent(key, event.type, event.reason, event.message);
    }
    s.admission = vm.admission;
    s.balloonDriver = vm.spec.balloonDriver;
  }

  /** A new VM's conditions as the stored (e.g. restored) status has them: which are True, and since when. */
  #storedConditions(vm: VmRecord, s: VmStatusSource): readonly Readonly<Condition>[] {
    const object = this.store.get("VirtualMachine", vm.name, vm.namespace) as { status?: VirtualMachineStatus } | undefined;
    const stored = (object?.status?.conditions ?? []) as readonly Readonly<Condition>[];
    for (let i = 0; i < VM_CONDITIONS.length; i++) {
      const c = stored.find((x) => x.type === VM_CONDITIONS[i]);
      if (c === undefined) continue;
      if (c.status === "True") s.on |= 1 << i;
      s.since[i] = c.lastTransitionTime;
    }
    return stored;
  }

  /** Records condition `i`'s inputs from the model; returns whether it is True. */
  #rebuild(i: number, vm: VmRecord, s: VmStatusSource, running: boolean): boolean {
    switch (i) {
      case 0: {
        const a = vm.admission;
        s.admitted = cond("Admitted", a.admitted, a.reason, a.message);
        return a.admitted;
      }
      case 1:
        s.driver = driverCondition(vm);
        return s.driver.status === "True";
      case 2:
        return vm.balloon > 0;
      case 3:
        return compressedOf(vm) > 0;
      case 4:
        return swappedOf(vm) > 0;
      case 5:
        return vm.guestSwapped > 0;
      default:
        s.demand = running ? limitDemandOf(vm) : 0;
        s.charged = running ? vm.charged : 0;
        return vm.overLimit;
    }
  }

  #now(ctx: ReconcileContext): string {
    if (this.#stamp === undefined || this.#stamp.seconds !== ctx.timeSeconds) {
      this.#stamp = { seconds: ctx.timeSeconds, text: formatTimestamp(ctx.timeSeconds, this.options.epoch) };
    }
    return this.#stamp.text;
  }

  /**
   * The numbers of this tick's projection, in the scratch array: page counts rounded to whole
   * pages as status and messages show them (an active estimate drifting by a fraction of a
   * page changes nothing the user sees), other numbers as they are.
   */
  #fingerprint(vm: VmRecord, ctx: ReconcileContext, generation: number): Float64Array {
    const running = vm.phase === "Running";
    const f = this.#scratch;
    const c = vm.counters;
    f[FP.phase] = PHASE_CODE[vm.phase];
    f[FP.configured] = Math.round(vm.spec.memory);
    f[FP.granted] = Math.round(mappedOf(vm));
    f[FP.consumed] = Math.round(running ? ctx.model.consumed(vm) : 0);
    f[FP.active] = Math.round(running ? ctx.model.active(vm) : 0);
    f[FP.entitlement] = Math.round(running ? vm.entitlement : 0);
    f[FP.overhead] = Math.round(running ? vm.overhead : 0);
    f[FP.balloon] = Math.round(vm.balloon);
    f[FP.balloonTarget] = Math.round(vm.balloonTarget);
    f[FP.balloonMax] = Math.round(vm.balloonMax);
    f[FP.swapped] = Math.round(swappedOf(vm));
    f[FP.swapTarget] = Math.round(vm.swapTarget);
    f[FP.compressed] = Math.round(compressedOf(vm));
    f[FP.shared] = Math.round(vm.sharedZero + vm.sharedCommon);
    f[FP.guestUsed] = Math.round(usedOf(vm));
    f[FP.guestFree] = Math.round(freeOf(vm));
    f[FP.guestUntouched] = Math.round(vm.untouched);
    f[FP.guestSwapped] = Math.round(vm.guestSwapped);
    f[FP.swapIn] = Math.round(c.swapIns / ctx.tickSeconds);
    f[FP.swapOut] = Math.round(c.swapOuts / ctx.tickSeconds);
    f[FP.decompress] = Math.round(c.decompressions / ctx.tickSeconds);
    f[FP.guestPageIn] = Math.round(c.guestPageIns / ctx.tickSeconds);
    f[FP.guestPageOut] = Math.round(c.guestPageOuts / ctx.tickSeconds);
    f[FP.tickSeconds] = ctx.tickSeconds;
    f[FP.stallPercent] = vm.stallPercent;
    f[FP.generation] = generation;
    f[FP.toolsInstalled] = vm.spec.toolsInstalled ? 1 : 0;
    f[FP.stuckIdleSeconds] = vm.spec.balloonDriver === "stuck" ? Math.round(vm.driverIdleSeconds) : 0;
    f[FP.driverTimedOut] = vm.driverIdleSeconds >= BALLOON_DRIVER_TIMEOUT_SECONDS ? 1 : 0;
    f[FP.overLimit] = vm.overLimit ? 1 : 0;
    f[FP.limit] = vm.spec.limit;
    f[FP.charged] = Math.round(vm.charged);
    f[FP.runningBalloonMax] = Math.round(running ? vm.balloonMax : 0);
    f[FP.running] = running ? 1 : 0;
    return f;
  }
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

function sameSlots(a: Float64Array, b: Float64Array, slots: readonly number[]): boolean {
  for (let i = 0; i < slots.length; i++) if (a[slots[i]!] !== b[slots[i]!]) return false;
  return true;
}

function sameNumbers(a: Float64Array, b: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}
