/**
 * The memory model's three faces (docs/memory-model.md; the split is described in
 * src/hypervisor/memory-model.ts):
 *
 * - {@link MemoryModelReader}: what controllers, `explain`, metrics and the CLI read;
 * - {@link MemoryModelVerbs}: the only ways to change the records — the mechanisms that move
 *   pages and the setters of the fields a controller owns (entitlement, targets, what was
 *   last logged, decision records) — for controllers only;
 * - {@link MemoryModelEngineOps}: sync, snapshot, restore and the invariant check, for the
 *   engine, which syncs the model with the store once at the start of every tick.
 *
 * {@link MemoryModel} is all three: what TOKENS.MemoryModel resolves to.
 */
import type { MovingVm } from "./shard-moves.js";
import type { HostMemoryState, VirtualMachine } from "../api/types.js";
import type { DeepReadonly, ResourceReader } from "../store/types.js";
import type { DecisionRecord } from "./decisions.js";
import type { InvariantViolation } from "./invariants.js";
import type { HostRecord, KsmState, VmRecord } from "./ledger.js";
import type { PowerEvent } from "./lifecycle.js";
import type { BalloonMove } from "./mechanisms/balloon.js";
import type { PageOutResult } from "./mechanisms/page-out.js";
import type { SharingMode } from "./mechanisms/page-sharing.js";
import type { MemoryModelSnapshot } from "./snapshot.js";
import type { SpecProblemsReader } from "./spec-problems.js";

/** Reading the model: records, lookups and derived sizes. Changes nothing. */
export interface MemoryModelReader {
  /** The record of a host, by name. */
  host(name: string): HostRecord | undefined;
  /** The record of a VM, by namespace and name. */
  vm(namespace: string, name: string): VmRecord | undefined;
  /** The records of stored VMs, index for index (`undefined` for a VM the model does not know); O(1) for the list the last sync read. */
  vmRecords(objects: readonly DeepReadonly<VirtualMachine>[]): readonly (VmRecord | undefined)[];
  /** Admitted VMs of a host, in admission order. */
  vmsOf(host: HostRecord): VmRecord[];
  /** Every host record. */
  hosts(): HostRecord[];
  /** Every known VM (pending, running, stopped). */
  allVms(): VmRecord[];
  /** Consumed host memory (CNSM) of a VM. */
  consumed(vm: VmRecord): number;
  /** Active-memory estimate (ACTV) of a VM. */
  active(vm: VmRecord): number;
  /** The guest OS minimum memory of a VM's profile, pages (applied profiles override built-ins). */
  osMinimum(vm: VmRecord): number;
  /** Pages left in the host's swap datastore (Infinity when unlimited). */
  swapDatastoreLeft(host: HostRecord): number;
  /**
   * Stored objects whose spec the model could not use at its last sync (left out, or kept on
   * their last usable spec), and why. The status controllers report them. Optional: a model
   * without it reports nothing.
   */
  readonly specProblems?: SpecProblemsReader;
}

