/**
 * Decision records (why a VM is ballooned or swapped): every controller decision that changes a
 * target keeps the inputs it used, so `memplane explain` can answer in plain words and with the
 * numbers. Records live in the memory model's per-object rings ({@link DecisionRing}: typed
 * arrays, so recording costs no allocation; saved with the state as the list of records) and
 * are bounded: the newest {@link DECISION_RETENTION} of each type per object.
 */
import type { HostMemoryState } from "../api/types.js";
import type { BalloonCapName, BalloonCaps } from "./formulas.js";

/**
 * How many decision records of each type each VM keeps (the oldest of that type are dropped
 * first). Eight per type bound a VM's history to ≈ 1.5 KB of typed arrays (8 × 8 bytes per
 * numeric field and per type); at 100 000 VMs that is what the decision records may cost.
 */
export const DECISION_RETENTION = 8;

/** How many state-change records each host keeps: hosts are few, and `advise` reads time under pressure from them. */
export const HOST_DECISION_RETENTION = 16;

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
 * How a record type is kept in numbers, field by field in the record's (and so the JSON's) key
 * order; `a.b` is field `b` of the nested object `a`. Kinds: `n` number, `z` number or null,
 * `o` number or absent, `b` boolean, `s` string, `S` string, null or absent. Strings are kept
 * as codes of one process-wide table (reasons, labels, guest-OS names: a few dozen texts).
 */
type FieldKind = "n" | "z" | "o" | "b" | "s" | "S";
const CODECS: Partial<Record<DecisionRecord["type"], readonly (readonly [path: string, kind: FieldKind])[]>> = {
  entitlement: [
    ["tick", "n"], ["entitlement", "n"], ["consumed", "n"], ["reclaim", "n"], ["shares", "n"], ["sharesLabel", "s"], ["active", "n"],
    ["touched", "n"], ["demand", "o"], ["reservation", "n"], ["limit", "z"], ["memory", "n"], ["idleTax", "n"], ["available", "n"],
    ["contended", "b"], ["lambda", "z"], ["bound", "s"], ["hostState", "s"], ["hostFree", "n"],
  ],
  balloon: [
    ["tick", "n"], ["target", "n"], ["balloon", "n"], ["reason", "s"], ["reclaim", "n"], ["entitlement", "n"], ["consumed", "n"], ["balloonMax", "n"],
    ["caps.maxPercent", "n"], ["caps.osFloor", "z"], ["caps.reservation", "n"], ["caps.maxBalloon", "z"], ["binding", "s"], ["guestOS", "s"],
    ["osMinimum", "n"], ["slack", "n"], ["maxPercent", "n"], ["gave.free", "n"], ["gave.untouched", "n"], ["gave.used", "n"], ["gave.stalled", "n"],
    ["hostState", "s"],
  ],
  swap: [
    ["tick", "n"], ["swapTarget", "n"], ["need", "n"], ["reason", "s"], ["balloonDone", "b"], ["balloonDoneReason", "S"], ["compressed", "n"],
    ["swapped", "n"], ["limitedBy", "S"], ["hostState", "s"],
  ],
};

/** A codec with its paths split once (recording a decision allocates nothing). */
interface Codec {
  /** The top-level key of each field, and for nested fields the inner key. */
  readonly outer: readonly string[];
  readonly inner: readonly (string | undefined)[];
  readonly kinds: readonly FieldKind[];
  /** The nested objects and how many keys each has. */
  readonly nested: readonly (readonly [name: string, keys: number])[];
}

function compile(fields: readonly (readonly [string, FieldKind])[]): Codec {
  const outer = fields.map(([p]) => p.split(".")[0]!);
  const inner = fields.map(([p]) => p.split(".")[1]);
  const counts = new Map<string, number>();
  fields.forEach(([p], i) => {
    if (p.includes(".")) counts.set(outer[i]!, (counts.get(outer[i]!) ?? 0) + 1);
  });
  return { outer, inner, kinds: fields.map(([, k]) => k), nested: [...counts] };
}

const COMPILED: Partial<Record<DecisionRecord["type"], Codec>> = Object.fromEntries(Object.entries(CODECS).map(([t, f]) => [t, compile(f)]));

