/**
 * ESXi's balloon rule (docs/memory-model.md §7, esxtop MCTLTGT/MCTLMAX), decided VM by VM.
 *
 * The maximum is the smallest of Mem.CtlMaxPercent, memory − (guest OS minimum +
 * Mem.AppBalloonMaxSlack), memory − reservation and the VM's maxBalloon. In soft, hard and low,
 * and for a VM over its limit in any state, the target is min(maximum, balloon + reclaim). In
 * high the host has memory to give and the target is 0; in clear the balloon only deflates, by
 * what the VM is entitled to (from its demand) beyond what it already holds, so reclamation does
 * not oscillate. A VM without tools, or on a host with ballooning disabled, has no balloon.
 */
import { approx } from "../../hypervisor/format.js";
import { balloonMaximum } from "../../hypervisor/formulas.js";
import { usedOf } from "../../hypervisor/ledger.js";
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
    guestFloor: host.spec.ballooning.guestFloor === "seed",
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
  } else if (host.state === "high") {
    target = 0;
    reason = "PressureRelieved";
    message = () => `host ${host.name} is high: it has memory to give, so the balloon deflates to 0`;
  } else {
    // Clear: give back what the VM is entitled to beyond what it holds. Pages already handed
    // back untouched that the guest will fill (its guest-swapped pages, the growth it waits for)
    // count as held, so the target does not chase itself down while they are refilled.
    const refill = Math.min(vm.untouched, vm.guestSwapped + Math.max(0, vm.wantAllocated - usedOf(vm) - vm.guestSwapped));
    const give = Math.max(0, vm.entitlement - consumed - refill);
    target = Math.min(balloonMax, Math.max(0, vm.balloon - give));
    reason = "PressureRelieved";
    message = () => `host ${host.name} is clear: deflating toward entitlement ${approx(vm.entitlement)} (consumed ${approx(consumed)})`;
  }
  return { balloonMax, target, reason, message, log: "significantOrMax", caps: cap.caps, binding: able ? cap.binding : "noDriver", osMinimum, consumed };
}

/** ESXi's balloon rule as a policy's balloon rule. */
export const esxiBalloonRule: VmBalloonRule = { scope: "vm", decide: esxiBalloonDecision };
