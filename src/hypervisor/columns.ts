/**
 * The model's columns (docs/architecture.md, *The columnar model*): every per-VM and per-host
 * number lives in a typed array indexed by a dense slot, backed by a SharedArrayBuffer so worker
 * threads can read and write the same memory.
 *
 * A {@link ColumnTable} holds one `Float64Array` per number field (pages, rates, targets,
 * averages, counters; a 64-bit float holds every value a plain field held, so results stay
 * byte-identical) and one `Uint8Array` per flag or small enum. All `Float64Array` columns share
 * one SharedArrayBuffer (`numbers`, column `i` at byte `i × capacity × 8`), all `Uint8Array`
 * columns another (`bytes`, column `i` at byte `i × capacity`).
 *
 * Slots: {@link ColumnTable.allocate} hands out the lowest free slot (freed slots are reused,
 * lowest first, so the same sequence of creations and deletions gives the same slots); a fresh
 * slot reads 0 in every column. Growth: when no slot is free the capacity doubles, new buffers
 * are allocated and every column is copied; `layoutVersion` is bumped, so an observer that
 * keeps the arrays (a worker thread) checks it and takes the new `numbers`/`bytes` buffers. The
 * column objects (`f64`, `u8`) keep their identity across growth: only their arrays change. A
 * restore builds new tables (records from before it keep their own).
 */

/** The number fields of a VM record kept in columns (the record's counters last, by counter name). */
export const VM_NUMBER_COLUMNS = [
  "poweredOnAt", "memory", "reservation", "overhead",
  "usedMapped", "usedCompressed", "usedSwapped", "freeMapped", "freeCompressed", "freeSwapped", "untouched", "balloon", "guestSwapped", "zeroed",
  "hotMapped", "hotCompressed", "hotSwapped",
  "scanned", "sharedZero", "sharedCommon", "sharedSavings", "charged",
  "activeFast", "activeSlow", "activeSample", "touchCarry", "workingSet", "wantAllocated",
  "entitlement", "reclaim", "balloonTarget", "balloonMax", "swapTarget", "loggedEntitlement",
  "driverIdleSeconds", "stallPercent", "restartedAt", "smartPaging", "smartPaged",
  "swapIns", "swapOuts", "compressions", "decompressions", "guestPageIns", "guestPageOuts", "stalledPages", "stalledGrowth", "doublePagings",
] as const;
/** The flags and small enums of a VM record kept in byte columns (`phase` as {@link PHASE_CODES}). */
export const VM_BYTE_COLUMNS = ["phase", "balloonStalled", "overLimit", "restartRequested"] as const;
/** The number fields of a host record kept in columns. */
export const HOST_NUMBER_COLUMNS = ["free", "climbSince", "reserved", "swapFiles", "pageOutLeft", "pageInLeft"] as const;
/** The small enums of a host record kept in byte columns (`state` as {@link HOST_STATE_CODES}). */
export const HOST_BYTE_COLUMNS = ["state"] as const;

/** A VM's phase as stored in the `phase` column (the index is the code). */
export const PHASE_CODES = ["Pending", "Running", "Stopped"] as const;
/** A host's memory state as stored in the `state` column (the index is the code). */
export const HOST_STATE_CODES = ["high", "clear", "soft", "hard", "low"] as const;

/** Slots a new table starts with. */
const INITIAL_CAPACITY = 64;

/**
 * Dense slots handed out lowest free first, so the same sequence of takes and gives hands out
 * the same slots (the columns' and the decision table's).
 */
export class SlotPool {
  /** One past the highest slot ever handed out. */
  #high = 0;
  /** Given-back slots, kept sorted highest first so the lowest is popped. */
  #free: number[] = [];
  #freeSorted = true;

  /** Slots in use. */
  get size(): number {
    return this.#high - this.#free.length;
  }

  /** The lowest given-back slot, else the next new one (`grow` is called first when that is `capacity`). */
  take(capacity: number, grow: () => void): number {
    if (this.#free.length > 0) {
      if (!this.#freeSorted) {
        this.#free.sort((a, b) => b - a);
        this.#freeSorted = true;
      }
      return this.#free.pop()!;
    }
    if (this.#high === capacity) grow();
    return this.#high++;
  }

  /** Gives a slot back. */
  give(slot: number): void {
    this.#free.push(slot);
    this.#freeSorted = false;
  }
}

/** Typed-array columns indexed by slot, with slot allocation and growth (see the module comment). */
export class ColumnTable<N extends string, B extends string> {
  /** Number columns by field name (the object keeps its identity; its arrays change on growth). */
  readonly f64: Record<N, Float64Array>;
  /** Byte columns by field name (same). */
  readonly u8: Record<B, Uint8Array>;
  /** The buffer under every number column. */
  numbers: SharedArrayBuffer | ArrayBuffer;
  /** The buffer under every byte column. */
  bytes: SharedArrayBuffer | ArrayBuffer;
  /** Slots the columns hold. */
  capacity = 0;
  /** Bumped whenever the buffers are replaced (growth): arrays kept from before are stale. */
  layoutVersion = 0;
  readonly #slots = new SlotPool();

