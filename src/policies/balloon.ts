/**
 * Balloon facts every policy reads the same way: whether a VM can balloon at all and the
 * largest balloon that still leaves it its guaranteed memory.
 */
import type { HostView, VmView } from "./policy.js";

/** Whether a VM can balloon at all: tools with a driver, ballooning enabled on its host. */
export function canBalloon(vm: Pick<VmView, "spec">, host: Pick<HostView, "spec">): boolean {
  return vm.spec.toolsInstalled && host.spec.ballooning.enabled;
}

/** The largest balloon that still leaves a VM its guaranteed memory (the reservation): memory − reservation. */
export function guaranteedBalloonMax(vm: Pick<VmView, "memory" | "reservation">): number {
  return Math.max(0, vm.memory - vm.reservation);
}
