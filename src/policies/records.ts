/**
 * Decision records (docs/explain.md) built from a policy's verdicts: the controllers keep them
 * when a target changes, and `explain` builds the same records from the same verdicts for the
 * current tick, so both say the same thing in the same shape.
 */
import { jsonCaps, type BalloonDecision, type SwapDecision } from "../hypervisor/decisions.js";
import { compressedOf, swappedOf } from "../hypervisor/ledger.js";
import type { HostView, PageOutVerdict, VmBalloonVerdict, VmView } from "./policy.js";

/** What the guest gave the balloon in one tick, pages. */
export type BalloonGave = BalloonDecision["gave"];

/** The balloon decision record of a per-VM verdict, with the target and balloon to report and what the guest gave. */
export function balloonRecord(tick: number, vm: VmView, host: HostView, verdict: VmBalloonVerdict, target: number, balloon: number, gave: BalloonGave): BalloonDecision {
  return {
    type: "balloon",
    tick,
    target,
    balloon,
    reason: verdict.reason,
    reclaim: vm.reclaim,
    entitlement: vm.entitlement,
    consumed: verdict.consumed,
    balloonMax: verdict.balloonMax,
    caps: jsonCaps(verdict.caps),
    binding: verdict.binding,
    guestOS: vm.spec.guestOS,
    osMinimum: verdict.osMinimum,
    slack: host.spec.ballooning.slack,
    maxPercent: host.spec.ballooning.maxPercent,
    gave,
    hostState: host.state,
  };
}

/** The swap decision record of a page-out verdict, with the swap target to report. */
export function swapRecord(tick: number, vm: VmView, host: HostView, verdict: PageOutVerdict, swapTarget: number): SwapDecision {
  return {
    type: "swap",
    tick,
    swapTarget,
    need: verdict.need,
    reason: verdict.reason,
    balloonDone: verdict.balloonDone,
    balloonDoneReason: verdict.balloonDoneReason,
    compressed: compressedOf(vm),
    swapped: swappedOf(vm),
    hostState: host.state,
  };
}
