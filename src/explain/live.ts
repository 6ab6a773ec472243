/**
 * Decisions recomputed from the memory model as it stands at the current tick, in the same shape
 * as the controllers' decision records. Records are kept only when a target changes (and only the
 * newest {@link DECISION_RETENTION} per object), so for "now" the explanation reads the model
 * directly with the controllers' own rules (memory-model.md §6–§8) instead of trusting a record
 * that may be old or already dropped.
 */
import { hostStateReason } from "../controllers/host-state/host-state-controller.js";
import { canBalloon, underPressure } from "../controllers/balloon/balloon-controller.js";
import { computeEntitlements, entitlementDecision } from "../controllers/entitlement/entitlement-controller.js";
import type { ResourceReader } from "../store/types.js";
import { balloonCaps } from "./balloon-caps.js";
import { jsonCaps, type BalloonDecision, type EntitlementBound, type EntitlementDecision, type SwapDecision } from "../hypervisor/decisions.js";
import { waterFill } from "../hypervisor/formulas.js";
import { compressedOf, swappedOf, touchedOf, type HostRecord, type VmRecord } from "../hypervisor/ledger.js";
import { BALLOON_DRIVER_TIMEOUT_SECONDS, type MemoryModelReader } from "../hypervisor/memory-model.js";

/** The entitlement decision of one VM as the entitlement controller makes it, recomputed now. */
export function liveEntitlement(model: MemoryModelReader, host: HostRecord, vm: VmRecord, tick: number): EntitlementDecision | undefined {
  const h = computeEntitlements(model, host);
  const index = h.vms.indexOf(vm);
  return index < 0 ? undefined : entitlementDecision(model, host, h, index, tick);
}

/** The balloon decision of one VM now: caps, the binding one, target and why (gave is not known live: zeros). */
export function liveBalloon(model: MemoryModelReader, store: ResourceReader, host: HostRecord, vm: VmRecord, tick: number): BalloonDecision {
  const able = canBalloon(vm, host);
  const cap = balloonCaps(store, vm, host);
  const pressure = underPressure(host);
  const reason = !able
    ? vm.spec.toolsInstalled
      ? "BallooningDisabled"
      : "NoBalloonDriver"
    : pressure || vm.overLimit
      ? vm.overLimit && !pressure
        ? "OverLimit"
        : hostStateReason(host.state)
      : "PressureRelieved";
  return {
    type: "balloon",
    tick,
    target: vm.balloonTarget,
    balloon: vm.balloon,
    reason,
    reclaim: vm.reclaim,
    entitlement: vm.entitlement,
    consumed: model.consumed(vm),
    balloonMax: able ? cap.max : 0,
    caps: jsonCaps(cap.caps),
    binding: able ? cap.binding : "noDriver",
    guestOS: vm.spec.guestOS,
    osMinimum: cap.osMinimum,
    slack: host.spec.ballooning.slack,
    maxPercent: host.spec.ballooning.maxPercent,
    gave: { free: 0, untouched: 0, used: 0, stalled: 0 },
    hostState: host.state,
  };
}

/** Why a VM's balloon counts as "done" for the swap controller, or undefined when it is not. */
export function balloonDoneBecause(vm: VmRecord, host: HostRecord): string | undefined {
  if (!vm.spec.toolsInstalled) return "it has no balloon driver (no tools)";
  if (!host.spec.ballooning.enabled) return `ballooning is disabled on host ${host.name}`;
  if (vm.balloon >= vm.balloonMax) return "its balloon is at its maximum";
  if (vm.balloonStalled) return "its balloon stalled (guest swap full)";
  if (vm.driverIdleSeconds >= BALLOON_DRIVER_TIMEOUT_SECONDS) return "its balloon driver is stuck (unresponsive)";
  return undefined;
}

/** The swap decision of one VM now, by the swap controller's rule (memory-model.md §8). */
export function liveSwap(model: MemoryModelReader, host: HostRecord, vm: VmRecord, tick: number): SwapDecision {
  const state = host.state;
  const consumed = model.consumed(vm);
  const overLimit = consumed > vm.spec.limit;
  const done = canBalloon(vm, host) ? balloonDoneBecause(vm, host) !== undefined : true;
  const eligible = state === "hard" || state === "low" || ((state === "soft" || overLimit) && done);
  const need = eligible ? Math.max(0, Math.min(consumed - vm.entitlement, consumed - vm.reservation)) : 0;
  return {
    type: "swap",
    tick,
    swapTarget: vm.swapTarget,
    need,
    reason: overLimit ? "OverLimit" : need > 0 ? (state === "soft" ? "CannotBalloon" : hostStateReason(state)) : "PressureRelieved",
    balloonDone: done,
    compressed: compressedOf(vm),
    swapped: swappedOf(vm),
    hostState: state,
  };
}
