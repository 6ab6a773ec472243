/**
 * Controllers written for one model record at a time (in the spirit of controller-runtime's
 * `AsReconciler`): a subclass says what to do with one VM or one host, and gets both entry
 * points of the Controller contract from here — `reconcile` for one request (retries, timed
 * runs, `batchReconcile: false`) and `reconcileAll` for the whole list in one call — so no
 * built-in controller writes its logic twice. Whole-set work belongs in `prepare`.
 */
import { injectable } from "inversify";
import type { Host, StoredObject, VirtualMachine } from "../../api/types.js";
import type { Controller, ReconcileContext, ReconcileRequest } from "../../engine/controller.js";
import type { HostRecord, VmRecord } from "../../hypervisor/ledger.js";
import type { DeepReadonly } from "../../store/types.js";
import { failSpecProblems, forEachVmRecord, throwSpecProblem } from "./context.js";

/** A VirtualMachine controller written for one VM: its model record and its stored object. */
@injectable()
export abstract class VmRecordController implements Controller {
  abstract readonly name: string;
  readonly forKind = "VirtualMachine" as const;
  /**
   * Whether an object whose spec the model could not use fails this controller's reconcile (the
   * status controllers report spec problems, after projecting what the model has).
   */
  protected readonly reportsSpecProblems: boolean = false;

  /** What to do with one VM the model knows, this tick. */
  protected abstract reconcileVm(vm: VmRecord, object: DeepReadonly<VirtualMachine>, ctx: ReconcileContext): void;

  reconcile(req: ReconcileRequest, ctx: ReconcileContext): void {
    const vm = ctx.model.vm(req.namespace ?? "default", req.name);
    const object = ctx.store.get("VirtualMachine", req.name, req.namespace);
    if (vm !== undefined && object !== undefined) this.reconcileVm(vm, object, ctx);
    if (this.reportsSpecProblems) throwSpecProblem(req, ctx);
  }

  reconcileAll(objects: readonly DeepReadonly<StoredObject>[], ctx: ReconcileContext, failed: (index: number, error: unknown) => void): void {
    forEachVmRecord(objects, ctx, failed, (vm, object) => this.reconcileVm(vm, object, ctx));
    if (this.reportsSpecProblems) failSpecProblems(objects, ctx, failed);
  }
}

/** A Host controller written for one host: its model record and its stored object. */
@injectable()
export abstract class HostRecordController implements Controller {
  abstract readonly name: string;
  readonly forKind = "Host" as const;
  /** As {@link VmRecordController.reportsSpecProblems}. */
  protected readonly reportsSpecProblems: boolean = false;

  /** What to do with one host the model knows, this tick. */
  protected abstract reconcileHost(host: HostRecord, object: DeepReadonly<Host>, ctx: ReconcileContext): void;

  reconcile(req: ReconcileRequest, ctx: ReconcileContext): void {
    const host = ctx.model.host(req.name);
    const object = ctx.store.get("Host", req.name);
    if (host !== undefined && object !== undefined) this.reconcileHost(host, object, ctx);
    if (this.reportsSpecProblems) throwSpecProblem(req, ctx);
  }

  reconcileAll(objects: readonly DeepReadonly<StoredObject>[], ctx: ReconcileContext, failed: (index: number, error: unknown) => void): void {
    const hosts = objects as readonly DeepReadonly<Host>[];
    const reconciling = ctx.reconciling;
    for (let i = 0; i < hosts.length; i++) {
      const host = ctx.model.host(hosts[i]!.metadata.name);
      if (host === undefined) continue;
      if (reconciling !== undefined) reconciling(i);
      try {
        this.reconcileHost(host, hosts[i]!, ctx);
      } catch (e) {
        failed(i, e);
      }
    }
    if (this.reportsSpecProblems) failSpecProblems(objects, ctx, failed);
  }
}
