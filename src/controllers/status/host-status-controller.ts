/**
 * host-status controller — projects the memory model into Host status (docs/memory-model.md §12).
 *
 * Why it exists: users and embedders observe the store, not the model. Every tick it records
 * each host's state, memory accounting, overcommit, VM counts and conditions (MemoryPressure,
 * SwapSpaceLow, with their transition times) and marks the host's status stale when they moved;
 * the status object is built from them only when someone observes the host (status on demand,
 * docs/library.md).
 */
import { inject, injectable } from "inversify";
import { formatTimestamp } from "../../api/timestamps.js";
import type { Condition, Host } from "../../api/types.js";
import { TOKENS } from "../../di/tokens.js";
import type { ReconcileContext } from "../../engine/controller.js";
import type { ResolvedEngineOptions } from "../../engine/options.js";
import type { MemoryStore } from "../../store/memory-store.js";
import type { DeepReadonly } from "../../store/types.js";
import { compressedOf, swappedOf, type HostRecord } from "../../hypervisor/ledger.js";
import { describeState, underPressure } from "../../policies/host-state.js";
import { approx, hostObjectKey } from "../shared/context.js";
import { HostRecordController } from "../shared/record-controller.js";
import { HN, HOST_NUMBERS, type HostSourceData, HostStatusSource, type HostCondition } from "./host-status-source.js";

/** Share of the swap datastore below which SwapSpaceLow turns True. */
export const SWAP_SPACE_LOW_PERCENT = 10;

/** Records Host status inputs from the model. */
@injectable()
export class HostStatusController extends HostRecordController {
  readonly name = "host-status";
  protected override readonly reportsSpecProblems = true;
  /** Pending VMs per host name, counted once per tick in {@link prepare}. */
  private readonly pending = new Map<string, number>();
  /** Per model record: what its status is built from (status on demand). */
  readonly #sources = new WeakMap<HostRecord, HostStatusSource>();
  readonly #numbers = new Float64Array(HOST_NUMBERS.length);
  /** The timestamp text of the tick being run (for transition times), made on first need. */
  #stamp: { seconds: number; text: string } | undefined;

  constructor(
    @inject(TOKENS.Store) private readonly store: MemoryStore,
    @inject(TOKENS.EngineOptions) private readonly options: ResolvedEngineOptions,
  ) {
    super();
  }

  /** What this controller keeps of a host's status inputs, to carry them to another thread (worker threads). */
  departing(host: HostRecord): HostSourceData | undefined {
    return this.#sources.get(host)?.data();
  }

  /** Takes what {@link departing} kept, for the host's record on this thread. */
  arrived(host: HostRecord, kept: HostSourceData | undefined): HostStatusSource | undefined {
    if (kept === undefined) return undefined;
    const s = new HostStatusSource(host.name);
    s.setData(kept);
    this.#sources.set(host, s);
    return s;
  }

  /** Counts the pending VMs of every host (a property of the whole VM set). */
  prepare(ctx: ReconcileContext): void {
    this.pending.clear();
    for (const v of ctx.model.allVms()) {
      if (v.phase === "Pending") this.pending.set(v.spec.hostName, (this.pending.get(v.spec.hostName) ?? 0) + 1);
    }
  }

