/**
 * The record views (docs/architecture.md, *The columnar model*): a {@link VmRecord} or
 * {@link HostRecord} whose numbers, flags and small enums are accessors reading and writing the
 * model's columns (columns.ts) at `this.slot`, so mechanisms, policies, controllers, explain and
 * embedders keep the record interfaces while the data lives in shared typed arrays. Fields that
 * do not change within a tick (key, name, spec, host name, admission, decisions, …) are plain
 * properties. `toJSON` gives the plain record in the snapshot's field order; a view of a
 * deleted object is detached (its columns copied into a private one-slot table), so a reference
 * kept by an embedder goes on reading its last values.
 */
import type { HostMemoryState } from "../api/types.js";
import { HOST_STATE_CODES, type HostColumns, PHASE_CODES, type VmColumns, newHostColumns, newVmColumns } from "./columns.js";
import { DecisionRing, type DecisionTable } from "./decisions.js";
import type { AdmissionState, HostRecord, KsmState, TickCounters, VmRecord } from "./ledger.js";
import type { ResolvedHost, ResolvedVm } from "./resolved.js";

type VmNumbers = VmColumns["f64"];
type VmBytes = VmColumns["u8"];
type HostNumbers = HostColumns["f64"];

const PHASE_CODE: Readonly<Record<VmRecord["phase"], number>> = { Pending: 0, Running: 1, Stopped: 2 };
const STATE_CODE: Readonly<Record<HostMemoryState, number>> = { high: 0, clear: 1, soft: 2, hard: 3, low: 4 };

/** A VM's per-tick counters as a view of its columns. */
export class CountersView implements TickCounters {
  /** @internal */
  constructor(
    /** @internal */ public n: VmNumbers,
    /** @internal */ public slot: number,
  ) {}

  get swapIns(): number { return this.n.swapIns[this.slot]; }
  set swapIns(x: number) { this.n.swapIns[this.slot] = x; }
  get swapOuts(): number { return this.n.swapOuts[this.slot]; }
  set swapOuts(x: number) { this.n.swapOuts[this.slot] = x; }
  get compressions(): number { return this.n.compressions[this.slot]; }
  set compressions(x: number) { this.n.compressions[this.slot] = x; }
  get decompressions(): number { return this.n.decompressions[this.slot]; }
  set decompressions(x: number) { this.n.decompressions[this.slot] = x; }
  get guestPageIns(): number { return this.n.guestPageIns[this.slot]; }
  set guestPageIns(x: number) { this.n.guestPageIns[this.slot] = x; }
  get guestPageOuts(): number { return this.n.guestPageOuts[this.slot]; }
  set guestPageOuts(x: number) { this.n.guestPageOuts[this.slot] = x; }
  get stalledPages(): number { return this.n.stalledPages[this.slot]; }
  set stalledPages(x: number) { this.n.stalledPages[this.slot] = x; }
  get stalledGrowth(): number { return this.n.stalledGrowth[this.slot]; }
  set stalledGrowth(x: number) { this.n.stalledGrowth[this.slot] = x; }
  get doublePagings(): number { return this.n.doublePagings[this.slot]; }
  set doublePagings(x: number) { this.n.doublePagings[this.slot] = x; }

  /** The plain counters, in the snapshot's field order. */
  toJSON(): TickCounters {
    return { swapIns: this.swapIns, swapOuts: this.swapOuts, compressions: this.compressions, decompressions: this.decompressions, guestPageIns: this.guestPageIns, guestPageOuts: this.guestPageOuts, stalledPages: this.stalledPages, stalledGrowth: this.stalledGrowth, doublePagings: this.doublePagings };
  }
}

/** One VM as the model tracks it: a view of its slot in the VM columns. */
export class VmView implements VmRecord {
  hostName: string;
  admission: AdmissionState = { admitted: false, reason: "Pending", message: "waiting for admission" };
  restartSeen = "";
  /** The VM's decision records (a slot of the model's decision table; detached with the view). */
  decisions: DecisionRing;
  /** The number columns this view reads (the model's, or a private copy once detached). */
  n: VmNumbers;
  /** The byte columns this view reads. */
  b: VmBytes;
  readonly #counters: CountersView;

