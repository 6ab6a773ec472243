/**
 * A VM's balloon caps computed from the guest-OS catalog of the store as it is now (the model's
 * own catalog is read when the model syncs at the start of a tick, so right after restoring a
 * saved state it does not know the applied profiles yet).
 */
import { balloonMaximum } from "../hypervisor/formulas.js";
import { storeCatalog } from "../hypervisor/guest-os-catalog.js";
import type { HostRecord, VmRecord } from "../hypervisor/ledger.js";
import type { ResourceReader } from "../store/types.js";

/** The guest OS minimum of a profile name, pages (unknown names count as `other`): the model's catalog over the store. */
export function osMinimumPages(store: ResourceReader, guestOS: string): number {
  return storeCatalog(store).minimumPages(guestOS);
}

/** The balloon maximum (MCTLMAX) of a VM on its host, each cap and the binding one (memory-model.md §7). */
export function balloonCaps(store: ResourceReader, vm: VmRecord, host: HostRecord): ReturnType<typeof balloonMaximum> & { osMinimum: number } {
  const osMinimum = osMinimumPages(store, vm.spec.guestOS);
  const caps = balloonMaximum({
    memoryPages: vm.phase === "Running" ? vm.memory : vm.spec.memory,
    maxPercent: host.spec.ballooning.maxPercent,
    osMinimumPages: osMinimum,
    slackPages: host.spec.ballooning.slack,
    reservationPages: vm.phase === "Running" ? vm.reservation : vm.spec.reservation,
    maxBalloonPages: vm.spec.maxBalloon,
  });
  return { ...caps, osMinimum };
}
