/**
 * What a VM's status is built from, recorded by vm-status every tick as numbers (status on
 * demand, docs/library.md): the fingerprint of the projection, which conditions are True and
 * since when, and the few inputs a condition message keeps from the tick it was last rebuilt.
 * The store asks it for the status only when someone observes the VM ({@link VmStatusSource.statusOf}).
 */
import type { Condition, VirtualMachineStatus } from "../../api/types.js";
import type { VmRecord } from "../../hypervisor/ledger.js";
import type { StatusSource } from "../../store/status-source.js";
import { approx, q } from "../shared/context.js";

/** A condition without its transition time. */
export type CondInput = Omit<Condition, "lastTransitionTime">;

/** A condition from its parts. */
export const cond = (type: string, on: boolean, reason: string, message: string): CondInput => ({ type, status: on ? "True" : "False", reason, message });

/** The seven conditions vm-status owns, in their order. */
export const VM_CONDITIONS = ["Admitted", "BalloonDriverReady", "Ballooning", "Compressing", "HypervisorSwapping", "GuestSwapping", "OverLimit"] as const;

/**
 * Slots of the fingerprint vm-status records per VM (vm-status-controller.ts `#fingerprint`):
 * page counts rounded as status shows them, rates per second, flags as 0/1.
 */
export const FP = {
  phase: 0,
  configured: 1,
  granted: 2,
  consumed: 3,
  active: 4,
  entitlement: 5,
  overhead: 6,
  balloon: 7,
  balloonTarget: 8,
  balloonMax: 9,
  swapped: 10,
  swapTarget: 11,
  compressed: 12,
  shared: 13,
  guestUsed: 14,
  guestFree: 15,
  guestUntouched: 16,
  guestSwapped: 17,
  swapIn: 18,
  swapOut: 19,
  decompress: 20,
  guestPageIn: 21,
  guestPageOut: 22,
  tickSeconds: 23,
  stallPercent: 24,
  generation: 25,
  toolsInstalled: 26,
  stuckIdleSeconds: 27,
  driverTimedOut: 28,
  overLimit: 29,
  limit: 30,
  charged: 31,
  runningBalloonMax: 32,
  running: 33,
} as const;

/** Slots of the fingerprint. */
export const FINGERPRINT_LENGTH = 34;

/** Phase codes of fingerprint slot 0. */
export const PHASE_CODE: Readonly<Record<VmRecord["phase"], number>> = { Pending: 0, Running: 1, Stopped: 2 };
const PHASES: readonly VmRecord["phase"][] = ["Pending", "Running", "Stopped"];

/** A {@link VmStatusSource}'s state as plain data (structured-cloneable: it crosses threads). */
export interface VmSourceData {
  f: Float64Array;
  on: number;
  since: (string | undefined)[];
  admitted: CondInput;
  driver: CondInput;
  admission: VmRecord["admission"] | undefined;
  balloonDriver: string;
  demand: number;
  charged: number;
  conditionsMoved: boolean;
}

/** Fingerprints per shared block (see {@link newFingerprint}). */
const FINGERPRINTS_PER_BLOCK = 64;
let block = new Float64Array(0);
let blockUsed = FINGERPRINTS_PER_BLOCK;

/**
 * A zeroed fingerprint: a view of a block shared with the next 63 VMs' fingerprints, not an
 * array of its own — an ArrayBuffer of its own cost ≈ 180 bytes beyond its 272 bytes of numbers
 * (the buffer object, V8's backing-store record, the allocator's header), every VM on every
 * shard (docs/performance.md, *Session 9*). A block is freed when none of its views is left.
 */
function newFingerprint(): Float64Array {
  if (blockUsed === FINGERPRINTS_PER_BLOCK) {
    block = new Float64Array(FINGERPRINTS_PER_BLOCK * FINGERPRINT_LENGTH);
    blockUsed = 0;
  }
  const at = blockUsed++ * FINGERPRINT_LENGTH;
  return block.subarray(at, at + FINGERPRINT_LENGTH);
}

/** The recorded inputs of one VM's status. */
export class VmStatusSource implements StatusSource {
  /** The fingerprint of the last projection (page counts rounded as status shows them; a view: copy it, never send it whole). */
  readonly f = newFingerprint();
  /** Bit i: condition i of {@link VM_CONDITIONS} is True. */
  on = 0;
  /** When each condition last changed status (the tick's timestamp text). */
  readonly since: string[] = new Array<string>(VM_CONDITIONS.length);
  /** Admitted and BalloonDriverReady as last rebuilt (they change rarely). */
  admitted: CondInput = cond("Admitted", false, "", "");
  driver: CondInput = cond("BalloonDriverReady", false, "", "");
  /** What they were rebuilt from. */
  admission: VmRecord["admission"] | undefined;
  balloonDriver = "";
  /** OverLimit's message inputs as last rebuilt: demand and consumed (0 unless running). */
  demand = 0;
  charged = 0;
  /** Whether the last projection changed a condition (today's write path reread them then). */
  conditionsMoved = false;

