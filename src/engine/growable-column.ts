/**
 * Typed columns a tick appends to: its log (tick-log.ts) and a shard's transcript
 * (composition/shards/transcript.ts). Values live off the V8 heap and the array is doubled when
 * full, so a busy tick grows no JS arrays — arrays that live as long as the tick outlive the
 * young generation and were most of what the collector promoted and then had to mark
 * (docs/performance.md, *Memory*). `take()` copies the used part into an array of its own (a
 * transcript crosses threads by transfer) and starts again, keeping the capacity.
 */
type TypedArray = Int32Array | Float64Array | Uint8Array;

/** Appends to a typed array kept across ticks. */
export class GrowableColumn<T extends TypedArray> {
  #values: T;
  #length = 0;

  constructor(private readonly make: (length: number) => T, initial = 256) {
    this.#values = make(initial);
  }

  /** How many values were pushed since the last {@link take}. */
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

  /** The values pushed since the last take, in an array of their own; the column starts empty again. */
  take(): T {
    const out = this.#values.slice(0, this.#length) as T;
    this.#length = 0;
    return out;
  }

  #grow(need: number): void {
    const bigger = this.make(Math.max(this.#values.length * 2, this.#length + need));
    bigger.set(this.#values.subarray(0, this.#length) as never);
    this.#values = bigger;
  }
}

/** A growable `Int32Array` column. */
export const int32Column = (initial?: number): GrowableColumn<Int32Array> => new GrowableColumn((n) => new Int32Array(n), initial);
/** A growable `Float64Array` column. */
export const float64Column = (initial?: number): GrowableColumn<Float64Array> => new GrowableColumn((n) => new Float64Array(n), initial);
/** A growable `Uint8Array` column. */
export const uint8Column = (initial?: number): GrowableColumn<Uint8Array> => new GrowableColumn((n) => new Uint8Array(n), initial);
