/**
 * Where decision records live (decisions.ts): a {@link DecisionTable} holds the rings of many
 * objects in shared per-type columns — for each record type one column per field, indexed by
 * `ring slot × retention + position` — the way the model's columns (columns.ts) hold page
 * counts. A VM's ring is a slot in its model's table, so 100 000 VMs' records are a few dozen
 * large arrays, not hundreds of thousands of small buffers.
 *
 * Columns are as narrow as the values allow: numbers in an `Int32Array` while every value
 * stored in that column is a whole number in range, switching the column to a `Float64Array`
 * at the first value that is not (so every value reads back exactly); strings as 16-bit codes
 * of one process-wide text table; booleans as bytes. Records that do not fit their codec, and
 * the rarer admission and host-state records, are kept as objects.
 */
import { SlotPool } from "./columns.js";
import type { DecisionRecord } from "./decisions.js";

/**
 * How many decision records of each type each VM keeps (the oldest of that type are dropped
 * first). Eight per type bound a VM's history to ≈ 1.4 KB of columns at most (8 records × ≈ 20
 * fields of 4 or 8 bytes per type); at 100 000 VMs that is what the decision records may cost.
 */
export const DECISION_RETENTION = 8;

/** How many state-change records each host keeps: hosts are few, and `advise` reads time under pressure from them. */
export const HOST_DECISION_RETENTION = 16;

/** Record types every VM keeps (its entitlement, each tick it runs): their columns have a row per ring slot. */
const DENSE_TYPES: ReadonlySet<DecisionRecord["type"]> = new Set(["entitlement"]);

/** The record types, in the order of a table's per-type columns. */
export const DECISION_TYPES: readonly DecisionRecord["type"][] = ["entitlement", "balloon", "swap", "admission", "hostState"];

/**
 * How a record type is kept in columns, field by field in the record's (and so the JSON's) key
 * order; `a.b` is field `b` of the nested object `a`. Kinds: `n` number, `z` number or null,
 * `o` number or absent, `b` boolean, `s` string, `S` string, null or absent.
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

const COMPILED: readonly (Codec | undefined)[] = DECISION_TYPES.map((t) => (CODECS[t] === undefined ? undefined : compile(CODECS[t])));

/** Texts by code (reasons, labels, guest-OS names: a few dozen), process-wide. */
const TEXTS: string[] = [];
const TEXT_CODES = new Map<string, number>();
/** Text codes stop below these two, which stand for an absent field and for null. */
const TEXT_ABSENT = 0xffff;
const TEXT_NULL = 0xfffe;
/** The code of a text, or -1 when the table is full (the record is then kept as an object). */
const textCode = (s: string): number => {
  let code = TEXT_CODES.get(s);
  if (code === undefined) {
    if (TEXTS.length >= TEXT_NULL) return -1;
    code = TEXTS.length;
    TEXTS.push(s);
    TEXT_CODES.set(s, code);
  }
  return code;
};

/** Null or absent in an `Int32Array` number column (NaN in a `Float64Array` one). */
const INT_NULL = -0x80000000;

/** A number column: 32-bit integers until a value needs a 64-bit float (see the module comment). NaN stands for null or absent. */
class NumberColumn {
  ints: Int32Array | undefined;
  floats: Float64Array | undefined;

  constructor(length: number) {
    this.ints = new Int32Array(length);
  }

  set(i: number, x: number): void {
    const ints = this.ints;
    if (ints === undefined) this.floats![i] = x;
    else if ((x | 0) === x && x !== INT_NULL && (x !== 0 || 1 / x > 0)) ints[i] = x;
    else if (Number.isNaN(x)) ints[i] = INT_NULL;
    else {
      this.#widen();
      this.floats![i] = x;
    }
  }

  get(i: number): number {
    const ints = this.ints;
    if (ints === undefined) return this.floats![i]!;
    const x = ints[i]!;
    return x === INT_NULL ? Number.NaN : x;
  }

  resize(length: number): void {
    if (this.ints !== undefined) {
      const ints = new Int32Array(length);
      ints.set(this.ints.subarray(0, Math.min(length, this.ints.length)));
      this.ints = ints;
    } else {
      const floats = new Float64Array(length);
      floats.set(this.floats!.subarray(0, Math.min(length, this.floats!.length)));
      this.floats = floats;
    }
  }

  #widen(): void {
    const ints = this.ints!;
    const floats = new Float64Array(ints.length);
    for (let i = 0; i < ints.length; i++) floats[i] = ints[i] === INT_NULL ? Number.NaN : ints[i]!;
    this.floats = floats;
    this.ints = undefined;
  }
}

