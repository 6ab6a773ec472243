/**
 * Guest OS minimums and balloon caps as `explain` and `advise` read them: from the store's guest
 * OS profiles (applied ones override the built-ins), not from the model's profile cache — that
 * cache is filled when the model syncs at the start of a tick, so right after restoring a saved
 * state it still holds nothing. The caps themselves are the ESXi policy's
 * (src/policies/esxi/balloon.ts).
 */
import { builtinProfile } from "../api/builtin-profiles.js";
import { quantityToPages } from "../api/quantity.js";
import type { GuestOSProfile } from "../api/types.js";
import type { HostRecord, VmRecord } from "../hypervisor/ledger.js";
import { esxiBalloonCaps } from "../policies/esxi/index.js";
import type { DeepReadonly, ResourceReader } from "../store/types.js";

/** The guest OS minimum of a profile name, pages (unknown names count as `other`). */
export function osMinimumPages(store: ResourceReader, guestOS: string): number {
  const profile = (store.get("GuestOSProfile", guestOS) as DeepReadonly<GuestOSProfile> | undefined) ?? builtinProfile(guestOS);
  const other = (store.get("GuestOSProfile", "other") as DeepReadonly<GuestOSProfile> | undefined) ?? builtinProfile("other");
  return quantityToPages((profile ?? other)?.spec.minimumMemory ?? "256Mi");
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
