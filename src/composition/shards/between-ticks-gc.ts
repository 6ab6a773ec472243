/**
 * A shard's worker thread collects its garbage between ticks (docs/performance.md, *Memory*).
 *
 * V8 lets an isolate's old generation grow to up to 4× what was alive after its last full
 * collection before it collects again. A shard's worker promotes what a busy tick's log and
 * decisions leave behind, so at 100k VMs its heap swung between ≈ 190 and ≈ 740 MiB — most of
 * the process's RSS above one thread's. Here the worker collects once its heap has grown by 15 %
 * (and at least 12 MiB) since the last time, right after it has answered a tick's `phase2`:
 * the main thread is then merging the shards' transcripts and finishing the tick, so the
 * collection mostly runs while the main thread would not be waiting for this one anyway.
 *
 * Node exposes no way to ask for a collection without `--expose-gc`; this takes V8's `gc`
 * from a fresh context with that flag set for a moment, as jest's leak detector does.
 */
import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

const MiB = 2 ** 20;
/**
 * Collect when the heap in use has grown to this many times what was alive after the last
 * collection … (since lazy log entries are built on the main thread, a busy 50 000-VM shard
 * promotes ≈ 2 MiB a tick, so this is a collection of its ≈ 180 MiB every ≈ 15 ticks:
 * docs/performance.md, *Session 9*)
 */
const GROWTH = 1.15;
/** … and by at least this much. */
const MIN_GROWTH_BYTES = 12 * MiB;

/**
 * V8's full collection, for this isolate (see the module comment), or undefined when it could
 * not be had this time: V8's flags are the process's, and two worker threads that set and reset
 * the flag at once can leave one of them without `gc` (it asks again at its next collection).
 */
export function fullCollection(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === "function") return exposed;
  try {
    if (runInNewContext("typeof gc") === "function") return runInNewContext("gc") as () => void; // the flag is on already
    setFlagsFromString("--expose-gc");
    try {
      return runInNewContext("typeof gc") === "function" ? (runInNewContext("gc") as () => void) : undefined;
    } finally {
      setFlagsFromString("--no-expose-gc"); // contexts made from now on do not get `gc`
    }
  } catch {
    return undefined;
  }
}

/** The heap in use, bytes. */
const heapInUse = (): number => getHeapStatistics().used_heap_size;

/** Collects when the heap has grown enough since the last collection it ran (see the module comment). */
export class BetweenTicksCollector {
  /** Heap in use after the last collection this ran (0: none yet). */
  #live = 0;
  /** Collections run (for tests and the benchmark). */
  collections = 0;

  /** The collection, once had (V8's is asked for at the first collection, not at start-up, when every worker starts at once). */
  #collect: (() => void) | undefined;

  constructor(
    /** Runs a full collection (V8's, by default). */
    collect?: () => void,
    /** Reads the heap in use. */
    private readonly inUse: () => number = heapInUse,
  ) {
    this.#collect = collect;
  }

  /** Runs a full collection if the heap in use grew past the threshold; returns whether it did. */
  maybeCollect(): boolean {
    if (this.inUse() < Math.max(this.#live * GROWTH, this.#live + MIN_GROWTH_BYTES)) return false;
    this.#collect ??= fullCollection();
    if (this.#collect === undefined) return false; // not this time
    this.#collect();
    this.#live = this.inUse();
    this.collections++;
    return true;
  }
}