  constructor(
    /** The VM's slot in the columns. */
    public slot: number,
    columns: VmColumns,
    readonly key: string,
    readonly namespace: string,
    readonly name: string,
    public generation: number,
    public createdAt: number,
    public spec: ResolvedVm,
    decisions?: DecisionTable,
  ) {
    this.decisions = new DecisionRing(decisions);
    this.n = columns.f64;
    this.b = columns.u8;
    this.hostName = spec.hostName;
    this.#counters = new CountersView(this.n, slot);
  }

  get phase(): VmRecord["phase"] { return PHASE_CODES[this.b.phase[this.slot]]!; }
  set phase(x: VmRecord["phase"]) { this.b.phase[this.slot] = PHASE_CODE[x]; }
  get poweredOnAt(): number { return this.n.poweredOnAt[this.slot]; }
  set poweredOnAt(x: number) { this.n.poweredOnAt[this.slot] = x; }
  get memory(): number { return this.n.memory[this.slot]; }
  set memory(x: number) { this.n.memory[this.slot] = x; }
  get reservation(): number { return this.n.reservation[this.slot]; }
  set reservation(x: number) { this.n.reservation[this.slot] = x; }
  get overhead(): number { return this.n.overhead[this.slot]; }
  set overhead(x: number) { this.n.overhead[this.slot] = x; }
  get usedMapped(): number { return this.n.usedMapped[this.slot]; }
  set usedMapped(x: number) { this.n.usedMapped[this.slot] = x; }
  get usedCompressed(): number { return this.n.usedCompressed[this.slot]; }
  set usedCompressed(x: number) { this.n.usedCompressed[this.slot] = x; }
  get usedSwapped(): number { return this.n.usedSwapped[this.slot]; }
  set usedSwapped(x: number) { this.n.usedSwapped[this.slot] = x; }
  get freeMapped(): number { return this.n.freeMapped[this.slot]; }
  set freeMapped(x: number) { this.n.freeMapped[this.slot] = x; }
  get freeCompressed(): number { return this.n.freeCompressed[this.slot]; }
  set freeCompressed(x: number) { this.n.freeCompressed[this.slot] = x; }
  get freeSwapped(): number { return this.n.freeSwapped[this.slot]; }
  set freeSwapped(x: number) { this.n.freeSwapped[this.slot] = x; }
  get untouched(): number { return this.n.untouched[this.slot]; }
  set untouched(x: number) { this.n.untouched[this.slot] = x; }
  get balloon(): number { return this.n.balloon[this.slot]; }
  set balloon(x: number) { this.n.balloon[this.slot] = x; }
  get guestSwapped(): number { return this.n.guestSwapped[this.slot]; }
  set guestSwapped(x: number) { this.n.guestSwapped[this.slot] = x; }
  get zeroed(): number { return this.n.zeroed[this.slot]; }
  set zeroed(x: number) { this.n.zeroed[this.slot] = x; }
  get hotMapped(): number { return this.n.hotMapped[this.slot]; }
  set hotMapped(x: number) { this.n.hotMapped[this.slot] = x; }
  get hotCompressed(): number { return this.n.hotCompressed[this.slot]; }
  set hotCompressed(x: number) { this.n.hotCompressed[this.slot] = x; }
  get hotSwapped(): number { return this.n.hotSwapped[this.slot]; }
  set hotSwapped(x: number) { this.n.hotSwapped[this.slot] = x; }
  get scanned(): number { return this.n.scanned[this.slot]; }
  set scanned(x: number) { this.n.scanned[this.slot] = x; }
  get sharedZero(): number { return this.n.sharedZero[this.slot]; }
  set sharedZero(x: number) { this.n.sharedZero[this.slot] = x; }
  get sharedCommon(): number { return this.n.sharedCommon[this.slot]; }
  set sharedCommon(x: number) { this.n.sharedCommon[this.slot] = x; }
  get sharedSavings(): number { return this.n.sharedSavings[this.slot]; }
  set sharedSavings(x: number) { this.n.sharedSavings[this.slot] = x; }
  get charged(): number { return this.n.charged[this.slot]; }
  set charged(x: number) { this.n.charged[this.slot] = x; }
  get activeFast(): number { return this.n.activeFast[this.slot]; }
  set activeFast(x: number) { this.n.activeFast[this.slot] = x; }
  get activeSlow(): number { return this.n.activeSlow[this.slot]; }
  set activeSlow(x: number) { this.n.activeSlow[this.slot] = x; }
  get activeSample(): number { return this.n.activeSample[this.slot]; }
  set activeSample(x: number) { this.n.activeSample[this.slot] = x; }
  get touchCarry(): number { return this.n.touchCarry[this.slot]; }
  set touchCarry(x: number) { this.n.touchCarry[this.slot] = x; }
  get workingSet(): number { return this.n.workingSet[this.slot]; }
  set workingSet(x: number) { this.n.workingSet[this.slot] = x; }
  get wantAllocated(): number { return this.n.wantAllocated[this.slot]; }
  set wantAllocated(x: number) { this.n.wantAllocated[this.slot] = x; }
  get entitlement(): number { return this.n.entitlement[this.slot]; }
  set entitlement(x: number) { this.n.entitlement[this.slot] = x; }
  get reclaim(): number { return this.n.reclaim[this.slot]; }
  set reclaim(x: number) { this.n.reclaim[this.slot] = x; }
  get balloonTarget(): number { return this.n.balloonTarget[this.slot]; }
  set balloonTarget(x: number) { this.n.balloonTarget[this.slot] = x; }
  get balloonMax(): number { return this.n.balloonMax[this.slot]; }
  set balloonMax(x: number) { this.n.balloonMax[this.slot] = x; }
  get swapTarget(): number { return this.n.swapTarget[this.slot]; }
  set swapTarget(x: number) { this.n.swapTarget[this.slot] = x; }
  get loggedEntitlement(): number { return this.n.loggedEntitlement[this.slot]; }
  set loggedEntitlement(x: number) { this.n.loggedEntitlement[this.slot] = x; }
  get driverIdleSeconds(): number { return this.n.driverIdleSeconds[this.slot]; }
  set driverIdleSeconds(x: number) { this.n.driverIdleSeconds[this.slot] = x; }
  get stallPercent(): number { return this.n.stallPercent[this.slot]; }
  set stallPercent(x: number) { this.n.stallPercent[this.slot] = x; }
  get smartPaging(): number { return this.n.smartPaging[this.slot]; }
  set smartPaging(x: number) { this.n.smartPaging[this.slot] = x; }
  get smartPaged(): number { return this.n.smartPaged[this.slot]; }
  set smartPaged(x: number) { this.n.smartPaged[this.slot] = x; }
  get balloonStalled(): boolean { return this.b.balloonStalled[this.slot] === 1; }
  set balloonStalled(x: boolean) { this.b.balloonStalled[this.slot] = x ? 1 : 0; }
  get overLimit(): boolean { return this.b.overLimit[this.slot] === 1; }
  set overLimit(x: boolean) { this.b.overLimit[this.slot] = x ? 1 : 0; }
  get restartRequested(): boolean { return this.b.restartRequested[this.slot] === 1; }
  set restartRequested(x: boolean) { this.b.restartRequested[this.slot] = x ? 1 : 0; }
  /** null (the guest was started from off) is stored as NaN. */
  get restartedAt(): number | null { const t = this.n.restartedAt[this.slot]; return Number.isNaN(t) ? null : t; }
  set restartedAt(x: number | null) { this.n.restartedAt[this.slot] = x === null ? Number.NaN : x; }
  /** The counters view (assigning an object copies its numbers in). */
  get counters(): TickCounters { return this.#counters; }
  set counters(x: TickCounters) {
    const c = this.#counters;
    c.swapIns = x.swapIns;
    c.swapOuts = x.swapOuts;
    c.compressions = x.compressions;
    c.decompressions = x.decompressions;
    c.guestPageIns = x.guestPageIns;
    c.guestPageOuts = x.guestPageOuts;
    c.stalledPages = x.stalledPages;
    c.stalledGrowth = x.stalledGrowth;
    c.doublePagings = x.doublePagings;
  }

  /** Moves this view onto a private one-slot copy of its columns, and its decision records onto their own (the VM left the model). */
  detach(from: VmColumns): void {
    this.decisions.detach();
    const own = newVmColumns(1, false);
    from.copySlot(this.slot, own, 0);
    this.n = own.f64;
    this.b = own.u8;
    this.slot = 0;
    this.#counters.n = own.f64;
    this.#counters.slot = 0;
  }

  /** The plain record, in the snapshot's field order. */
  toJSON(): VmRecord {
    return {
      key: this.key,
      namespace: this.namespace,
      name: this.name,
      generation: this.generation,
      createdAt: this.createdAt,
      spec: this.spec,
      hostName: this.hostName,
      phase: this.phase,
      admission: this.admission,

      poweredOnAt: this.poweredOnAt,
      memory: this.memory,
      reservation: this.reservation,
      overhead: this.overhead,
      usedMapped: this.usedMapped,
      usedCompressed: this.usedCompressed,
      usedSwapped: this.usedSwapped,
      freeMapped: this.freeMapped,
      freeCompressed: this.freeCompressed,
      freeSwapped: this.freeSwapped,
      untouched: this.untouched,
      balloon: this.balloon,
      guestSwapped: this.guestSwapped,
      zeroed: this.zeroed,
      hotMapped: this.hotMapped,
      hotCompressed: this.hotCompressed,
      hotSwapped: this.hotSwapped,
      scanned: this.scanned,
      sharedZero: this.sharedZero,
      sharedCommon: this.sharedCommon,
      sharedSavings: this.sharedSavings,
      charged: this.charged,
      activeFast: this.activeFast,
      activeSlow: this.activeSlow,
      activeSample: this.activeSample,
      touchCarry: this.touchCarry,
      workingSet: this.workingSet,
      wantAllocated: this.wantAllocated,
      entitlement: this.entitlement,
      reclaim: this.reclaim,
      balloonTarget: this.balloonTarget,
      balloonMax: this.balloonMax,
      swapTarget: this.swapTarget,
      loggedEntitlement: this.loggedEntitlement,
      balloonStalled: this.balloonStalled,
      driverIdleSeconds: this.driverIdleSeconds,
      overLimit: this.overLimit,
      counters: this.#counters.toJSON(),
      stallPercent: this.stallPercent,
      restartSeen: this.restartSeen,
      restartRequested: this.restartRequested,
      restartedAt: this.restartedAt,
      smartPaging: this.smartPaging,
      smartPaged: this.smartPaged,
      decisions: this.decisions,
    };
  }
}

/** One host as the model tracks it: a view of its slot in the host columns. */
export class HostView implements HostRecord {
  vms: string[] = [];
  decisions: DecisionRing = new DecisionRing();
  declare ksm?: KsmState;
  /** The number columns this view reads (the model's, or a private copy once detached). */
  n: HostNumbers;
  /** The byte columns this view reads. */
  b: HostColumns["u8"];