/** `a` copied into a new array of `length` values (cut or zero-filled). */
function grown<T extends Uint8Array | Uint16Array | Int32Array>(a: T, make: (n: number) => T, length: number): T {
  const b = make(length);
  b.set(a.subarray(0, Math.min(length, a.length)) as never);
  return b;
}

/**
 * One record type's columns in a table: per ring slot its newest `keep` records (see
 * {@link DecisionTable}). A ring slot gets a *row* of `keep` records in the columns at its first
 * record of this type, and gives it back when cleared: most VMs never balloon or swap, so at
 * 100 000 VMs the balloon and swap columns hold the third of the VMs that did, not every VM
 * (≈ 50 MiB less over both threads of a 2-worker engine; docs/performance.md, *Session 9*). A {@link DENSE_TYPES dense} type (every VM
 * records it) keeps row = slot and is sized with the table, as before: grown row by row, a
 * million VMs' entitlement columns were copied a dozen times in their first tick, and the copies
 * were garbage the size of the columns.
 */
export class TypeColumns {
  /** Per ring slot: where its oldest record is, and how many it holds. */
  start: Uint8Array;
  count: Uint8Array;
  /** Per ring slot: its row in the columns, −1 before its first record. */
  row: Int32Array;
  /** Rows the columns hold, rows given back (taken again before new ones), rows in use. */
  #rows = 0;
  readonly #freeRows: number[] = [];
  #usedRows = 0;
  /** Per record: its order among all of its ring's records. */
  readonly seq: NumberColumn;
  readonly numbers: (NumberColumn | undefined)[];
  texts: (Uint16Array | undefined)[];
  flags: (Uint8Array | undefined)[];
  /** Records kept as objects, by record index. */
  objects: Map<number, DecisionRecord> | undefined;

  constructor(
    readonly type: DecisionRecord["type"],
    readonly keep: number,
    readonly codec: Codec | undefined,
    capacity: number,
    /** Every ring records this type: rows are the slots (see the class comment). */
    readonly dense = false,
  ) {
    this.start = new Uint8Array(capacity);
    this.count = new Uint8Array(capacity);
    this.row = new Int32Array(capacity).fill(-1);
    this.seq = new NumberColumn(0);
    const kinds = codec?.kinds ?? [];
    this.numbers = kinds.map((k) => (k === "n" || k === "z" || k === "o" ? new NumberColumn(0) : undefined));
    this.texts = kinds.map((k) => (k === "s" || k === "S" ? new Uint16Array(0) : undefined));
    this.flags = kinds.map((k) => (k === "b" ? new Uint8Array(0) : undefined));
    if (dense) this.#growRows(capacity);
  }

  /** Grows the per-slot arrays to `capacity` ring slots (the columns grow by rows, as slots first record). */
  resize(capacity: number): void {
    this.start = grown(this.start, (k) => new Uint8Array(k), capacity);
    this.count = grown(this.count, (k) => new Uint8Array(k), capacity);
    const old = this.row.length;
    this.row = grown(this.row, (k) => new Int32Array(k), capacity);
    this.row.fill(-1, old);
    if (this.dense) this.#growRows(capacity);
  }

  /** The record index the next record of ring `slot` goes in (dropping the oldest when full). */
  next(slot: number, seq: number): number {
    const keep = this.keep;
    let at: number;
    const count = this.count[slot]!;
    const start = this.start[slot]!;
    if (count < keep) {
      at = (start + count) % keep;
      this.count[slot] = count + 1;
    } else {
      at = start;
      this.start[slot] = (start + 1) % keep;
    }
    let row = this.row[slot]!;
    if (row < 0) row = this.row[slot] = this.dense ? slot : this.#takeRow();
    const index = row * keep + at;
    this.seq.set(index, seq);
    this.objects?.delete(index);
    return index;
  }

  /** Record index of ring `slot`'s i-th kept record, oldest first (the slot holds more than i). */
  index(slot: number, i: number): number {
    return this.row[slot]! * this.keep + ((this.start[slot]! + i) % this.keep);
  }

  /** Forgets ring `slot`'s records (and gives its row back). */
  clear(slot: number): void {
    const row = this.row[slot]!;
    if (row >= 0) {
      if (this.objects !== undefined) for (let i = 0; i < this.count[slot]!; i++) this.objects.delete(this.index(slot, i));
      if (!this.dense) {
        this.#freeRows.push(row);
        this.#usedRows--;
      }
      this.row[slot] = -1;
    }
    this.start[slot] = 0;
    this.count[slot] = 0;
  }

  /** A row for a slot's first record: one given back, else a new one (the columns grow by half, or to as many rows as ring slots). */
  #takeRow(): number {
    this.#usedRows++;
    const given = this.#freeRows.pop();
    if (given !== undefined) return given;
    const row = this.#usedRows - 1;
    if (row >= this.#rows) this.#growRows(Math.max(row + 1, Math.min(Math.max(64, Math.ceil(this.#rows * 1.5)), this.row.length)));
    return row;
  }

