/**
 * reservation controller — admission control (docs/memory-model.md §10).
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
import type { ReconcileContext } from "../../engine/controller.js";
import type { PowerEvent } from "../../hypervisor/memory-model.js";
import type { StoredObject } from "../../api/types.js";
import type { VmRecord } from "../../hypervisor/ledger.js";
import type { DeepReadonly } from "../../store/types.js";
import { vmObjectKey } from "../shared/context.js";
import { VmRecordController } from "../shared/record-controller.js";

/** Admission, power-on and power-off of VMs. */
@injectable()
export class ReservationController extends VmRecordController {
  readonly name = "reservation";
  /** This tick's admission pass: what happened to each VM, not yet reported. */
  private readonly pass = new Map<VmRecord, PowerEvent[]>();
  /** Power events of VMs that came from another shard this tick (reported before their admission). */
  readonly #arrived = new Map<VmRecord, Omit<PowerEvent, "vm">[]>();

  /** A VM that arrived from another shard of hosts with `events` not yet reported (worker threads). */
  arrived(vm: VmRecord, events: readonly Omit<PowerEvent, "vm">[]): void {
    if (events.length > 0) this.#arrived.set(vm, [...events]);
  }

  /** Runs admission once per tick, for every VM (creation order is a property of the whole set, not of one VM). */
  prepare(ctx: ReconcileContext): void {
    this.pass.clear();
    for (const [vm, events] of this.#arrived) this.pass.set(vm, events.map((e) => ({ ...e, vm })));
    this.#arrived.clear();
    for (const e of ctx.model.runAdmission(ctx.timeSeconds)) {
      const list = this.pass.get(e.vm) ?? [];
      list.push(e);
      this.pass.set(e.vm, list);
    }
  }

  override reconcileAll(objects: readonly DeepReadonly<StoredObject>[], ctx: ReconcileContext, failed: (index: number, error: unknown) => void): void {
    if (this.pass.size > 0) super.reconcileAll(objects, ctx, failed); // nothing to report: nothing to look up
  }

  /** Logs and records what admission did to one VM this tick. */
  protected reconcileVm(vm: VmRecord, _object: unknown, ctx: ReconcileContext): void {
    const pass = this.pass;
    const events = pass.get(vm);
    if (events === undefined) return;
    pass.delete(vm);
    for (const e of events) {
      ctx.model.recordDecision(e.vm, { type: "admission", tick: ctx.tick, admitted: e.action === "Admitted", reason: e.reason, message: e.message });
      ctx.log({
        kind: "VirtualMachine",
        namespace: e.vm.namespace,
        name: e.vm.name,
        host: e.vm.hostName,
        action: e.action,
        // a phase change only when there is one (a Pending VM denied for a new reason stays Pending)
        ...(e.from !== e.to ? { from: e.from, to: e.to } : {}),
        reason: e.reason,
        message: e.message,
      });
      ctx.store.recordEvent(vmObjectKey(e.vm), e.action === "AdmissionDenied" ? "Warning" : "Normal", e.action === "AdmissionDenied" ? e.reason : e.action, e.message);
    }
  }
}