const TEXTS: string[] = [];
const TEXT_CODES = new Map<string, number>();
const textCode = (s: string): number => {
  let code = TEXT_CODES.get(s);
  if (code === undefined) {
    code = TEXTS.length;
    TEXTS.push(s);
    TEXT_CODES.set(s, code);
  }
  return code;
};

const ABSENT = -1;
const NULL = -2;

/** One record type's ring: the newest `keep` records, as numbers (see {@link CODECS}) or, for records that do not fit, as objects. */
class TypeRing {
  /** Record i of the ring (oldest first) is at slot (start + i) % keep. */
  start = 0;
  count = 0;
  /** Order of each slot's record among all of its object's records. */
  readonly seq: Float64Array;
  readonly data: Float64Array | undefined;
  objects: (DecisionRecord | undefined)[] | undefined;

  constructor(
    readonly type: DecisionRecord["type"],
    readonly keep: number,
    readonly codec: Codec | undefined,
  ) {
    this.seq = new Float64Array(keep);
    this.data = codec === undefined ? undefined : new Float64Array(keep * codec.kinds.length);
  }

  /** The slot the next record goes in (dropping the oldest when full). */
  next(seq: number): number {
    let slot: number;
    if (this.count < this.keep) slot = (this.start + this.count++) % this.keep;
    else {
      slot = this.start;
      this.start = (this.start + 1) % this.keep;
    }
    this.seq[slot] = seq;
    if (this.objects !== undefined) this.objects[slot] = undefined;
    return slot;
  }

  /** Slot of the i-th kept record, oldest first. */
  slot(i: number): number {
    return (this.start + i) % this.keep;
  }

  /** Stores `r` in `slot` as numbers; false when it does not fit the codec (then the slot's numbers mean nothing). */
  encode(slot: number, r: DecisionRecord): boolean {
    const { outer, inner, kinds, nested } = this.codec!;
    const data = this.data!;
    const n = kinds.length;
    const base = slot * n;
    const rec = r as unknown as Record<string, unknown>;
    let present = 1 + nested.length; // type, and the nested objects
    for (let f = 0; f < n; f++) {
      const kind = kinds[f]!;
      const key = outer[f]!;
      const sub = inner[f];
      let value: unknown = rec[key];
      if (sub !== undefined) {
        if (value === null || typeof value !== "object") return false;
        value = (value as Record<string, unknown>)[sub];
      } else if (value !== undefined || key in rec) present++;
      // undefined is as absent (JSON leaves both out)
      const absent = value === undefined;
      let x: number;
      if (kind === "s" || kind === "S") {
        if (typeof value === "string") x = textCode(value);
        else if (kind === "S" && value === null) x = NULL;
        else if (kind === "S" && absent) x = ABSENT;
        else return false;
      } else if (kind === "b") {
        if (typeof value !== "boolean") return false;
        x = value ? 1 : 0;
      } else if (typeof value === "number" && !Number.isNaN(value)) x = value;
      else if (kind === "z" && value === null) x = Number.NaN;
      else if (kind === "o" && absent) x = Number.NaN;
      else return false;
      data[base + f] = x;
    }
    // no fields the codec does not know (they would be lost)
    let keys = 0;
    for (const k in rec) if (Object.hasOwn(rec, k)) keys++;
    if (keys !== present) return false;
    for (let i = 0; i < nested.length; i++) {
      const [name, expected] = nested[i]!;
      const o = rec[name] as Record<string, unknown>;
      let inside = 0;
      for (const k in o) if (Object.hasOwn(o, k)) inside++;
      if (inside !== expected) return false;
    }
    return true;
  }