  /** Grows the columns to `rows` rows. */
  #growRows(rows: number): void {
    this.#rows = rows;
    const n = rows * this.keep;
    this.seq.resize(n);
    for (const c of this.numbers) c?.resize(n);
    this.texts = this.texts.map((c) => c && grown(c, (k) => new Uint16Array(k), n));
    this.flags = this.flags.map((c) => c && grown(c, (k) => new Uint8Array(k), n));
  }

  /** Stores `r` at `index` in the columns; false when it does not fit the codec (then the index's columns mean nothing). */
  encode(index: number, r: DecisionRecord): boolean {
    if (this.codec === undefined) return false;
    const { outer, inner, kinds, nested } = this.codec;
    const n = kinds.length;
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
      if (kind === "s" || kind === "S") {
        let code: number;
        if (typeof value === "string") code = textCode(value);
        else if (kind === "S" && value === null) code = TEXT_NULL;
        else if (kind === "S" && absent) code = TEXT_ABSENT;
        else return false;
        if (code < 0) return false;
        this.texts[f]![index] = code;
      } else if (kind === "b") {
        if (typeof value !== "boolean") return false;
        this.flags[f]![index] = value ? 1 : 0;
      } else if (typeof value === "number" && !Number.isNaN(value)) this.numbers[f]!.set(index, value);
      else if ((kind === "z" && value === null) || (kind === "o" && absent)) this.numbers[f]!.set(index, Number.NaN);
      else return false;
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

  /** The record at `index`, as a fresh object (or the kept object). */
  decode(index: number): DecisionRecord {
    const stored = this.objects?.get(index);
    if (stored !== undefined) return stored;
    const { outer, inner, kinds } = this.codec!;
    const out: Record<string, unknown> = { type: this.type };
    for (let f = 0; f < kinds.length; f++) {
      const kind = kinds[f]!;
      let value: unknown;
      if (kind === "s" || kind === "S") {
        const code = this.texts[f]![index]!;
        if (code === TEXT_ABSENT) continue;
        value = code === TEXT_NULL ? null : TEXTS[code];
      } else if (kind === "b") value = this.flags[f]![index] === 1;
      else {
        const x = this.numbers[f]!.get(index);
        if (Number.isNaN(x)) {
          if (kind === "o") continue;
          value = null;
        } else value = x;
      }
      const sub = inner[f];
      if (sub === undefined) out[outer[f]!] = value;
      else ((out[outer[f]!] ??= {}) as Record<string, unknown>)[sub] = value;
    }
    return out as unknown as DecisionRecord;
  }

  /** The tick of the record at `index`. */
  tick(index: number): number {
    const stored = this.objects?.get(index);
    return stored !== undefined ? stored.tick : this.numbers[0]!.get(index);
  }
}

/**
 * Decision rings of many objects in shared per-type columns (see the module comment). Ring
 * slots are handed out lowest free first and given back with {@link DecisionTable.release};
 * when none is free the capacity doubles and every column is copied.
 */
export class DecisionTable {
  /** Ring slots the columns hold. */
  capacity: number;
  /** Per record type (in {@link DECISION_TYPES} order), its columns once a record of it was kept. */
  readonly types: (TypeColumns | undefined)[] = DECISION_TYPES.map(() => undefined);
  readonly #slots = new SlotPool();

  constructor(capacity = 64) {
    this.capacity = Math.max(1, capacity);
  }

  /** A free ring slot (empty in every type). */
  allocate(): number {
    return this.#slots.take(this.capacity, () => {
      this.capacity *= 2;
      for (const t of this.types) t?.resize(this.capacity);
    });
  }

  /** Makes room for `slots` ring slots in all, at once and exactly (see `ColumnTable.reserve`). */
  reserve(slots: number): void {
    if (slots <= this.capacity) return;
    this.capacity = slots;
    for (const t of this.types) t?.resize(this.capacity);
  }

  /** Gives a ring slot back (its records are forgotten). */
  release(slot: number): void {
    for (const t of this.types) t?.clear(slot);
    this.#slots.give(slot);
  }

  /** The columns of record type `t` (an index into {@link DECISION_TYPES}), made on first use. */
  columns(t: number): TypeColumns {
    const type = DECISION_TYPES[t]!;
    return (this.types[t] ??= new TypeColumns(type, type === "hostState" ? HOST_DECISION_RETENTION : DECISION_RETENTION, COMPILED[t], this.capacity, DENSE_TYPES.has(type)));
  }
}
