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
import type { Controller, ReconcileContext, ReconcileRequest } from "../../engine/controller.js";
import type { StoredObject } from "../../api/types.js";
import type { VmRecord } from "../../hypervisor/ledger.js";
import type { DeepReadonly } from "../../store/types.js";
import { forEachVmRecord, vmFor } from "../shared/context.js";

/** Steps each running guest's workload. */
@injectable()
export class WorkloadController implements Controller {
  readonly name = "workload";
  readonly forKind = "VirtualMachine" as const;

  reconcile(req: ReconcileRequest, ctx: ReconcileContext): void {
    const vm = vmFor(req, ctx);
    if (vm) step(vm, ctx);
  }

  reconcileAll(objects: readonly DeepReadonly<StoredObject>[], ctx: ReconcileContext, failed: (index: number, error: unknown) => void): void {
    forEachVmRecord(objects, ctx, failed, (vm) => step(vm, ctx));
  }
}

function step(vm: VmRecord, ctx: ReconcileContext): void {
  if (vm.phase === "Running") ctx.model.stepGuest(vm, ctx.timeSeconds, ctx.tickSeconds);
}