  constructor(
    readonly namespace: string,
    readonly name: string,
  ) {}

  /** This source's state as plain data (a copy: the source goes on changing). */
  data(): VmSourceData {
    const { on, admitted, driver, admission, balloonDriver, demand, charged, conditionsMoved } = this;
    return { f: this.f.slice(), on, since: [...this.since], admitted, driver, admission, balloonDriver, demand, charged, conditionsMoved };
  }

  /** Takes the state of {@link data} (from another thread, or a VM moving between shards). */
  setData(d: VmSourceData): void {
    this.f.set(d.f);
    for (let i = 0; i < this.since.length; i++) this.since[i] = d.since[i]!;
    this.on = d.on;
    this.admitted = d.admitted;
    this.driver = d.driver;
    this.admission = d.admission;
    this.balloonDriver = d.balloonDriver;
    this.demand = d.demand;
    this.charged = d.charged;
    this.conditionsMoved = d.conditionsMoved;
  }

  /** Condition `i` as the stored status shows it (without its transition time). */
  condition(i: number, f: Float64Array = this.f): CondInput {
    const on = (this.on & (1 << i)) !== 0;
    switch (i) {
      case 0:
        return this.admitted;
      case 1:
        return this.driver;
      case 2:
        return cond("Ballooning", on, on ? "BalloonInflated" : "NoBalloon", `balloon ${approx(f[FP.balloon]!)} of max ${approx(f[FP.balloonMax]!)}`);
      case 3:
        return cond("Compressing", on, on ? "PagesCompressed" : "NoCompressedPages", `${approx(f[FP.compressed]!)} in the compression cache`);
      case 4:
        return cond("HypervisorSwapping", on, on ? "PagesSwapped" : "NoSwappedPages", `${approx(f[FP.swapped]!)} in the hypervisor swap file`);
      case 5:
        return cond("GuestSwapping", on, on ? "GuestPagedOut" : "NoGuestSwap", `guest has ${approx(f[FP.guestSwapped]!)} in its own swap`);
      default: {
        const limit = f[FP.limit]!;
        const limited = Number.isFinite(limit);
        return cond(
          "OverLimit",
          on,
          on ? "DemandOverLimit" : limited ? "WithinLimit" : "NoLimit",
          limited ? `demand ${approx(this.demand)} vs limit ${approx(limit)}; consumed ${approx(this.charged)}` : "no limit set",
        );
      }
    }
  }

  /** The VM's status: the stored one with the projected fields and the seven conditions laid over it. */
  statusOf(stored: unknown): Record<string, unknown> {
    const f = this.f;
    const base = (stored ?? {}) as Partial<VirtualMachineStatus>;
    const memory: VirtualMachineStatus["memory"] = {
      configured: q(f[FP.configured]!),
      granted: q(f[FP.granted]!),
      consumed: q(f[FP.consumed]!),
      active: q(f[FP.active]!),
      entitlement: q(f[FP.entitlement]!),
      overhead: q(f[FP.overhead]!),
      balloon: q(f[FP.balloon]!),
      balloonTarget: q(f[FP.balloonTarget]!),
      balloonMax: q(f[FP.runningBalloonMax]!),
      swapped: q(f[FP.swapped]!),
      swapTarget: q(f[FP.swapTarget]!),
      compressed: q(f[FP.compressed]!),
      shared: q(f[FP.shared]!),
      guestUsed: q(f[FP.guestUsed]!),
      guestFree: q(f[FP.guestFree]!),
      guestUntouched: q(f[FP.guestUntouched]!),
      guestSwapped: q(f[FP.guestSwapped]!),
    };
    const rates: VirtualMachineStatus["rates"] = { swapIn: q(f[FP.swapIn]!), swapOut: q(f[FP.swapOut]!), decompress: q(f[FP.decompress]!), guestPageIn: q(f[FP.guestPageIn]!), guestPageOut: q(f[FP.guestPageOut]!) };
    const status: Record<string, unknown> = { ...base };
    status.phase = PHASES[f[FP.phase]!];
    status.memory = memory;
    status.rates = rates;
    status.memoryStallPercent = f[FP.running] === 1 ? f[FP.stallPercent] : 0;
    status.observedGeneration = f[FP.generation];
    const conditions: Condition[] = [...((base.conditions ?? []) as Condition[])];
    for (let i = 0; i < VM_CONDITIONS.length; i++) {
      const c = this.condition(i);
      const condition: Condition = { type: c.type, status: c.status, reason: c.reason, message: c.message, lastTransitionTime: this.since[i]! };
      const at = conditions.findIndex((x) => x.type === c.type);
      if (at >= 0) conditions[at] = condition;
      else conditions.push(condition);
    }
    status.conditions = conditions;
    return status;
  }
}
