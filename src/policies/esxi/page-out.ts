/**
 * ESXi's compression and hypervisor swapping rule (docs/memory-model.md §8, SWTGT), decided per
 * host and VM.
 *
 * Whatever reclaim need the balloon has not met (no driver, at its maximum, stalled, or a driver
 * stuck for 30 s) must still be met, or the host runs out of memory. Hard and low page out
 * whatever the balloon has not met yet; soft and a VM over its limit only once its balloon can
 * do no more. The need is min(consumed − entitlement, consumed − reservation). A VM over its
 * limit is held there by the model at allocation (limit.ts); its SWTGT is what that swapped.
 */
import { approx } from "../../hypervisor/format.js";
import { freeOf, swappedOf, usedOf } from "../../hypervisor/ledger.js";
import { BALLOON_DRIVER_TIMEOUT_SECONDS } from "../../hypervisor/memory-model.js";
import { canBalloon } from "../balloon.js";
import { hostStateReason } from "../host-state.js";
import { registerPhrasing, words, wordsText } from "../phrasing.js";
import type { BalloonDoneReason, HostView, PageOutRule, PageOutVerdict, PolicyReader, VmView } from "../policy.js";

/**
 * Why a VM's balloon can do no more, or null while it can: no driver (no tools, or ballooning
 * disabled on the host), a driver unresponsive for 30 s, a balloon stalled on a full guest swap,
 * or a balloon at its maximum — checked in that order, so a VM that is several of these at once
 * gets the first.
 */
export function balloonDoneReason(vm: VmView, host: HostView): BalloonDoneReason | null {
  if (!canBalloon(vm, host)) return "noDriver";
  if (vm.driverIdleSeconds >= BALLOON_DRIVER_TIMEOUT_SECONDS) return "unresponsive";
  if (vm.balloonStalled) return "stalled";
  if (vm.balloon >= vm.balloonMax) return "atMaximum";
  return null;
}

// the messages of a swap target change (policies/phrasing.ts: built only when the log is read)
const UNMET = registerPhrasing("esxi.pageOut.unmet", (_, need) => `balloon left ${approx(need)} of reclaim unmet; compressing and swapping`);
const HELD_AT_LIMIT = registerPhrasing(
  "esxi.pageOut.heldAtLimit",
  (_, limit) => `the host backs no more than the limit ${approx(limit)}: pages beyond it were compressed or swapped as the guest allocated them; they return when touched`,
);
const NONE_LEFT = registerPhrasing("esxi.pageOut.noneLeft", (hostName) => `no reclaim left on ${hostName}; swapped pages return when touched`);

/** One VM's compression and swapping decision under ESXi's rule. */
export function esxiPageOutDecision(host: HostView, vm: VmView, reader: PolicyReader): PageOutVerdict {
  const state = host.state;
  const consumed = reader.consumed(vm);
  const overLimit = vm.overLimit;
  const doneReason = balloonDoneReason(vm, host);
  const balloonDone = doneReason !== null;
  const eligible = state === "hard" || state === "low" || ((state === "soft" || overLimit) && balloonDone);
  const need = eligible ? Math.max(0, Math.min(consumed - vm.entitlement, consumed - vm.reservation)) : 0;
  const swapped = swappedOf(vm);
  // with no need the target falls back: for a VM over its limit to what is swapped (the limit
  // holds it out: the host paged it out at allocation), else to 0 in high and clear and to what
  // is swapped otherwise
  const said = need > 0 ? words(UNMET, "", need) : overLimit ? words(HELD_AT_LIMIT, "", vm.spec.limit) : words(NONE_LEFT, host.name);
  const swapTarget = need > 0 ? swapped + need : overLimit ? swapped : state === "high" || state === "clear" ? 0 : Math.min(vm.swapTarget, swapped);
  return {
    swapTarget,
    need,
    reason: overLimit ? "OverLimit" : need > 0 ? (state === "soft" ? "CannotBalloon" : hostStateReason(state)) : "PressureRelieved",
    balloonDone,
    balloonDoneReason: doneReason,
    message: () => wordsText(said),
    words: said,
  };
}

/** ESXi's page-out rule: every admitted VM of the host decided on its own. */
export const esxiPageOutRule: PageOutRule = {
  decide: (host, vms, reader) => vms.map((vm) => esxiPageOutDecision(host, vm, reader)),
};
