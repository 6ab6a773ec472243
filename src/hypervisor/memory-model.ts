/**
 * The hypervisor memory model service (docs/memory-model.md): host and guest ledgers and the
 * only code that moves pages. Controllers decide targets; the model carries them out within the
 * physical limits (free host pages, page-in/page-out throughput, swap and cache capacity) and
 * keeps the ledger identities true after every operation.
 *
 * This class is a thin facade over modules with one job each:
 *
 * - `ledger.ts` — the records and the page-moving primitives that keep them consistent;
 * - `model-index.ts` — records by name and the lookup caches; `store-sync.ts` — the sync with
 *   the store; `guest-os-catalog.ts` — the guest-OS catalog the model and `explain` share;
 * - `lifecycle.ts` — admission, power-on/off, moves, emergency reclaim;
 * - `guest-workload.ts` — the guests' allocation, working set and faults;
 * - `mechanisms/` — balloon, page-out (compression and swap), page sharing: functions of a VM,
 *   its host and the {@link ModelEnvironment} (random source and configuration);
 * - `invariants.ts`, `snapshot.ts`; `model-api.ts` — the reader, verbs and engine interfaces.
 *
 * Bound as a singleton behind TOKENS.MemoryModel; embedders may rebind a subclass (for example
 * with another `compressionRatio`, read by every mechanism through the environment) and every
 * controller uses it.
 */
import { inject, injectable } from "inversify";
import type { HostMemoryState, VirtualMachine } from "../api/types.js";
import type { DeepReadonly, ResourceReader } from "../store/types.js";
import { TOKENS } from "../di/tokens.js";
import { type DecisionRecord, recordDecision } from "./decisions.js";
import { HostEnvironments, type ModelEnvironment, type RandomSource } from "./environment.js";
import { GuestOsCatalog } from "./guest-os-catalog.js";
import { stepGuest } from "./guest-workload.js";
import { type InvariantViolation, invariantViolations } from "./invariants.js";
import { type HostRecord, type KsmState, type VmRecord, activeOf, consumedOf, recharge } from "./ledger.js";
import { OOM_KILLED, type PowerEvent, release, runAdmission } from "./lifecycle.js";
import { type BalloonMove, moveBalloon } from "./mechanisms/balloon.js";
import { type PageOutResult, pageOut, swapDatastoreLeft } from "./mechanisms/page-out.js";
import { type SharingMode, scanSharing } from "./mechanisms/page-sharing.js";
import { drainSmartPaging } from "./mechanisms/smart-paging.js";
import type { MemoryModel } from "./model-api.js";
import { ModelIndex } from "./model-index.js";
import { type MemoryModelSnapshot, fromSnapshot, toSnapshot } from "./snapshot.js";
import type { ModelSnapshotError } from "./snapshot-check.js";
import { SpecProblems } from "./spec-problems.js";
import { syncWithStore } from "./store-sync.js";
import { type MovingVm, exportMovingVms, importVm } from "./shard-moves.js";

// Everything this module exported before the split, from its new home.
export type { MemoryModel, MemoryModelReader, MemoryModelVerbs, MemoryModelEngineOps } from "./model-api.js";
export type { ModelEnvironment, RandomSource } from "./environment.js";
export type { PowerEvent } from "./lifecycle.js";
export type { BalloonMove } from "./mechanisms/balloon.js";
export type { PageOutResult } from "./mechanisms/page-out.js";
export type { InvariantViolation } from "./invariants.js";
export { ModelSnapshotError } from "./snapshot-check.js";
export type { MemoryModelSnapshot } from "./snapshot.js";
export { BALLOON_DRIVER_TIMEOUT_SECONDS } from "./mechanisms/balloon.js";
export { SHARING_FULL_SPEED_FACTOR } from "./mechanisms/page-sharing.js";
export { FAULT_LATENCY } from "./guest-workload.js";
export { ACTIVE_SAMPLING } from "./active-memory.js";
export { newVmRecord } from "./ledger.js";