  constructor(
    readonly numberFields: readonly N[],
    readonly byteFields: readonly B[],
    capacity = INITIAL_CAPACITY,
    /** false for a private table (a detached record): plain ArrayBuffers. */
    readonly shared = true,
  ) {
    this.f64 = Object.fromEntries(numberFields.map((f) => [f, new Float64Array(0)])) as Record<N, Float64Array>;
    this.u8 = Object.fromEntries(byteFields.map((f) => [f, new Uint8Array(0)])) as Record<B, Uint8Array>;
    this.numbers = new ArrayBuffer(0);
    this.bytes = new ArrayBuffer(0);
    this.#allocateBuffers(Math.max(1, capacity), false);
  }

  /** Slots in use. */
  get size(): number {
    return this.#slots.size;
  }

  /** A free slot, every column 0 in it: the lowest freed one, else the next new one (growing when full). */
  allocate(): number {
    return this.#slots.take(this.capacity, () => this.#allocateBuffers(this.capacity * 2, true));
  }

  /**
   * Makes room for `slots` slots in all, at once and exactly (a sync that meets many new records:
   * growing by doubling on the way would leave up to half the columns unused).
   */
  reserve(slots: number): void {
    if (slots > this.capacity) this.#allocateBuffers(slots, true);
  }

  /** Gives a slot back (its columns are zeroed now, so a reused slot starts clean). */
  release(slot: number): void {
    for (const f of this.numberFields) this.f64[f][slot] = 0;
    for (const f of this.byteFields) this.u8[f][slot] = 0;
    this.#slots.give(slot);
  }

  /** What another thread needs to see these columns: post it to a worker and {@link ColumnTable.attach} there. */
  layout(): ColumnLayout {
    return { capacity: this.capacity, layoutVersion: this.layoutVersion, numbers: this.numbers, bytes: this.bytes };
  }

  /**
   * Columns over buffers another thread allocated (a worker's view of the model's table: the
   * same memory, no copy). It must not allocate or release slots; when the owner's
   * `layoutVersion` moves past `layout.layoutVersion`, attach again to the new buffers.
   */
  static attach<N extends string, B extends string>(numberFields: readonly N[], byteFields: readonly B[], layout: ColumnLayout): ColumnTable<N, B> {
    const t = new ColumnTable(numberFields, byteFields, 1, false);
    numberFields.forEach((f, i) => (t.f64[f] = new Float64Array(layout.numbers, i * layout.capacity * 8, layout.capacity)));
    byteFields.forEach((f, i) => (t.u8[f] = new Uint8Array(layout.bytes, i * layout.capacity, layout.capacity)));
    t.numbers = layout.numbers;
    t.bytes = layout.bytes;
    t.capacity = layout.capacity;
    t.layoutVersion = layout.layoutVersion;
    return t;
  }

  /** Copies one slot's columns into another table's slot (the same fields). */
  copySlot(slot: number, to: ColumnTable<N, B>, toSlot: number): void {
    for (const f of this.numberFields) to.f64[f][toSlot] = this.f64[f][slot]!;
    for (const f of this.byteFields) to.u8[f][toSlot] = this.u8[f][slot]!;
  }

  #allocateBuffers(capacity: number, keep: boolean): void {
    const Buffer = this.shared ? SharedArrayBuffer : ArrayBuffer;
    const numbers = new Buffer(this.numberFields.length * capacity * 8);
    const bytes = new Buffer(this.byteFields.length * capacity);
    this.numberFields.forEach((f, i) => {
      const column = new Float64Array(numbers, i * capacity * 8, capacity);
      if (keep) column.set(this.f64[f]);
      this.f64[f] = column;
    });
    this.byteFields.forEach((f, i) => {
      const column = new Uint8Array(bytes, i * capacity, capacity);
      if (keep) column.set(this.u8[f]);
      this.u8[f] = column;
    });
    this.numbers = numbers;
    this.bytes = bytes;
    this.capacity = capacity;
    this.layoutVersion++;
  }
}

/** A table's buffers and shape, as {@link ColumnTable.layout} gives them to another thread. */
export interface ColumnLayout {
  capacity: number;
  layoutVersion: number;
  numbers: SharedArrayBuffer | ArrayBuffer;
  bytes: SharedArrayBuffer | ArrayBuffer;
}

/** The VM columns. */
export type VmColumns = ColumnTable<(typeof VM_NUMBER_COLUMNS)[number], (typeof VM_BYTE_COLUMNS)[number]>;
/** The host columns. */
export type HostColumns = ColumnTable<(typeof HOST_NUMBER_COLUMNS)[number], (typeof HOST_BYTE_COLUMNS)[number]>;

/** An empty VM table (shared memory unless `shared` is false). */
export const newVmColumns = (capacity?: number, shared?: boolean): VmColumns => new ColumnTable(VM_NUMBER_COLUMNS, VM_BYTE_COLUMNS, capacity, shared);
/** The VM columns over another thread's buffers (see {@link ColumnTable.attach}). */
export const attachVmColumns = (layout: ColumnLayout): VmColumns => ColumnTable.attach(VM_NUMBER_COLUMNS, VM_BYTE_COLUMNS, layout);
/** The host columns over another thread's buffers. */
export const attachHostColumns = (layout: ColumnLayout): HostColumns => ColumnTable.attach(HOST_NUMBER_COLUMNS, HOST_BYTE_COLUMNS, layout);
/** An empty host table. */
export const newHostColumns = (capacity?: number, shared?: boolean): HostColumns => new ColumnTable(HOST_NUMBER_COLUMNS, HOST_BYTE_COLUMNS, capacity, shared);
