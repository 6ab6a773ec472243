/**
 * Decision records (why a VM is ballooned or swapped): every controller decision that changes a
 * target keeps the inputs it used, so `memplane explain` can answer in plain words and with the
 * numbers. Records live in the memory model's per-object rings ({@link DecisionRing}: slots of
 * shared per-type columns, decision-columns.ts, so recording costs no allocation; saved with the
 * state as the list of records) and are bounded: the newest {@link DECISION_RETENTION} of each type per object.
 */
import type { HostMemoryState } from "../api/types.js";
import type { BalloonCapName, BalloonCaps } from "./formulas.js";
import { DECISION_RETENTION, DECISION_TYPES, DecisionTable, HOST_DECISION_RETENTION } from "./decision-columns.js";

export { DECISION_RETENTION, DecisionTable, HOST_DECISION_RETENTION };

/** Which bound decided a VM's entitlement. */
export type EntitlementBound = "uncontended" | "reservation" | "limit" | "memory" | "demand" | "touched" | "active" | "water-level";

/** Inputs and outcome of an entitlement decision (docs/memory-model.md, *Entitlement*). Sizes in pages. */
export interface EntitlementDecision {
  type: "entitlement";
  tick: number;
  entitlement: number;
  consumed: number;
  reclaim: number;
  shares: number;
  sharesLabel: string;
  active: number;
  touched: number;
  /**
   * Demand: touched + balloon + guest-swapped + growth waiting, capped at memory (the ceiling's
   * input since balloons deflate after contention). Absent in records saved before it existed,
   * whose ceiling was max(touched, active) — bound `touched`.
   */
  demand?: number;
  reservation: number;
  limit: number | null;
  memory: number;
  idleTax: number;
  /** Memory available to the host's VMs: capacity − vmkernel − Σ overhead − minFree. */
  available: number;
  contended: boolean;
  /** The water level λ (shares per adjusted page); null without contention. */
  lambda: number | null;
  bound: EntitlementBound;
  /** Host state at the decision. */
  hostState: HostMemoryState;
  hostFree: number;
}

/** Inputs and outcome of a balloon-target decision (docs/memory-model.md, *Ballooning*). */
export interface BalloonDecision {
  type: "balloon";
  tick: number;
  target: number;
  balloon: number;
  reason: string;
  reclaim: number;
  entitlement: number;
  consumed: number;
  balloonMax: number;
  /** Each cap in pages; null for no cap (no maxBalloon, or the guest-OS floor switched off). */
  caps: { maxPercent: number; osFloor: number | null; reservation: number; maxBalloon: number | null };
  binding: BalloonCapName | "noDriver";
  guestOS: string;
  osMinimum: number;
  slack: number;
  maxPercent: number;
  /** What the guest gave this tick. */
  gave: { free: number; untouched: number; used: number; stalled: number };
  hostState: HostMemoryState;
}

/** Inputs and outcome of a swap-target decision (docs/memory-model.md, *Compression and hypervisor swapping*). */
export interface SwapDecision {
  type: "swap";
  tick: number;
  swapTarget: number;
  need: number;
  reason: string;
  balloonDone: boolean;
  /** Why the balloon could do no more: noDriver, atMaximum, stalled, unresponsive, paced (or null). */
  balloonDoneReason?: "noDriver" | "atMaximum" | "stalled" | "unresponsive" | "paced" | null;
  compressed: number;
  swapped: number;
  limitedBy?: string;
  hostState: HostMemoryState;
}

/** Outcome of admission (docs/memory-model.md, *Reservations, overhead and admission*). */
export interface AdmissionDecision {
  type: "admission";
  tick: number;
  admitted: boolean;
  reason: string;
  message: string;
}

/** Inputs of a host state change (docs/memory-model.md, *Host memory states*). */
export interface HostStateDecision {
  type: "hostState";
  tick: number;
  from: HostMemoryState;
  to: HostMemoryState;
  free: number;
  minFree: number;
  thresholds: { clear: number; soft: number; hard: number; low: number };
  hysteresisPercent: number;
  holdSeconds: number;
}

/** Any decision record. */
export type DecisionRecord = EntitlementDecision | BalloonDecision | SwapDecision | AdmissionDecision | HostStateDecision;

/**
 * An object's decision records (a VM's or a host's): per record type a ring of the newest
 * {@link DECISION_RETENTION} ({@link HOST_DECISION_RETENTION} state changes). The ring is a slot
 * of a {@link DecisionTable} (decision-columns.ts): a VM's is in its model's table, shared by
 * every VM, so recording a decision allocates nothing; a ring made on its own has a private
 * one-slot table. Records become objects only when read ({@link DecisionRing.list},
 * {@link DecisionRing.latest}), and are saved as the list of records, oldest first (`toJSON`).
 */