/** Changing the model: page movements and the fields controllers own. For controllers only. */
export interface MemoryModelVerbs {
  /** Admission and power changes for this tick, in creation order (docs/memory-model.md, *Reservations, overhead and admission*). */
  runAdmission(timeSeconds: number): PowerEvent[];
  /** Steps a running VM's guest workload by one tick (docs/memory-model.md, *The guest workload and its phases*). */
  stepGuest(vm: VmRecord, timeSeconds: number, tickSeconds: number): void;
  /**
   * Runs the page-sharing scan for one host (docs/memory-model.md, *Page sharing*): ESXi's
   * transparent page sharing by default, the kernel's KSM at a scan rate, or none (sharing undone).
   */
  scanSharing(host: HostRecord, tickSeconds: number, mode?: SharingMode): void;
  /** Sets ksmd's settings on a host (its policy's KSM rule decides them). */
  setKsm(host: HostRecord, ksm: KsmState): void;
  /** Moves the balloon toward its target at the driver's rate (docs/memory-model.md, *Ballooning*). */
  moveBalloon(vm: VmRecord, tickSeconds: number): BalloonMove;
  /** Compresses or swaps out pages until `hostPages` host pages are freed or a limit is reached (docs/memory-model.md, *Compression and hypervisor swapping*). */
  pageOut(vm: VmRecord, hostPages: number, budget?: number, options?: { compress?: boolean }): PageOutResult;
  /**
   * The host kills a running VM to free its memory (the Linux OOM killer on a KVM host): it
   * stops as `Stopped` with admission reason `OomKilled` and stays down until its spec changes.
   */
  killVm(vm: VmRecord, message: string): void;
  /** Sets a VM's entitlement, its reclaim need and whether it is over its limit (the entitlement controller's fields). */
  setEntitlement(vm: VmRecord, entitlement: number, reclaim: number, overLimit: boolean): void;
  /** Notes the entitlement last logged (the EntitlementChanged threshold). */
  setLoggedEntitlement(vm: VmRecord, pages: number): void;
  /** Sets the largest balloon the VM's policy allows (MCTLMAX). */
  setBalloonMax(vm: VmRecord, pages: number): void;
  /** Sets the balloon target (MCTLTGT) the driver moves toward. */
  setBalloonTarget(vm: VmRecord, pages: number): void;
  /** Notes whether the guest has stalled the balloon (guest swap full). */
  setBalloonStalled(vm: VmRecord, stalled: boolean): void;
  /** Sets the pages Hyper-V's Smart Paging may back on disk (restart boot only), and forgets Smart Paging pages no longer swapped. */
  setSmartPaging(vm: VmRecord, pages: number): void;
  /** After the boot, brings Smart Paging pages back into RAM as the host's free memory and page-in rate allow; returns how many. */
  drainSmartPaging(vm: VmRecord): number;
  /** Sets the swap target (SWTGT). */
  setSwapTarget(vm: VmRecord, pages: number): void;
  /** Sets a host's memory state. */
  setHostState(host: HostRecord, state: HostMemoryState): void;
  /** Sets the simulated second since which a host could climb to a better state (-1: it cannot). */
  setClimbSince(host: HostRecord, seconds: number): void;
  /**
   * Keeps a decision record in a VM's or host's bounded ring (what `explain` reads). The ring
   * copies the record's fields: a caller may reuse the object (the entitlement controller does).
   */
  recordDecision(object: VmRecord | HostRecord, record: DecisionRecord): void;
}

/** Keeping the model in line with the store, saving and checking it. For the engine. */
export interface MemoryModelEngineOps {
  /**
   * Brings hosts and VMs in line with the store (idempotent per tick).
   * @param timeSeconds unused; kept so existing callers compile (deprecated: pass anything).
   */
  sync(tick: number, timeSeconds: number, tickSeconds: number, store: ResourceReader): void;
  /** Checks the ledger identities and sign rules (docs/memory-model.md, *The ledgers*). */
  invariantViolations(): InvariantViolation[];
  /** The model's state as JSON. */
  snapshot(): MemoryModelSnapshot;
  /** Replaces the model's state with a snapshot's; a damaged one must throw (ideally a ModelSnapshotError) before anything changes. */
  restore(snapshot: unknown): void;
  /**
   * For a model holding one shard of the hosts (worker threads): takes out the VMs this tick's
   * admission places on a host that is not local, as data for {@link importVm} (shard-moves.ts).
   * Optional: a model without it runs on one thread.
   */
  exportMovingVms?(isLocal: (hostName: string) => boolean): { vm: VmRecord; moving: MovingVm }[];
  /** Adds a VM another shard's model exported (see {@link exportMovingVms}). */
  importVm?(record: Record<string, unknown>): VmRecord;
}

/** The hypervisor memory model service: reader, verbs and engine operations (TOKENS.MemoryModel). */
export interface MemoryModel extends MemoryModelReader, MemoryModelVerbs, MemoryModelEngineOps {}