  /** The record in `slot`, as a fresh object. */
  decode(slot: number): DecisionRecord {
    const stored = this.objects?.[slot];
    if (stored !== undefined) return stored;
    const { outer, inner, kinds } = this.codec!;
    const data = this.data!;
    const base = slot * kinds.length;
    const out: Record<string, unknown> = { type: this.type };
    for (let f = 0; f < kinds.length; f++) {
      const kind = kinds[f]!;
      const x = data[base + f]!;
      let value: unknown;
      if (kind === "s") value = TEXTS[x];
      else if (kind === "S") {
        if (x === ABSENT) continue;
        value = x === NULL ? null : TEXTS[x];
      } else if (kind === "b") value = x === 1;
      else if (Number.isNaN(x)) {
        if (kind === "o") continue;
        value = null;
      } else value = x;
      const sub = inner[f];
      if (sub === undefined) out[outer[f]!] = value;
      else ((out[outer[f]!] ??= {}) as Record<string, unknown>)[sub] = value;
    }
    return out as unknown as DecisionRecord;
  }

  /** The tick of the record in `slot`. */
  tick(slot: number): number {
    const stored = this.objects?.[slot];
    return stored !== undefined ? stored.tick : this.data![slot * this.codec!.kinds.length]!;
  }
}

const TYPES: readonly DecisionRecord["type"][] = ["entitlement", "balloon", "swap", "admission", "hostState"];

/**
 * An object's decision records (a VM's or a host's): per record type a ring of the newest
 * {@link DECISION_RETENTION} ({@link HOST_DECISION_RETENTION} state changes), kept in typed
 * arrays allocated once per object and type, so recording a decision allocates nothing.
 * Records become objects only when read ({@link DecisionRing.list}, {@link DecisionRing.latest}),
 * and are saved as the list of records, oldest first (`toJSON`), as before the rings.
 */
export class DecisionRing implements Iterable<DecisionRecord> {
  #rings: (TypeRing | undefined)[] = [];
  #seq = 0;

  /** A ring holding `records` (a saved list, oldest first), each type trimmed to its retention. */
  static from(records: readonly DecisionRecord[]): DecisionRing {
    const ring = new DecisionRing();
    for (const r of records) ring.record(r);
    return ring;
  }

  /** Records kept. */
  get length(): number {
    let n = 0;
    for (const r of this.#rings) if (r !== undefined) n += r.count;
    return n;
  }

  /**
   * Keeps `record`, dropping the oldest of its type past the retention. Entitlement, balloon and
   * swap records are copied into numbers (the caller may reuse the object); the rarer admission
   * and host-state records, and records of an unexpected shape, are kept as objects.
   */
  record(record: DecisionRecord): void {
    const t = TYPES.indexOf(record.type);
    if (t < 0) throw new TypeError(`unknown decision record type ${JSON.stringify(String(record.type))}`);
    const ring = (this.#rings[t] ??= new TypeRing(record.type, record.type === "hostState" ? HOST_DECISION_RETENTION : DECISION_RETENTION, COMPILED[record.type]));
    const slot = ring.next(this.#seq++);
    if (ring.codec !== undefined && ring.encode(slot, record)) return;
    (ring.objects ??= new Array<DecisionRecord | undefined>(ring.keep).fill(undefined))[slot] = record.type === "admission" || record.type === "hostState" ? record : structuredClone(record);
  }

  /** The newest record of a type at or before `tick` (latest when tick is undefined). */
  latest<T extends DecisionRecord["type"]>(type: T, tick?: number): Extract<DecisionRecord, { type: T }> | undefined {
    const ring = this.#rings[TYPES.indexOf(type)];
    if (ring === undefined) return undefined;
    for (let i = ring.count - 1; i >= 0; i--) {
      const slot = ring.slot(i);
      if (tick === undefined || ring.tick(slot) <= tick) return ring.decode(slot) as Extract<DecisionRecord, { type: T }>;
    }
    return undefined;
  }

  /** Every kept record, oldest first, as fresh objects. */
  list(): DecisionRecord[] {
    const kept: { seq: number; ring: TypeRing; slot: number }[] = [];
    for (const ring of this.#rings) {
      if (ring === undefined) continue;
      for (let i = 0; i < ring.count; i++) {
        const slot = ring.slot(i);
        kept.push({ seq: ring.seq[slot]!, ring, slot });
      }
    }
    kept.sort((a, b) => a.seq - b.seq);
    return kept.map((k) => k.ring.decode(k.slot));
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
