/**
 * host-status controller — projects the memory model into Host status (docs/memory-model.md §12).
 *
 * Why it exists: users and embedders observe the store, not the model. Every tick each host's
 * state, memory accounting, overcommit, VM counts and conditions (MemoryPressure, SwapSpaceLow)
 * are written to its status; the manager writes only what changed.
 */
import { injectable } from "inversify";
import type { HostStatus } from "../../api/types.js";
import type { ReconcileContext } from "../../engine/controller.js";
import { compressedOf, swappedOf, type HostRecord } from "../../hypervisor/ledger.js";
import { describeState, underPressure } from "../../policies/host-state.js";
import { approx, hostObjectKey, q } from "../shared/context.js";
import { HostRecordController } from "../shared/record-controller.js";

/** Share of the swap datastore below which SwapSpaceLow turns True. */
export const SWAP_SPACE_LOW_PERCENT = 10;

/** Writes Host status from the model. */
@injectable()
export class HostStatusController extends HostRecordController {
  readonly name = "host-status";
  protected override readonly reportsSpecProblems = true;
  /** Pending VMs per host name, counted once per tick in {@link prepare}. */
  private readonly pending = new Map<string, number>();

  /** Counts the pending VMs of every host (a property of the whole VM set). */
  prepare(ctx: ReconcileContext): void {
    this.pending.clear();
    for (const v of ctx.model.allVms()) {
      if (v.phase === "Pending") this.pending.set(v.spec.hostName, (this.pending.get(v.spec.hostName) ?? 0) + 1);
    }
  }

  /** Writes one host's status from the model. */
  protected reconcileHost(host: HostRecord, _object: unknown, ctx: ReconcileContext): void {
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
    const key = hostObjectKey(host);
    const obj = ctx.store.get("Host", host.name);
    const status: Partial<HostStatus> = {
      state: host.state,
      memory: {
        capacity: q(capacity),
        minFree: q(minFree),
        free: q(host.free),
        consumed: q(consumed),
        overhead: q(overhead),
        reserved: q(host.reserved),
        unreserved: q(capacity - vmkernelReserved - host.reserved),
        ballooned: q(ballooned),
        swapped: q(swapped),
        compressed: q(compressed),
        sharedSavings: q(savings),
      },
      overcommit: Math.round((configured / capacity) * 1000) / 1000,
      vms: { running: vms.length, pending: this.pending.get(host.name) ?? 0 },
      observedGeneration: obj?.metadata.generation ?? 0,
    };
    ctx.store.patchStatus(key, status);
    const pressure = underPressure(host);
    ctx.store.setCondition(key, {
      type: "MemoryPressure",
      status: pressure ? "True" : "False",
      reason: pressure ? `State${cap(host.state)}` : "EnoughFreeMemory",
      message: describeState(host),
    });
    // Swap files are created at power-on with their full size (memory − reservation), so the
    // datastore space that matters is what the running VMs' files leave, as admission counts it.
    const left = host.spec.swap.capacity - host.swapFiles;
    const low = Number.isFinite(left) && left * 100 < host.spec.swap.capacity * SWAP_SPACE_LOW_PERCENT;
    ctx.store.setCondition(key, {
      type: "SwapSpaceLow",
      status: low ? "True" : "False",
      reason: low ? "SwapDatastoreNearlyFull" : "SwapSpaceAvailable",
      message: Number.isFinite(left)
        ? `${approx(Math.max(0, left))} of ${approx(host.spec.swap.capacity)} swap datastore not taken by swap files (${approx(host.swapFiles)} for running VMs)`
        : "swap datastore is unlimited",
    });
    if (low) ctx.store.recordEvent(key, "Warning", "SwapSpaceLow", `swap datastore of ${host.name} has ${approx(left)} left`);
  }
}

const cap = (s: string): string => s[0]!.toUpperCase() + s.slice(1);
