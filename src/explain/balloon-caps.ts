/**
 * A VM's balloon caps computed from the store's guest OS profiles (applied ones override the
 * built-ins), not from the model's profile cache: that cache is filled when the model syncs at
 * the start of a tick, so right after restoring a saved state it still holds nothing.
 */
import { builtinProfile } from "../api/builtin-profiles.js";
import { quantityToPages } from "../api/quantity.js";
import type { GuestOSProfile } from "../api/types.js";
import { balloonMaximum } from "../hypervisor/formulas.js";
import type { HostRecord, VmRecord } from "../hypervisor/ledger.js";
import type { DeepReadonly, ResourceReader } from "../store/types.js";

/** The guest OS minimum of a profile name, pages (unknown names count as `other`). */
export function osMinimumPages(store: ResourceReader, guestOS: string): number {
  const profile = (store.get("GuestOSProfile", guestOS) as DeepReadonly<GuestOSProfile> | undefined) ?? builtinProfile(guestOS);
  const other = (store.get("GuestOSProfile", "other") as DeepReadonly<GuestOSProfile> | undefined) ?? builtinProfile("other");
  return quantityToPages((profile ?? other)?.spec.minimumMemory ?? "256Mi");
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
