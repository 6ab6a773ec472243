/**
 * reservation controller — admission control (memory-model §9).
 *
 * Why it exists: a VM may only power on when its reservation plus overhead fits into the host's
 * unreserved memory and its swap file fits the swap datastore; otherwise it waits as Pending and
 * is retried every tick in creation order, so it starts as soon as room frees up. It also powers
 * VMs off (releasing pages, reservation and swap file) and moves VMs whose hostName changed.
 *
 * Admission is decided once per tick for all VMs (creation order is a property of the whole
 * set, not of one object); the per-VM reconcile then reports what happened to its VM.
 */
import { injectable } from "inversify";
import type { Controller, ReconcileContext, ReconcileRequest } from "../../engine/controller.js";
import type { PowerEvent } from "../../hypervisor/memory-model.js";
import { syncModel, vmObjectKey } from "../shared/context.js";
import { recordDecision } from "../../hypervisor/decisions.js";

/** Admission, power-on and power-off of VMs. */
@injectable()
export class ReservationController implements Controller {
  readonly name = "reservation";
  readonly forKind = "VirtualMachine" as const;
  private passTick = -1;
  private pass = new Map<string, PowerEvent[]>();

  reconcile(req: ReconcileRequest, ctx: ReconcileContext): void {
    syncModel(ctx);
    if (this.passTick !== ctx.tick) {
      this.passTick = ctx.tick;
      this.pass.clear();
      for (const e of ctx.model.runAdmission(ctx.timeSeconds)) {
        const list = this.pass.get(e.vm.key) ?? [];
        list.push(e);
        this.pass.set(e.vm.key, list);
      }
    }
    const key = `${req.namespace ?? "default"}/${req.name}`;
    for (const e of this.pass.get(key) ?? []) {
      recordDecision(e.vm.decisions, { type: "admission", tick: ctx.tick, admitted: e.action === "Admitted", reason: e.reason, message: e.message });
      ctx.log({
        kind: "VirtualMachine",
        namespace: e.vm.namespace,
        name: e.vm.name,
        host: e.vm.hostName,
        action: e.action,
        from: e.action === "PoweredOff" ? "Running" : "Pending",
        to: e.action === "Admitted" ? "Running" : e.action === "PoweredOff" ? "Stopped" : "Pending",
        reason: e.reason,
        message: e.message,
      });
      ctx.store.recordEvent(vmObjectKey(e.vm), e.action === "AdmissionDenied" ? "Warning" : "Normal", e.action === "AdmissionDenied" ? e.reason : e.action, e.message);
    }
    this.pass.delete(key);
  }
}
