/**
* Guest OS minimums and balloon caps as `explain` and `advise` read them: from the guest-OS
 * catalog of the store as it is now, not the model's own catalog — that one is read when the
 * model syncs at the start of a tick, so right after restoring a saved state it does not know the
 * applied profiles yet. The caps themselves are the ESXi policy's (src/policies/esxi/balloon.ts).
 */
import { storeCatalog } from "../hypervisor/guest-os-catalog.js";
import type { HostRecord, VmRecord } from "../hypervisor/ledger.js";
import { esxiBalloonCaps } from "../policies/esxi/index.js";
import type { ResourceReader } from "../store/types.js";

/** The guest OS minimum of a profile name, pages (unknown names count as `other`): the model's catalog over the store. */
export function osMinimumPages(store: ResourceReader, guestOS: string): number {
  return storeCatalog(store).minimumPages(guestOS);
}

/**
 * A VM's ESXi balloon maximum (MCTLMAX) on its host, each cap and the binding one
 * (docs/memory-model.md §7); a VM that is not running is taken at its configured memory and
 * reservation.
 */
export function balloonCaps(store: ResourceReader, vm: VmRecord, host: HostRecord): ReturnType<typeof esxiBalloonCaps> & { osMinimum: number } {
  const osMinimum = osMinimumPages(store, vm.spec.guestOS);
  const running = vm.phase === "Running";
  const sized = { memory: running ? vm.memory : vm.spec.memory, reservation: running ? vm.reservation : vm.spec.reservation, spec: vm.spec };
  return { ...esxiBalloonCaps(sized, host, osMinimum), osMinimum };
}