  /** Records one host's status inputs from the model and marks its status stale when they moved. */
  protected reconcileHost(host: HostRecord, object: DeepReadonly<Host>, ctx: ReconcileContext): void {
    const vms = ctx.model.vmsOf(host);
    let consumed = 0, overhead = 0, ballooned = 0, swapped = 0, compressed = 0, savings = 0, configured = 0;
    for (const v of vms) {
      consumed += ctx.model.consumed(v);
      overhead += v.overhead;
      ballooned += v.balloon;
      swapped += swappedOf(v);
      compressed += compressedOf(v);
      savings += Math.min(v.sharedSavings, v.usedMapped + v.freeMapped);
      configured += v.memory;
    }
    const { capacity, vmkernelReserved, minFree } = host.spec;
    let s = this.#sources.get(host);
    const fresh = s === undefined;
    if (s === undefined) {
      s = new HostStatusSource(host.name);
      this.#sources.set(host, s);
      this.#storedConditions(host, s);
    }
    const n = this.#numbers;
    n[HN.capacity] = capacity;
    n[HN.minFree] = minFree;
    n[HN.free] = host.free;
    n[HN.consumed] = consumed;
    n[HN.overhead] = overhead;
    n[HN.reserved] = host.reserved;
    n[HN.unreserved] = capacity - vmkernelReserved - host.reserved;
    n[HN.ballooned] = ballooned;
    n[HN.swapped] = swapped;
    n[HN.compressed] = compressed;
    n[HN.sharedSavings] = savings;
    n[HN.overcommit] = Math.round((configured / capacity) * 1000) / 1000;
    n[HN.running] = vms.length;
    n[HN.pending] = this.pending.get(host.name) ?? 0;
    n[HN.observedGeneration] = object.metadata.generation ?? 0;
    let moved = fresh || s.state !== host.state || !sameNumbers(s.n, n);
    s.n.set(n);
    s.state = host.state;
    const pressure = underPressure(host);
    moved = this.#set(s.pressure, pressure, pressure ? `State${cap(host.state)}` : "EnoughFreeMemory", describeState(host), ctx) || moved;
    // Swap files are created at power-on with their full size (memory − reservation), so the
    // datastore space that matters is what the running VMs' files leave, as admission counts it.
    const left = host.spec.swap.capacity - host.swapFiles;
    const low = Number.isFinite(left) && left * 100 < host.spec.swap.capacity * SWAP_SPACE_LOW_PERCENT;
    const swapMessage = Number.isFinite(left)
      ? `${approx(Math.max(0, left))} of ${approx(host.spec.swap.capacity)} swap datastore not taken by swap files (${approx(host.swapFiles)} for running VMs)`
      : "swap datastore is unlimited";
    moved = this.#set(s.swapLow, low, low ? "SwapDatastoreNearlyFull" : "SwapSpaceAvailable", swapMessage, ctx) || moved;
    if (moved) this.store.deferStatus("Host", host.name, undefined, s);
    if (low) ctx.store.recordEvent(hostObjectKey(host), "Warning", "SwapSpaceLow", `swap datastore of ${host.name} has ${approx(left)} left`);
  }

  /** Sets a condition's parts; a status change moves its transition time. Returns whether anything changed. */
  #set(c: HostCondition, on: boolean, reason: string, message: string, ctx: ReconcileContext): boolean {
    if (c.on === on && c.since !== undefined) {
      if (c.reason === reason && c.message === message) return false;
      c.reason = reason;
      c.message = message;
      return true;
    }
    c.on = on;
    c.reason = reason;
    c.message = message;
    c.since = this.#now(ctx);
    return true;
  }

  /** A new host's conditions as the stored (e.g. restored) status has them. */
  #storedConditions(host: HostRecord, s: HostStatusSource): void {
    const conditions = (this.store.get("Host", host.name)?.status?.conditions ?? []) as readonly Readonly<Condition>[];
    for (const c of [s.pressure, s.swapLow]) {
      const stored = conditions.find((x) => x.type === c.type);
      if (stored === undefined) continue;
      c.on = stored.status === "True";
      c.since = stored.lastTransitionTime;
    }
  }

  #now(ctx: ReconcileContext): string {
    if (this.#stamp === undefined || this.#stamp.seconds !== ctx.timeSeconds) {
      this.#stamp = { seconds: ctx.timeSeconds, text: formatTimestamp(ctx.timeSeconds, this.options.epoch) };
    }
    return this.#stamp.text;
  }
}

function sameNumbers(a: Float64Array, b: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

const cap = (s: string): string => s[0]!.toUpperCase() + s.slice(1);
