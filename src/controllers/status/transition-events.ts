/**
 * The Events a VM's condition flips record (docs/cli.md, "Events"): what happened to the VM's
 * memory, in the words an admin looks for in vSphere's event list — the balloon inflating and
 * deflating, the hypervisor swapping and its swap file emptied again, the VM going over its
 * limit and back within it. Only transitions are recorded; a VM that flaps repeats the same
 * Event (same object and reason), whose `count` the store's deduplication bumps.
 */
import type { Condition } from "../../api/types.js";
import type { VmRecord } from "../../hypervisor/ledger.js";
import { swappedOf } from "../../hypervisor/ledger.js";
import { limitDemandOf } from "../../hypervisor/limit.js";
import { approx } from "../shared/context.js";

/** One Event a condition flip records. */
export interface TransitionEvent {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

/**
 * The Event recorded when `condition` (newly set on `vm`) flips from `wasTrue`, or undefined
 * when the flip records none (or is recorded elsewhere, as GuestSwapping and OverLimit going
 * True are, together with their log entries).
 */
export function transitionEvent(vm: VmRecord, condition: Pick<Condition, "type" | "status">, wasTrue: boolean): TransitionEvent | undefined {
  const on = condition.status === "True";
  if (on === wasTrue) return undefined;
  switch (condition.type) {
    case "Ballooning":
      return on
        ? { type: "Normal", reason: "Ballooning", message: `balloon driver inflating: ${approx(vm.balloon)} reclaimed so far, target ${approx(vm.balloonTarget)} of max ${approx(vm.balloonMax)}` }
        : { type: "Normal", reason: "BalloonDeflated", message: "balloon fully deflated: the guest has its memory back" };
    case "HypervisorSwapping":
      return on
        ? { type: "Warning", reason: "HypervisorSwapping", message: `hypervisor swapping: ${approx(swappedOf(vm))} in the VM's swap file, swap target ${approx(vm.swapTarget)}` }
        : { type: "Normal", reason: "SwapReclaimed", message: "hypervisor swap file empty again: every swapped page was read back" };
    case "OverLimit":
      return on ? undefined : { type: "Normal", reason: "WithinLimit", message: `back within its limit: demand ${approx(vm.phase === "Running" ? limitDemandOf(vm) : 0)} vs limit ${approx(vm.spec.limit)} (consumed ${approx(vm.phase === "Running" ? vm.charged : 0)})` };
    default:
      return undefined;
  }
}