/** The ESXi-like implementation of {@link MemoryModel}. */
@injectable()
export class HypervisorMemoryModel implements MemoryModel {
  /** Compressed pages held per host page (2 = a page compresses to ≤ 2 KiB). */
  protected compressionRatio = 2;
  /** Host and VM records and their lookup caches. */
  readonly #index = new ModelIndex();
  /** Guest OS profiles as of the last sync. */
  readonly #catalog = new GuestOsCatalog();
  /** Each host's environment: its random stream and the model's configuration. */
  readonly #envs: HostEnvironments;
  readonly #envOf = (host: HostRecord): ModelEnvironment => this.#envs.of(host.name);
  /** VMs powered off by an emergency reclaim since the last admission pass. */
  readonly #powerOffs: PowerEvent[] = [];
  #syncedTick = -1;
  /** Objects whose stored spec does not resolve (see {@link MemoryModelReader.specProblems}). */
  readonly specProblems = new SpecProblems();

  constructor(@inject(TOKENS.Random) rng: RandomSource) {
    this.#envs = new HostEnvironments(rng, () => this.compressionRatio);
  }

  // ------------------------------------------------------------------ reader

  host(name: string): HostRecord | undefined {
    return this.#index.hosts.get(name);
  }

  vm(namespace: string, name: string): VmRecord | undefined {
    return this.#index.vm(namespace, name);
  }

  vmRecords(objects: readonly DeepReadonly<VirtualMachine>[]): readonly (VmRecord | undefined)[] {
    return this.#index.vmRecords(objects);
  }

  vmsOf(host: HostRecord): VmRecord[] {
    return this.#index.vmsOf(host);
  }

