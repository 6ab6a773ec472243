/**
 * Applying a policy's balloon decisions (docs/policies.md): every controller that sets balloon
 * targets (`balloon`, and the per-host policy controllers such as `mom` and `squeezed`) sets
 * them, logs them and steps the driver the same way.
 */
import type { ReconcileContext } from "../../engine/controller.js";
import type { HostRecord, VmRecord } from "../../hypervisor/ledger.js";
import type { BalloonLogRule, BalloonVerdict } from "../../policies/policy.js";
import { significantChange } from "./context.js";
import { logTargetChange } from "./target-log.js";

/** Whether a balloon target change from `from` to `to` is logged under `rule`. */
function logs(rule: BalloonLogRule, from: number, to: number, balloonMax: number): boolean {
  switch (rule) {
    case "change":
      return true;
    case "significant":
      return significantChange(from, to);
    case "significantOrMax":
      return significantChange(from, to) || to === balloonMax;
    default:
      return false;
  }
}

/**
 * Sets a VM's balloon maximum and, when the verdict has one, its balloon target, logging the
 * change as the verdict's rule says. True when a change was logged.
 */
export function applyBalloonVerdict(ctx: ReconcileContext, vm: VmRecord, host: HostRecord, verdict: BalloonVerdict): boolean {
  ctx.model.setBalloonMax(vm, verdict.balloonMax);
  const target = verdict.target;
  if (target === undefined || target === vm.balloonTarget) return false;
  const from = vm.balloonTarget;
  ctx.model.setBalloonTarget(vm, target);
  if (!logs(verdict.log, from, target, vm.balloonMax)) return false;
  logTargetChange(ctx, "BalloonTargetChanged", vm, host, from, target, verdict);
  return true;
}

/** Moves a VM's balloon toward its target for one tick and notes whether the guest stalled it. */
export function stepBalloon(vm: VmRecord, ctx: ReconcileContext): void {
  ctx.model.setBalloonStalled(vm, ctx.model.moveBalloon(vm, ctx.tickSeconds).stalled > 0);
}