  constructor(
    /** The host's slot in the columns. */
    public slot: number,
    columns: HostColumns,
    readonly name: string,
    public generation: number,
    public spec: ResolvedHost,
  ) {
    this.n = columns.f64;
    this.b = columns.u8;
  }

  get state(): HostMemoryState { return HOST_STATE_CODES[this.b.state[this.slot]]!; }
  set state(x: HostMemoryState) { this.b.state[this.slot] = STATE_CODE[x]; }
  get free(): number { return this.n.free[this.slot]; }
  set free(x: number) { this.n.free[this.slot] = x; }
  get climbSince(): number { return this.n.climbSince[this.slot]; }
  set climbSince(x: number) { this.n.climbSince[this.slot] = x; }
  get reserved(): number { return this.n.reserved[this.slot]; }
  set reserved(x: number) { this.n.reserved[this.slot] = x; }
  get swapFiles(): number { return this.n.swapFiles[this.slot]; }
  set swapFiles(x: number) { this.n.swapFiles[this.slot] = x; }
  get pageOutLeft(): number { return this.n.pageOutLeft[this.slot]; }
  set pageOutLeft(x: number) { this.n.pageOutLeft[this.slot] = x; }
  get pageInLeft(): number { return this.n.pageInLeft[this.slot]; }
  set pageInLeft(x: number) { this.n.pageInLeft[this.slot] = x; }

  /** Moves this view onto a private one-slot copy of its columns (the host left the model). */
  detach(from: HostColumns): void {
    const own = newHostColumns(1, false);
    from.copySlot(this.slot, own, 0);
    this.n = own.f64;
    this.b = own.u8;
    this.slot = 0;
  }

  /** The plain record, in the snapshot's field order (`ksm` last, when set). */
  toJSON(): HostRecord {
    const out: HostRecord = {
      name: this.name,
      generation: this.generation,
      spec: this.spec,
      free: this.free,
      state: this.state,
      climbSince: this.climbSince,
      reserved: this.reserved,
      swapFiles: this.swapFiles,
      pageOutLeft: this.pageOutLeft,
      pageInLeft: this.pageInLeft,
      vms: this.vms,
      decisions: this.decisions,
    };
    if (this.ksm !== undefined) out.ksm = this.ksm;
    return out;
  }
}