export class DecisionRing implements Iterable<DecisionRecord> {
  #table: DecisionTable;
  #slot: number;
  #seq = 0;

  /** A ring in `table` (a private one-slot table when none is given). */
  constructor(table?: DecisionTable) {
    this.#table = table ?? new DecisionTable(1);
    this.#slot = this.#table.allocate();
  }

  /** A ring holding `records` (a saved list, oldest first), each type trimmed to its retention; in `table` when given. */
  static from(records: readonly DecisionRecord[], table?: DecisionTable): DecisionRing {
    const ring = new DecisionRing(table);
    for (const r of records) ring.record(r);
    return ring;
  }

  /**
   * Moves the records onto a private one-slot table and gives the slot back to the shared one
   * (the object left the model: a reference kept by an embedder goes on reading its records).
   */
  detach(): void {
    const records = this.list();
    this.#table.release(this.#slot);
    this.#table = new DecisionTable(1);
    this.#slot = this.#table.allocate();
    this.#seq = 0;
    for (const r of records) this.record(r);
  }

  /** Records kept. */
  get length(): number {
    let n = 0;
    for (const t of this.#table.types) if (t !== undefined) n += t.count[this.#slot]!;
    return n;
  }

  /**
   * Keeps `record`, dropping the oldest of its type past the retention. Entitlement, balloon and
   * swap records are copied into the columns (the caller may reuse the object); the rarer
   * admission and host-state records, and records of an unexpected shape, are kept as objects.
   */
  record(record: DecisionRecord): void {
    const t = DECISION_TYPES.indexOf(record.type);
    if (t < 0) throw new TypeError(`unknown decision record type ${JSON.stringify(String(record.type))}`);
    const columns = this.#table.columns(t);
    const index = columns.next(this.#slot, this.#seq++);
    if (columns.encode(index, record)) return;
    (columns.objects ??= new Map()).set(index, record.type === "admission" || record.type === "hostState" ? record : structuredClone(record));
  }

  /** The newest record of a type at or before `tick` (latest when tick is undefined). */
  latest<T extends DecisionRecord["type"]>(type: T, tick?: number): Extract<DecisionRecord, { type: T }> | undefined {
    const columns = this.#table.types[DECISION_TYPES.indexOf(type)];
    if (columns === undefined) return undefined;
    for (let i = columns.count[this.#slot]! - 1; i >= 0; i--) {
      const index = columns.index(this.#slot, i);
      if (tick === undefined || columns.tick(index) <= tick) return columns.decode(index) as Extract<DecisionRecord, { type: T }>;
    }
    return undefined;
  }

  /** Every kept record, oldest first, as fresh objects. */
  list(): DecisionRecord[] {
    const kept: { seq: number; t: number; index: number }[] = [];
    this.#table.types.forEach((columns, t) => {
      if (columns === undefined) return;
      for (let i = 0; i < columns.count[this.#slot]!; i++) {
        const index = columns.index(this.#slot, i);
        kept.push({ seq: columns.seq.get(index), t, index });
      }
    });
    kept.sort((a, b) => a.seq - b.seq);
    return kept.map((k) => this.#table.types[k.t]!.decode(k.index));
  }

  [Symbol.iterator](): Iterator<DecisionRecord> {
    return this.list()[Symbol.iterator]();
  }

  /** The saved form: the records, oldest first. */
  toJSON(): DecisionRecord[] {
    return this.list();
  }
}

/**
 * Appends a record to an object's ring, keeping the newest {@link DECISION_RETENTION} of each
 * type ({@link HOST_DECISION_RETENTION} host state changes), so a VM swapped every tick does not
 * push out its balloon and entitlement history. The ring copies the record's fields.
 */
export function recordDecision(ring: DecisionRing, record: DecisionRecord): void {
  ring.record(record);
}

/** The newest record of a type at or before `tick` (latest when tick is undefined). */
export function decisionAt<T extends DecisionRecord["type"]>(
  ring: DecisionRing | readonly DecisionRecord[],
  type: T,
  tick?: number,
): Extract<DecisionRecord, { type: T }> | undefined {
  if (ring instanceof DecisionRing) return ring.latest(type, tick);
  for (let i = ring.length - 1; i >= 0; i--) {
    const r = ring[i]!;
    if (r.type === type && (tick === undefined || r.tick <= tick)) return r as Extract<DecisionRecord, { type: T }>;
  }
  return undefined;
}

/** Caps with Infinity replaced by null (JSON-safe). */
export function jsonCaps(caps: BalloonCaps): BalloonDecision["caps"] {
  return { ...caps, osFloor: Number.isFinite(caps.osFloor) ? caps.osFloor : null, maxBalloon: Number.isFinite(caps.maxBalloon) ? caps.maxBalloon : null };
}
