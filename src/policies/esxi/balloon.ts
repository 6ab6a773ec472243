/**
 * ESXi's balloon rule (docs/memory-model.md §7, esxtop MCTLTGT/MCTLMAX), decided VM by VM.
 *
 * The maximum is the smallest of Mem.CtlMaxPercent, memory − (guest OS minimum +
 * Mem.AppBalloonMaxSlack), memory − reservation and the VM's maxBalloon. In soft, hard and low,
 * and for a VM over its limit in any state, the target is min(maximum, balloon + reclaim). In
 * high and clear the balloon only deflates, by what the VM is entitled to beyond what it already
 * has, so reclamation does not oscillate. A VM without tools, or on a host with ballooning
 * disabled, has no balloon.
 */
import { approx } from "../../hypervisor/format.js";
import { balloonMaximum } from "../../hypervisor/formulas.js";
import { limitDemandOf } from "../../hypervisor/limit.js";
import { canBalloon } from "../balloon.js";
import { describeState, hostStateReason, underPressure } from "../host-state.js";
import type { HostView, PolicyReader, VmBalloonRule, VmBalloonVerdict, VmView } from "../policy.js";

/** What the balloon maximum is computed from: a VM's memory, reservation and maxBalloon (pages). */
export interface BalloonCapInput {
  memory: number;
  reservation: number;
  spec: { maxBalloon?: number };
}

/** The balloon maximum (MCTLMAX) of a VM on a host, each cap and the binding one. */
export function esxiBalloonCaps(vm: BalloonCapInput, host: Pick<HostView, "spec">, osMinimum: number): ReturnType<typeof balloonMaximum> {
  return balloonMaximum({
    memoryPages: vm.memory,
    maxPercent: host.spec.ballooning.maxPercent,
    osMinimumPages: osMinimum,
    slackPages: host.spec.ballooning.slack,
    reservationPages: vm.reservation,
    maxBalloonPages: vm.spec.maxBalloon,
  });
}

/** One running VM's balloon target under ESXi's rule, with every input a decision record keeps. */
export function esxiBalloonDecision(host: HostView, vm: VmView, reader: PolicyReader): VmBalloonVerdict {
  const able = canBalloon(vm, host);
  const osMinimum = reader.osMinimum(vm);
  const cap = esxiBalloonCaps(vm, host, osMinimum);
  const balloonMax = able ? cap.max : 0;
  const consumed = reader.consumed(vm);
  let target: number;
  let reason: string;
  let message: () => string;
  if (!able) {
    const tools = vm.spec.toolsInstalled;
    target = 0;
    reason = tools ? "BallooningDisabled" : "NoBalloonDriver";
    message = () => (tools ? `ballooning is disabled on ${host.name}` : "no tools, no balloon driver");
  } else if (underPressure(host) || vm.overLimit) {
    const overLimitOnly = vm.overLimit && !underPressure(host);
    target = Math.min(balloonMax, vm.balloon + vm.reclaim);
    reason = overLimitOnly ? "OverLimit" : hostStateReason(host.state);
    message = () =>
      overLimitOnly
        ? `demand ${approx(limitDemandOf(vm))} is over the limit ${approx(vm.spec.limit)} (consumed ${approx(consumed)}); reclaim ${approx(vm.reclaim)}`
        : `${describeState(host)}; reclaim ${approx(vm.reclaim)} (consumed ${approx(consumed)} − entitlement ${approx(vm.entitlement)})`;
  } else {
    const give = Math.max(0, vm.entitlement - consumed - vm.untouched);
    target = Math.min(balloonMax, Math.max(0, vm.balloon - give));
    reason = "PressureRelieved";
    message = () => `host ${host.name} is ${host.state}: deflating toward entitlement ${approx(vm.entitlement)}`;
  }
  return { balloonMax, target, reason, message, log: "significantOrMax", caps: cap.caps, binding: able ? cap.binding : "noDriver", osMinimum, consumed };
}

/** ESXi's balloon rule as a policy's balloon rule. */
export const esxiBalloonRule: VmBalloonRule = { scope: "vm", decide: esxiBalloonDecision };
