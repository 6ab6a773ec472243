/**
 * Typed columns a tick appends to: its log (tick-log.ts) and a shard's transcript
 * (composition/shards/transcript.ts). Values live off the V8 heap and the array is doubled when
 * full, so a busy tick grows no JS arrays — arrays that live as long as the tick outlive the
 * young generation and were most of what the collector promoted and then had to mark
 * (docs/performance.md, *Memory*). `view()` hands out the used part without a copy and starts
 * again, keeping the capacity. A *shared* column keeps its values in a SharedArrayBuffer: a shard's transcript crosses to the main
 * thread that way every tick, so no tick allocates (and later frees) megabytes of buffers
 * outside the V8 heap, which the C library then kept (docs/performance.md, *Session 9*).
 */
type TypedArray = Int32Array | Float64Array | Uint8Array;

/** Appends to a typed array kept across ticks. */
export class GrowableColumn<T extends TypedArray> {
  #values: T;
  #length = 0;

  constructor(
    /** Makes the column's array of `length` values. */
    private readonly make: (length: number) => T,
    initial = 256,
  ) {
    this.#values = make(initial);
  }

  /** How many values were pushed since the last {@link view}. */
  get length(): number {
    return this.#length;
  }

  /** The value at `i` (below {@link length}). */
  at(i: number): number {
    return this.#values[i]!;
  }

  /** Appends one value. */
  push(v: number): void {
    if (this.#length === this.#values.length) this.#grow(1);
    this.#values[this.#length++] = v;
  }

  /** Appends three values (a transcript position). */
  push3(a: number, b: number, c: number): void {
    if (this.#length + 3 > this.#values.length) this.#grow(3);
    const x = this.#values;
    const n = this.#length;
    x[n] = a;
    x[n + 1] = b;
    x[n + 2] = c;
    this.#length = n + 3;
  }

  /** Appends six values (a lazy entry's numbers, an entry's references). */
  push6(a: number, b: number, c: number, d: number, e: number, f: number): void {
    if (this.#length + 6 > this.#values.length) this.#grow(6);
    const x = this.#values;
    const n = this.#length;
    x[n] = a;
    x[n + 1] = b;
    x[n + 2] = c;
    x[n + 3] = d;
    x[n + 4] = e;
    x[n + 5] = f;
    this.#length = n + 6;
  }

  /**
   * The values pushed since the last view, as a view of the column's own array (no
   * copy); the column starts empty again. The view's values hold until the next push: whoever
   * reads it (the main thread, a transcript) is done with it before the column's next tick.
   */
  view(): T {
    const out = this.#values.subarray(0, this.#length) as T;
    this.#length = 0;
    return out;
  }

  #grow(need: number): void {
    const bigger = this.make(Math.max(this.#values.length * 2, this.#length + need));
    bigger.set(this.#values.subarray(0, this.#length) as never);
    this.#values = bigger;
  }
}

/** The memory of a column of `length` values of `bytes` bytes: shared between threads, or not. */
const memory = (length: number, bytes: number, shared: boolean): ArrayBuffer | SharedArrayBuffer =>
  shared ? new SharedArrayBuffer(length * bytes) : new ArrayBuffer(length * bytes);

/** A growable `Int32Array` column (in a SharedArrayBuffer when `shared`). */
export const int32Column = (initial?: number, shared = false): GrowableColumn<Int32Array> =>
  new GrowableColumn((n) => new Int32Array(memory(n, 4, shared)), initial);
/** A growable `Float64Array` column (in a SharedArrayBuffer when `shared`). */
export const float64Column = (initial?: number, shared = false): GrowableColumn<Float64Array> =>
  new GrowableColumn((n) => new Float64Array(memory(n, 8, shared)), initial);
/** A growable `Uint8Array` column (in a SharedArrayBuffer when `shared`). */
export const uint8Column = (initial?: number, shared = false): GrowableColumn<Uint8Array> =>
  new GrowableColumn((n) => new Uint8Array(memory(n, 1, shared)), initial);
