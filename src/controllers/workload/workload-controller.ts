/**
 * workload controller — the guests themselves (docs/memory-model.md §3, §12).
 *
 * Why it exists: controllers react to a world that changes. Each tick every running guest's
 * workload steps: allocation grows (free pages first, then untouched ones that need new host
 * pages), shrinks (pages become guest-free while the host keeps them — the seed's core example),
 * and its working set is touched, faulting in swapped, compressed and guest-swapped pages.
 * Disabling it freezes every guest, which is sometimes what an experiment wants.
 */
import { injectable } from "inversify";
import type { ReconcileContext } from "../../engine/controller.js";
import type { VmRecord } from "../../hypervisor/ledger.js";
import { VmRecordController } from "../shared/record-controller.js";

/** Steps each running guest's workload. */
@injectable()
export class WorkloadController extends VmRecordController {
  readonly name = "workload";

  protected reconcileVm(vm: VmRecord, _object: unknown, ctx: ReconcileContext): void {
    if (vm.phase === "Running") ctx.model.stepGuest(vm, ctx.timeSeconds, ctx.tickSeconds);
  }
}
