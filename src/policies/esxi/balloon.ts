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
import { describeStateOf, hostStateReason, stateParts, underPressure } from "../host-state.js";
import { registerPhrasing, type Words, words, wordsText } from "../phrasing.js";
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

// the messages of a balloon target change (policies/phrasing.ts: built only when the log is read)
const DISABLED = registerPhrasing("esxi.balloon.disabled", (hostName) => `ballooning is disabled on ${hostName}`);
const NO_DRIVER = registerPhrasing("esxi.balloon.noDriver", () => "no tools, no balloon driver");
const OVER_LIMIT = registerPhrasing(
  "esxi.balloon.overLimit",
  (_, demand, limit, consumed, reclaim) => `demand ${approx(demand)} is over the limit ${approx(limit)} (consumed ${approx(consumed)}); reclaim ${approx(reclaim)}`,
);
const UNDER_PRESSURE = registerPhrasing(
  "esxi.balloon.pressure",
  (state, free, reclaim, consumed, entitlement) => `${describeStateOf(state, free)}; reclaim ${approx(reclaim)} (consumed ${approx(consumed)} − entitlement ${approx(entitlement)})`,
);
const HIGH = registerPhrasing("esxi.balloon.high", (hostName) => `host ${hostName} is high: it has memory to give, so the balloon deflates to 0`);
const CLEAR = registerPhrasing("esxi.balloon.clear", (hostName, entitlement, consumed) => `host ${hostName} is clear: deflating toward entitlement ${approx(entitlement)} (consumed ${approx(consumed)})`);

/** One running VM's balloon target under ESXi's rule, with every input a decision record keeps. */
export function esxiBalloonDecision(host: HostView, vm: VmView, reader: PolicyReader): VmBalloonVerdict {
  const able = canBalloon(vm, host);
  const osMinimum = reader.osMinimum(vm);
  const cap = esxiBalloonCaps(vm, host, osMinimum);
  const balloonMax = able ? cap.max : 0;
  const consumed = reader.consumed(vm);
  let target: number;
  let reason: string;
  let said: Words;
  if (!able) {
    const tools = vm.spec.toolsInstalled;
    target = 0;
    reason = tools ? "BallooningDisabled" : "NoBalloonDriver";
    said = tools ? words(DISABLED, host.name) : words(NO_DRIVER, "");
  } else if (underPressure(host) || vm.overLimit) {
    const overLimitOnly = vm.overLimit && !underPressure(host);
    target = Math.min(balloonMax, vm.balloon + vm.reclaim);
    reason = overLimitOnly ? "OverLimit" : hostStateReason(host.state);
    said = overLimitOnly
      ? words(OVER_LIMIT, "", limitDemandOf(vm), vm.spec.limit, consumed, vm.reclaim)
      : words(UNDER_PRESSURE, stateParts(host), host.free, vm.reclaim, consumed, vm.entitlement);
  } else if (host.state === "high") {
    target = 0;
    reason = "PressureRelieved";
    said = words(HIGH, host.name);
  } else {
    // Clear: give back what the VM is entitled to beyond what it holds. Pages already handed
    // back untouched that the guest will fill (its guest-swapped pages, the growth it waits for)
    // count as held, so the target does not chase itself down while they are refilled.
    const refill = Math.min(vm.untouched, vm.guestSwapped + Math.max(0, vm.wantAllocated - usedOf(vm) - vm.guestSwapped));
    const give = Math.max(0, vm.entitlement - consumed - refill);
    target = Math.min(balloonMax, Math.max(0, vm.balloon - give));
    reason = "PressureRelieved";
    said = words(CLEAR, host.name, vm.entitlement, consumed);
  }
  const message = (): string => wordsText(said);
  return { balloonMax, target, reason, message, words: said, log: "significantOrMax", caps: cap.caps, binding: able ? cap.binding : "noDriver", osMinimum, consumed };
}

/** ESXi's balloon rule as a policy's balloon rule. */
export const esxiBalloonRule: VmBalloonRule = { scope: "vm", decide: esxiBalloonDecision };
