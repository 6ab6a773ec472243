/**
 * vm-status controller — projects the memory model into VirtualMachine status (§11 step 6).
 *
 * Why it exists: the esxtop-named memory fields, fault rates, stall estimate and conditions
 * (Admitted, BalloonDriverReady, Ballooning, Compressing, HypervisorSwapping, GuestSwapping,
 * OverLimit) are what users look at. Condition flips that matter are also logged
 * (GuestSwapping, OverLimit) and recorded as Events.
 */
import { injectable } from "inversify";
import type { Condition, VirtualMachineStatus } from "../../api/types.js";
import type { Controller, ReconcileContext, ReconcileRequest } from "../../engine/controller.js";
import { compressedOf, freeOf, mappedOf, swappedOf, usedOf } from "../../hypervisor/ledger.js";
import type { VmRecord } from "../../hypervisor/ledger.js";
import { BALLOON_DRIVER_TIMEOUT_SECONDS } from "../../hypervisor/memory-model.js";
import { approx, q, vmFor, vmObjectKey } from "../shared/context.js";

type CondInput = Omit<Condition, "lastTransitionTime">;

const cond = (type: string, on: boolean, reason: string, message: string): CondInput => ({ type, status: on ? "True" : "False", reason, message });

/** Writes VirtualMachine status from the model. */
@injectable()
export class VmStatusController implements Controller {
  readonly name = "vm-status";
  readonly forKind = "VirtualMachine" as const;

  reconcile(req: ReconcileRequest, ctx: ReconcileContext): void {
    const vm = vmFor(req, ctx);
    const obj = ctx.store.get("VirtualMachine", req.name, req.namespace);
    if (!vm || !obj) return;
    const key = vmObjectKey(vm);
    const running = vm.phase === "Running";
    const rate = (pages: number): string => q(pages / ctx.tickSeconds);
    const status: Partial<VirtualMachineStatus> = {
      phase: vm.phase,
      memory: {
        configured: q(vm.spec.memory),
        granted: q(mappedOf(vm)),
        consumed: q(running ? ctx.model.consumed(vm) : 0),
        active: q(running ? ctx.model.active(vm) : 0),
        entitlement: q(running ? vm.entitlement : 0),
        overhead: q(running ? vm.overhead : 0),
        balloon: q(vm.balloon),
        balloonTarget: q(vm.balloonTarget),
        balloonMax: q(running ? vm.balloonMax : 0),
        swapped: q(swappedOf(vm)),
        swapTarget: q(vm.swapTarget),
        compressed: q(compressedOf(vm)),
        shared: q(vm.sharedZero + vm.sharedCommon),
        guestUsed: q(usedOf(vm)),
        guestFree: q(freeOf(vm)),
        guestUntouched: q(vm.untouched),
        guestSwapped: q(vm.guestSwapped),
      },
      rates: {
        swapIn: rate(vm.counters.swapIns),
        swapOut: rate(vm.counters.swapOuts),
        decompress: rate(vm.counters.decompressions),
        guestPageIn: rate(vm.counters.guestPageIns),
        guestPageOut: rate(vm.counters.guestPageOuts),
      },
      memoryStallPercent: running ? vm.stallPercent : 0,
      observedGeneration: obj.metadata.generation ?? 0,
    };
    ctx.store.patchStatus(key, status);
    const previous = obj.status?.conditions ?? [];
    const was = (type: string): boolean => previous.some((c) => c.type === type && c.status === "True");
    for (const c of this.conditions(vm)) {
      ctx.store.setCondition(key, c);
      if (c.status === "True" && !was(c.type) && (c.type === "GuestSwapping" || c.type === "OverLimit")) {
        ctx.log({ kind: "VirtualMachine", namespace: vm.namespace, name: vm.name, host: vm.hostName, action: c.type, reason: c.reason, message: c.message });
        ctx.store.recordEvent(key, "Warning", c.type, c.message);
      }
    }
  }

  private conditions(vm: VmRecord): CondInput[] {
    const a = vm.admission;
    const driver = !vm.spec.toolsInstalled
      ? cond("BalloonDriverReady", false, "ToolsNotInstalled", "no tools installed: the VM cannot be ballooned")
      : vm.spec.balloonDriver === "stuck" && vm.driverIdleSeconds >= BALLOON_DRIVER_TIMEOUT_SECONDS
        ? cond("BalloonDriverReady", false, "Unresponsive", `balloon driver has not moved for ${Math.round(vm.driverIdleSeconds)}s`)
        : cond("BalloonDriverReady", true, vm.spec.balloonDriver === "slow" ? "Slow" : "Ready", vm.spec.balloonDriver === "slow" ? "balloon driver runs at a tenth of the rate" : "balloon driver is running");
    const limit = vm.spec.limit;
    return [
      cond("Admitted", a.admitted, a.reason, a.message),
      driver,
      cond("Ballooning", vm.balloon > 0, vm.balloon > 0 ? "BalloonInflated" : "NoBalloon", `balloon ${approx(vm.balloon)} of max ${approx(vm.balloonMax)}`),
      cond("Compressing", compressedOf(vm) > 0, compressedOf(vm) > 0 ? "PagesCompressed" : "NoCompressedPages", `${approx(compressedOf(vm))} in the compression cache`),
      cond("HypervisorSwapping", swappedOf(vm) > 0, swappedOf(vm) > 0 ? "PagesSwapped" : "NoSwappedPages", `${approx(swappedOf(vm))} in the hypervisor swap file`),
      cond("GuestSwapping", vm.guestSwapped > 0, vm.guestSwapped > 0 ? "GuestPagedOut" : "NoGuestSwap", `guest has ${approx(vm.guestSwapped)} in its own swap`),
      cond(
        "OverLimit",
        vm.overLimit,
        vm.overLimit ? "ConsumedOverLimit" : Number.isFinite(limit) ? "WithinLimit" : "NoLimit",
        Number.isFinite(limit) ? `consumed ${approx(vm.phase === "Running" ? vm.charged : 0)} vs limit ${approx(limit)}` : "no limit set",
      ),
    ];
  }
}
