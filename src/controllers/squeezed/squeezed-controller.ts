/**
 * squeezed controller — XenServer squeezed's proportional balancer for hosts with
 * `spec.policy: squeezed`.
 *
 * Why it exists: Xen's squeezed does not rank VMs by shares or idleness; it gives every VM the
 * same fraction γ of its [dynamic-min, dynamic-max] range, with γ chosen so that the host keeps
 * its free-memory target (here the host's minFree), and it frees before it allocates (two
 * phases). Each VM's memory target is expressed as a balloon target: memory − γ-target. VMs that
 * cannot balloon (no tools, ballooning disabled) or whose driver is stuck or stalled are left
 * out, as squeezed's stuckness monitor does (a driver that made no progress for 5 s); a balloon
 * stalled on a full guest swap does not hold up the allocation phase. The
 * arithmetic and its sources are in squeezed-policy.ts.
 */
import { injectable } from "inversify";
import type { Controller, ReconcileContext, ReconcileRequest } from "../../engine/controller.js";
import type { VmRecord } from "../../hypervisor/ledger.js";
import { approx, hostFor, significantChange } from "../shared/context.js";
import { proportionalTargets } from "./squeezed-policy.js";
import { canBalloon, guaranteedBalloonMax, logBalloonTarget, stepBalloon } from "../balloon/balloon-controller.js";

/** squeezed declares a balloon driver stuck after this many seconds without progress. */
export const SQUEEZED_STUCK_SECONDS = 5;

/** Pages a balloon may be off its target and still count as having reached it (squeezed's inaccuracy). */
export const SQUEEZED_INACCURACY_PAGES = 256;

/** Balances each squeezed host's VMs to a common γ, freeing before allocating. */
@injectable()
export class SqueezedController implements Controller {
  readonly name = "squeezed";
  readonly forKind = "Host" as const;

  reconcile(req: ReconcileRequest, ctx: ReconcileContext): void {
    const host = hostFor(req, ctx);
    if (!host || host.spec.policy !== "squeezed") return;
    const running = ctx.model.vmsOf(host).filter((vm) => vm.phase === "Running");
    const active: VmRecord[] = [];
    for (const vm of running) {
      const able = canBalloon(vm, host);
      ctx.model.setBalloonMax(vm, able ? guaranteedBalloonMax(vm) : 0);
      if (!able) {
        ctx.model.setBalloonTarget(vm, 0);
        continue;
      }
      if (vm.driverIdleSeconds <= SQUEEZED_STUCK_SECONDS) active.push(vm);
    }
    const allocation = proportionalTargets(
      host.free,
      host.spec.minFree,
      active.map((vm) => ({ dynamicMin: vm.reservation, dynamicMax: vm.memory, actual: ctx.model.consumed(vm) })),
    );
    const balloonTargets = active.map((vm, i) => Math.max(0, vm.memory - allocation.targets[i]!));
    // two phases: while any VM must still inflate its balloon, only those VMs move (a balloon
    // stalled on a full guest swap cannot free more and does not hold the others back)
    const freeing = active.map((vm, i) => balloonTargets[i]! > vm.balloon + SQUEEZED_INACCURACY_PAGES && !vm.balloonStalled);
    const freeingPhase = freeing.some(Boolean);
    const gammaText = allocation.gamma.toFixed(3);
    active.forEach((vm, i) => {
      if (freeingPhase && !freeing[i]) return;
      const target = balloonTargets[i]!;
      if (target === vm.balloonTarget) return;
      const from = vm.balloonTarget;
      ctx.model.setBalloonTarget(vm, target);
      if (!significantChange(from, target)) return;
      const message = `γ = ${gammaText} of [${approx(vm.reservation)}, ${approx(vm.memory)}] → target ${approx(vm.memory - target)} so host ${host.name} keeps ${approx(host.spec.minFree)} free${freeingPhase ? " (freeing phase: growing VMs wait)" : ""}`;
      logBalloonTarget(ctx, vm, host, from, target, freeingPhase ? "SqueezedFreeing" : "SqueezedAllocating", message);
    });
    for (const vm of running) if (vm.spec.toolsInstalled) stepBalloon(vm, ctx);
  }
}