  hosts(): HostRecord[] {
    return [...this.#index.hosts.values()];
  }

  allVms(): VmRecord[] {
    return [...this.#index.vms.values()];
  }

  consumed(vm: VmRecord): number {
    return consumedOf(vm, this.compressionRatio);
  }

  active(vm: VmRecord): number {
    return activeOf(vm);
  }

  osMinimum(vm: VmRecord): number {
    // Built-ins are looked up on demand, so the answer is right even before the first sync
    // after a restore (applied profiles are read from the store at every sync).
    return this.#catalog.minimumPages(vm.spec.guestOS);
  }

  swapDatastoreLeft(host: HostRecord): number {
    return swapDatastoreLeft(host, this.#index);
  }

  // ------------------------------------------------------------------ verbs: page movements

  runAdmission(timeSeconds: number): PowerEvent[] {
    return runAdmission(this.#index, this.#catalog, this.#envOf, this.#powerOffs, timeSeconds);
  }

  stepGuest(vm: VmRecord, timeSeconds: number, tickSeconds: number): void {
    const host = this.#index.hosts.get(vm.hostName);
    if (host) stepGuest(vm, host, this.#envOf(host), timeSeconds, tickSeconds, () => (host ? swapDatastoreLeft(host, this.#index) : 0));
  }

  scanSharing(host: HostRecord, tickSeconds: number, mode?: SharingMode): void {
    scanSharing(host, this.#index.vmsOf(host), this.#envOf(host), tickSeconds, mode);
  }

  setKsm(host: HostRecord, ksm: KsmState): void { host.ksm = { ...ksm }; }

  moveBalloon(vm: VmRecord, tickSeconds: number): BalloonMove {
    const host = this.#index.hosts.get(vm.hostName);
    return host ? moveBalloon(vm, host, this.#envOf(host), tickSeconds) : { fromFree: 0, fromUntouched: 0, fromUsed: 0, deflated: 0, stalled: 0, paced: 0 };
  }

  pageOut(vm: VmRecord, hostPages: number, budget?: number, options?: { compress?: boolean }): PageOutResult {
    const host = this.#index.hosts.get(vm.hostName);
    if (!host || vm.phase !== "Running" || hostPages <= 0) return { compressed: 0, swapped: 0, freed: 0 };
    return pageOut(vm, host, this.#envOf(host), hostPages, budget, this.swapDatastoreLeft(host), options?.compress ?? true);
  }

  killVm(vm: VmRecord, message: string): void {
    if (vm.phase !== "Running") return;
    release(this.#index, vm, "Stopped", { admitted: false, reason: OOM_KILLED, message });
  }

  // ------------------------------------------------------------------ verbs: fields controllers own

  setEntitlement(vm: VmRecord, entitlement: number, reclaim: number, overLimit: boolean): void {
    vm.entitlement = entitlement;
    vm.reclaim = reclaim;
    vm.overLimit = overLimit;
  }

  setLoggedEntitlement(vm: VmRecord, pages: number): void {
    vm.loggedEntitlement = pages;
  }

  setBalloonMax(vm: VmRecord, pages: number): void {
    vm.balloonMax = pages;
  }

  setBalloonTarget(vm: VmRecord, pages: number): void {
    vm.balloonTarget = pages;
  }

  setBalloonStalled(vm: VmRecord, stalled: boolean): void {
    vm.balloonStalled = stalled;
  }

  setSmartPaging(vm: VmRecord, pages: number): void {
    vm.smartPaging = pages;
    vm.smartPaged = Math.min(vm.smartPaged, vm.usedSwapped + vm.freeSwapped);
  }

  drainSmartPaging(vm: VmRecord): number {
    const host = this.#index.hosts.get(vm.hostName);
    return host && vm.phase === "Running" ? drainSmartPaging(vm, host, this.#envOf(host)) : 0;
  }

  setSwapTarget(vm: VmRecord, pages: number): void {
    vm.swapTarget = pages;
  }

  setHostState(host: HostRecord, state: HostMemoryState): void {
    host.state = state;
  }

  setClimbSince(host: HostRecord, seconds: number): void {
    host.climbSince = seconds;
  }

  recordDecision(object: VmRecord | HostRecord, record: DecisionRecord): void {
    recordDecision(object.decisions, record);
  }

  // ------------------------------------------------------------------ engine operations

  sync(tick: number, _timeSeconds: number, tickSeconds: number, store: ResourceReader): void {
    if (this.#syncedTick === tick) return;
    this.#syncedTick = tick;
    const hostDeleted = (name: string): void => this.#envs.hostDeleted(name);
    syncWithStore({ index: this.#index, catalog: this.#catalog, envOf: this.#envOf, hostDeleted, powerOffs: this.#powerOffs, specProblems: this.specProblems }, tickSeconds, store);
  }

  // worker threads: VMs crossing between shards of hosts (shard-moves.ts)
  exportMovingVms(isLocal: (hostName: string) => boolean): { vm: VmRecord; moving: MovingVm }[] { return exportMovingVms(this.#index, isLocal); }
  importVm(record: Record<string, unknown>): VmRecord { return importVm(this.#index, record); }

  invariantViolations(): InvariantViolation[] {
    return invariantViolations(this.#index, (v) => this.consumed(v));
  }

  snapshot(): MemoryModelSnapshot {
    return toSnapshot(this.#syncedTick, this.#index.hosts.values(), this.#index.vms.values());
  }

  /**
   * Restores a snapshot from {@link HypervisorMemoryModel.snapshot}, checked whole first: a
   * damaged one throws a {@link ModelSnapshotError} listing the problems, and nothing changes.
   */
  restore(snapshot: unknown): void {
    const s = fromSnapshot(snapshot, (v) => this.consumed(v));
    this.#index.replace(s.hosts, s.vms);
    this.#syncedTick = s.syncedTick;
    this.#envs.clear(); // the engine restores the random streams with the rest of its snapshot
    this.specProblems.clear();
    this.#catalog.clear();
  }

  /**
   * Re-charges a VM's consumed memory to its host's free memory after a ledger change.
   * @deprecated the mechanisms call the ledger's `recharge` with the model's environment; overriding this changes nothing.
   */
  protected recharge(v: VmRecord, host: HostRecord): void {
    recharge(v, host, this.compressionRatio);
  }
}
