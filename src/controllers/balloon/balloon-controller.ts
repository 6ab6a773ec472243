/**
 * balloon controller — the balloon driver's targets (memory-model §6, esxtop MCTLTGT/MCTLMAX).
 *
 * Why it exists: ballooning is how the hypervisor asks the *guest* to choose what to give up.
 * The guest gives its free pages first (each returns a host page — the seed's "chews up free
 * RAM"), then untouched pages, and only then pages out used memory to its own swap. It runs in
 * soft, hard and low, and for VMs over their limit in any state. The maximum is the smallest of
 * Mem.CtlMaxPercent, memory − (guest OS minimum + Mem.AppBalloonMaxSlack), memory − reservation
 * and the VM's maxBalloon. In high and clear the balloon only deflates, by what the VM is entitled
 * to beyond what it already has, so reclamation does not oscillate.
 */
import { injectable } from "inversify";
import type { Controller, ReconcileContext, ReconcileRequest } from "../../engine/controller.js";
import { balloonMaximum } from "../../hypervisor/formulas.js";
import type { HostRecord, VmRecord } from "../../hypervisor/ledger.js";
import type { MemoryModel } from "../../hypervisor/memory-model.js";
import { describeState, hostStateReason } from "../host-state/host-state-controller.js";
import type { StoredObject } from "../../api/types.js";
import type { DeepReadonly } from "../../store/types.js";
import { approx, forEachVmRecord, q, significantChange, vmFor, vmObjectKey } from "../shared/context.js";
import { jsonCaps } from "../../hypervisor/decisions.js";

/** Whether the host state asks for reclamation (soft, hard, low). */
export function underPressure(host: HostRecord): boolean {
  return host.state === "soft" || host.state === "hard" || host.state === "low";
}

/** Whether a VM can balloon at all: tools with a driver, ballooning enabled on its host. */
export function canBalloon(vm: VmRecord, host: HostRecord): boolean {
  return vm.spec.toolsInstalled && host.spec.ballooning.enabled;
}

/** The balloon maximum (MCTLMAX) of a VM on a host, with the binding cap. */
export function balloonMaxFor(vm: VmRecord, host: HostRecord, model: MemoryModel): ReturnType<typeof balloonMaximum> {
  return balloonMaximum({
    memoryPages: vm.memory,
    maxPercent: host.spec.ballooning.maxPercent,
    osMinimumPages: model.osMinimum(vm),
    slackPages: host.spec.ballooning.slack,
    reservationPages: vm.reservation,
    maxBalloonPages: vm.spec.maxBalloon,
  });
}

/** The largest balloon that still leaves a VM its guaranteed memory (the reservation): memory − reservation. */
export function guaranteedBalloonMax(vm: VmRecord): number {
  return Math.max(0, vm.memory - vm.reservation);
}

/** Logs a BalloonTargetChanged entry (every balloon policy: esxi, mom, squeezed). */
export function logBalloonTarget(ctx: ReconcileContext, vm: VmRecord, host: HostRecord, from: number, to: number, reason: string, message: string): void {
  ctx.log({ kind: "VirtualMachine", namespace: vm.namespace, name: vm.name, host: host.name, action: "BalloonTargetChanged", from: q(from), to: q(to), reason, message });
}

/** Moves a VM's balloon toward its target for one tick and notes whether the guest stalled it (mom, squeezed). */
export function stepBalloon(vm: VmRecord, ctx: ReconcileContext): void {
  ctx.model.setBalloonStalled(vm, ctx.model.moveBalloon(vm, ctx.tickSeconds).stalled > 0);
}

/** Sets balloon targets and drives the balloon toward them. */
@injectable()
export class BalloonController implements Controller {
  readonly name = "balloon";
  readonly forKind = "VirtualMachine" as const;

  reconcile(req: ReconcileRequest, ctx: ReconcileContext): void {
    const vm = vmFor(req, ctx);
    if (vm) this.#drive(vm, ctx);
  }

