/**
 * mom controller — oVirt MOM's default balloon policy for hosts with `spec.policy: mom`.
 *
 * Why it exists: KVM hosts managed by oVirt do not have ESXi's memory states, entitlement or
 * hypervisor swapping decisions; MOM (the Memory Overcommitment Manager) looks at host free
 * memory every 10 s and, when it is below 20 % of the host's memory, shrinks every guest fairly
 * toward keeping a share of its memory free, scaled by how much pressure the host is under
 * (at most 5 % per step, nothing under 0.25 %); when the pressure ends, balloons shrink back
 * (guests grow by 5 % per step). A guest never goes below its guaranteed memory (here: the
 * reservation). The arithmetic and its sources are in mom-policy.ts.
 *
 * Between evaluations the balloon driver keeps moving toward the last target every tick.
 */
import { injectable } from "inversify";
import type { Controller, ReconcileContext, ReconcileRequest } from "../../engine/controller.js";
import { freeOf } from "../../hypervisor/ledger.js";
import type { HostRecord, VmRecord } from "../../hypervisor/ledger.js";
import { approx, hostFor } from "../shared/context.js";
import { guaranteedBalloonMax, logBalloonTarget, stepBalloon } from "../balloon/balloon-controller.js";
import { isMomEvaluation, MOM_POLICY, momDecide, momPressure, type MomPressure } from "./mom-policy.js";

/** The log reason for a MOM decision. */
function reasonFor(pressure: MomPressure): "MomPressure" | "MomCritical" | "MomRelief" {
  return pressure === "critical" ? "MomCritical" : pressure === "pressure" ? "MomPressure" : "MomRelief";
}

/** Largest balloon MOM may set: down to the guaranteed memory, and the VM's own maxBalloon. */
export function momBalloonMax(vm: VmRecord): number {
  const cap = guaranteedBalloonMax(vm);
  return vm.spec.maxBalloon === undefined ? cap : Math.min(cap, vm.spec.maxBalloon);
}

/** Runs MOM's balloon rules per host every 10 s and drives balloons every tick. */
@injectable()
export class MomController implements Controller {
  readonly name = "mom";
  readonly forKind = "Host" as const;

  reconcile(req: ReconcileRequest, ctx: ReconcileContext): void {
    const host = hostFor(req, ctx);
    if (!host || host.spec.policy !== "mom") return;
    const evaluate = isMomEvaluation(ctx.timeSeconds, ctx.tickSeconds);
    const pressure = momPressure(host.free, host.spec.capacity);
    for (const vm of ctx.model.vmsOf(host)) {
      if (vm.phase !== "Running") continue;
      if (!vm.spec.toolsInstalled) {
        ctx.model.setBalloonMax(vm, 0);
        ctx.model.setBalloonTarget(vm, 0);
        continue;
      }
      ctx.model.setBalloonMax(vm, momBalloonMax(vm));
      if (evaluate) this.#evaluate(vm, host, pressure, ctx);
      stepBalloon(vm, ctx);
    }
  }

  #evaluate(vm: VmRecord, host: HostRecord, pressure: MomPressure, ctx: ReconcileContext): void {
    const shrinking = pressure !== "none" && host.spec.ballooning.enabled;
    const current = vm.memory - vm.balloon;
    const decision = momDecide(
      { memory: vm.memory, current, unused: freeOf(vm) + vm.untouched, guaranteed: vm.reservation },
      host.free,
      host.spec.capacity,
      shrinking,
    );
    if (decision.size === undefined) return;
    const target = Math.min(vm.balloonMax, Math.max(0, vm.memory - decision.size));
    if (target === vm.balloonTarget) return;
    const from = vm.balloonTarget;
    ctx.model.setBalloonTarget(vm, target);
    const pct = ((100 * host.free) / host.spec.capacity).toFixed(1);
    const why =
      decision.rule === "guarantee"
        ? `guest below its guaranteed ${approx(vm.reservation)}`
        : shrinking
          ? `host ${host.name} free ${approx(host.free)} is ${pct}% of ${approx(host.spec.capacity)} (< ${MOM_POLICY.pressureThreshold * 100}%${pressure === "critical" ? `, critical ≤ ${MOM_POLICY.pressureCritical * 100}%` : ""}): guest memory ${approx(current)} → ${approx(decision.size)}`
          : `host ${host.name} free ${pct}% ≥ ${MOM_POLICY.pressureThreshold * 100}%${host.spec.ballooning.enabled ? "" : " or ballooning disabled"}: guest memory ${approx(current)} → ${approx(decision.size)}`;
    logBalloonTarget(ctx, vm, host, from, target, shrinking ? reasonFor(pressure) : "MomRelief", why);
  }
}