  reconcileAll(objects: readonly DeepReadonly<StoredObject>[], ctx: ReconcileContext, failed: (index: number, error: unknown) => void): void {
    forEachVmRecord(objects, ctx, failed, (vm) => this.#drive(vm, ctx));
  }

  /** Sets one VM's balloon target and moves its balloon. */
  #drive(vm: VmRecord, ctx: ReconcileContext): void {
    if (vm.phase !== "Running") return;
    const host = ctx.model.host(vm.hostName);
    if (!host || host.spec.policy !== "esxi") return;
    const able = canBalloon(vm, host);
    const cap = balloonMaxFor(vm, host, ctx.model);
    ctx.model.setBalloonMax(vm, able ? cap.max : 0);
    const consumed = ctx.model.consumed(vm);
    let target: number;
    let reason: string;
    // the message is only built when the change is logged (most ticks it is not)
    let message: () => string;
    if (!able) {
      target = 0;
      reason = vm.spec.toolsInstalled ? "BallooningDisabled" : "NoBalloonDriver";
      message = () => (vm.spec.toolsInstalled ? `ballooning is disabled on ${host.name}` : "no tools, no balloon driver");
    } else if (underPressure(host) || vm.overLimit) {
      target = Math.min(vm.balloonMax, vm.balloon + vm.reclaim);
      const overLimitOnly = vm.overLimit && !underPressure(host);
      reason = overLimitOnly ? "OverLimit" : hostStateReason(host.state);
      message = () =>
        overLimitOnly
          ? `consumed ${approx(consumed)} is over the limit ${approx(vm.spec.limit)}`
          : `${describeState(host)}; reclaim ${approx(vm.reclaim)} (consumed ${approx(consumed)} − entitlement ${approx(vm.entitlement)})`;
    } else {
      const give = Math.max(0, vm.entitlement - consumed - vm.untouched);
      target = Math.min(vm.balloonMax, Math.max(0, vm.balloon - give));
      reason = "PressureRelieved";
      message = () => `host ${host.name} is ${host.state}: deflating toward entitlement ${approx(vm.entitlement)}`;
    }
    let logged = false;
    if (target !== vm.balloonTarget) {
      const from = vm.balloonTarget;
      ctx.model.setBalloonTarget(vm, target);
      if (significantChange(from, target) || target === vm.balloonMax) {
        logged = true;
        logBalloonTarget(ctx, vm, host, from, target, reason, message());
      }
    }
    const balloonBefore = vm.balloon;
    const move = ctx.model.moveBalloon(vm, ctx.tickSeconds);
    if (logged) {
      ctx.model.recordDecision(vm, {
        type: "balloon",
        tick: ctx.tick,
        target,
        balloon: balloonBefore,
        reason,
        reclaim: vm.reclaim,
        entitlement: vm.entitlement,
        consumed,
        balloonMax: vm.balloonMax,
        caps: jsonCaps(cap.caps),
        binding: able ? cap.binding : "noDriver",
        guestOS: vm.spec.guestOS,
        osMinimum: ctx.model.osMinimum(vm),
        slack: host.spec.ballooning.slack,
        maxPercent: host.spec.ballooning.maxPercent,
        gave: { free: move.fromFree, untouched: move.fromUntouched, used: move.fromUsed, stalled: move.stalled },
        hostState: host.state,
      });
    }
    if (move.stalled > 0 && !vm.balloonStalled) {
      ctx.model.setBalloonStalled(vm, true);
      const msg = `guest swap is full (${approx(vm.guestSwapped)} of ${approx(vm.spec.guestSwap)}): ${approx(move.stalled)} of the balloon target cannot be met; the rest falls to compression and swap`;
      ctx.log({ kind: "VirtualMachine", namespace: vm.namespace, name: vm.name, host: host.name, action: "BalloonStalled", reason: "GuestSwapFull", message: msg });
      ctx.store.recordEvent(vmObjectKey(vm), "Warning", "BalloonStalled", msg);
      ctx.store.recordEvent(vmObjectKey(vm), "Warning", "GuestOOMRisk", `guest ${vm.name} has no swap left while ballooned; applications may be killed by the guest OOM killer`);
    } else if (move.stalled === 0 && vm.balloonStalled && vm.balloon >= vm.balloonTarget) {
      ctx.model.setBalloonStalled(vm, false);
    }
  }
}
