/**
 * The `hyperv` policy: Hyper-V Dynamic Memory (docs/policies.md).
 *
 * Each VM with `spec.dynamicMemory` enabled is given its demand (the guest's committed memory)
 * plus its memory buffer, within [minimum, maximum]; when the host cannot give every VM that, the
 * memory beyond each VM's minimum is divided by memory weight. A VM boots with its startup memory.
 * memplane keeps a VM's configured memory (spec.memory) as its largest possible size and
 * expresses the memory Hyper-V assigns as `memory − balloon`: memory removed is the balloon
 * inflating (never below minimum), memory added above startup — hot-add in Hyper-V — is the
 * balloon deflating below `memory − startup`, at the host's deflate rate. VMs without Dynamic
 * Memory (or without tools) keep their static memory. The arithmetic and its sources are in
 * hyperv-policy.ts.
 */
import { approx } from "../../hypervisor/format.js";
import { usedOf } from "../../hypervisor/ledger.js";
import { canBalloon } from "../balloon.js";
import type { HostBalloonRule, HostBalloonVerdict, HostScopedPolicy, HostView, PolicyReader, VmView } from "../policy.js";
import { balanceDynamicMemory, HYPERV_POLICY, smartPagingPages, type DynamicGuest } from "./hyperv-policy.js";

export * from "./hyperv-policy.js";

/** What the balancer decided for one VM. */
export interface HypervSlot {
  guest: DynamicGuest;
  /** Memory Hyper-V assigns it now, pages. */
  size: number;
  /** Demand plus buffer within [minimum, maximum] (startup while booting), pages. */
  target: number;
  /** Pages Smart Paging backs on disk: the startup memory the host cannot give a VM booting after a restart. */
  smartPaging: number;
}

/** Hyper-V's plan for a host: the pool, whether it was short, and each Dynamic Memory VM's size. */
export interface HypervPlan {
  /** Memory the Dynamic Memory VMs may hold while the host keeps minFree free, pages. */
  pool: number;
  /** The pool did not cover every target: memory was divided by weight. */
  contended: boolean;
  /** The pool did not even cover every VM's minimum (startup while booting). */
  short: boolean;
  /** Σ memory weight of the Dynamic Memory VMs. */
  totalWeight: number;
  slots: Map<VmView, HypervSlot>;
}

/** The guest's memory demand: its committed memory (used pages and pages in its own swap). */
export function memoryDemand(vm: Pick<VmView, "guestSwapped"> & Parameters<typeof usedOf>[0]): number {
  return usedOf(vm) + vm.guestSwapped;
}

/** Whether Hyper-V balances a VM: Dynamic Memory enabled and a driver to take memory back. */
export function isDynamic(vm: VmView, host: HostView): boolean {
  return vm.spec.dynamicMemory?.enabled === true && canBalloon(vm, host);
}

/** Hyper-V's plan: the Dynamic Memory VMs' sizes from one pool (host free − minFree + what they consume). */
export function hypervPlan(host: HostView, running: readonly VmView[], reader: PolicyReader, nowSeconds: number): HypervPlan {
  const vms = running.filter((vm) => isDynamic(vm, host));
  const guests = vms.map((vm): DynamicGuest => {
    const dm = vm.spec.dynamicMemory!;
    const booting = nowSeconds - vm.poweredOnAt < HYPERV_POLICY.bootSeconds;
    // a booting VM holds exactly its startup memory: the DM driver is not running yet
    const bounds = booting ? { minimum: dm.startup, maximum: dm.startup } : { minimum: dm.minimum, maximum: dm.maximum };
    return { demand: memoryDemand(vm), startup: dm.startup, bufferPercent: dm.bufferPercent, weight: dm.weight, booting, ...bounds };
  });
  const held = vms.reduce((s, vm) => s + reader.consumed(vm), 0);
  const pool = Math.max(0, host.free - host.spec.minFree + held);
  const allocation = balanceDynamicMemory(pool, guests);
  const floors = guests.reduce((s, g) => s + g.minimum, 0);
  const slots = new Map<VmView, HypervSlot>();
  const spare = Math.max(0, host.free - host.spec.minFree);
  vms.forEach((vm, i) => {
    const guest = guests[i]!;
    const smartPaging = smartPagingPages(isRestarting(vm), guest.booting, guest.startup, reader.consumed(vm) + spare);
    slots.set(vm, { guest, size: allocation.sizes[i]!, target: allocation.targets[i]!, smartPaging });
  });
  return { pool, contended: allocation.contended, short: floors > pool, totalWeight: guests.reduce((s, g) => s + g.weight, 0), slots };
}

/** Whether a VM's guest was restarted since power-on (rather than started from off). */
export function isRestarting(vm: Pick<VmView, "restartedAt" | "poweredOnAt">): boolean {
  return vm.restartedAt !== null && vm.restartedAt === vm.poweredOnAt;
}

const NO_MESSAGE = (): string => "";

/** The reason code for a Dynamic Memory VM's new size. */
function reasonFor(plan: HypervPlan, slot: HypervSlot, current: number): string {
  if (slot.guest.booting) return slot.smartPaging > 0 ? "HypervSmartPaging" : plan.short ? "HypervStartupUnavailable" : "HypervBooting";
  if (plan.contended && slot.size < slot.target) return "HypervWeight";
  if (slot.size > current) return slot.size > slot.guest.startup ? "HypervHotAdd" : "HypervGrow";
  if (slot.size < current) return "HypervBalloon";
  return "HypervSteady";
}

/** One VM's decision under Hyper-V's plan. */
export function hypervBalloonDecision(plan: HypervPlan, host: HostView, vm: VmView): HostBalloonVerdict {
  const slot = plan.slots.get(vm);
  if (slot === undefined) {
    const reason = vm.spec.dynamicMemory?.enabled !== true ? "StaticMemory" : vm.spec.toolsInstalled ? "BallooningDisabled" : "NoBalloonDriver";
    return { balloonMax: 0, target: 0, reason, message: NO_MESSAGE, log: "none", step: vm.spec.toolsInstalled };
  }
  const { guest, size, target } = slot;
  const current = vm.memory - vm.balloon;
  const reason = reasonFor(plan, slot, current);
  const message = (): string => {
    if (guest.booting && slot.smartPaging > 0) {
      return `restarting: holds its startup memory ${approx(guest.startup)}, ${approx(slot.smartPaging)} of it in the Smart Paging file until the guest has booted (host ${host.name} has only ${approx(guest.startup - slot.smartPaging)} for it)`;
    }
    if (guest.booting) return `booting: holds its startup memory ${approx(guest.startup)}${plan.short ? ` although host ${host.name} can give only ${approx(plan.pool)} to its Dynamic Memory VMs` : ""}`;
    const wanted = `demand ${approx(guest.demand)} + ${guest.bufferPercent}% buffer within [${approx(guest.minimum)}, ${approx(guest.maximum)}] = ${approx(target)}`;
    const short = plan.contended && size < target ? `; host ${host.name} can give its Dynamic Memory VMs only ${approx(plan.pool)}, divided by weight (${guest.weight} of ${plan.totalWeight})` : "";
    const how = size > current ? (size > guest.startup ? ", hot-added above startup" : ", balloon deflating") : ", balloon removing memory";
    return size === current ? `${wanted}${short}: holds ${approx(size)}` : `${wanted}${short}: assigned memory ${approx(current)} → ${approx(size)}${how}`;
  };
  return { balloonMax: Math.max(0, vm.memory - guest.minimum), target: Math.max(0, vm.memory - size), reason, message, log: "significant", step: true, smartPaging: slot.smartPaging };
}

/** Hyper-V's balloon rule: re-balanced every tick. */
export const hypervBalloonRule: HostBalloonRule<HypervPlan> = {
  scope: "host",
  plan: (host, running, reader, _evaluating, nowSeconds) => hypervPlan(host, running, reader, nowSeconds),
  decide: (plan, host, vm) => hypervBalloonDecision(plan, host, vm),
};

/** Hyper-V Dynamic Memory. */
export const hypervPolicy: HostScopedPolicy = {
  name: "hyperv",
  title: "Hyper-V Dynamic Memory",
  summary:
    "every VM with Dynamic Memory is given its demand (committed memory) plus its memory buffer, between its minimum and maximum; memory above startup is hot-added, memory is taken back by the balloon down to the minimum, and when the host cannot give every VM that, memory beyond the minimums is divided by memory weight; a VM boots with its startup memory; there is no hypervisor swapping (Smart Paging only bridges a restart: a VM restarting with less than its startup memory available pages the shortfall to disk until it has booted)",
  sources: [
    'Microsoft, "Hyper-V Dynamic Memory Overview" (learn.microsoft.com/windows-server/virtualization/hyper-v/dynamic-memory)',
    "Microsoft, Set-VMMemory (learn.microsoft.com/powershell/module/hyper-v/set-vmmemory): -Buffer 5 to 2000, -StartupBytes, -MinimumBytes, -MaximumBytes, -Priority",
    "docs/policies.md (what memplane simplifies)",
  ],
  guestTools: "Hyper-V Integration Services",
  withoutBalloonDriver: "Dynamic Memory cannot take memory back, so it keeps its static memory while the host runs short",
  reasons: {
    HypervBooting: "it is booting, so it holds its startup memory until the guest's Dynamic Memory driver runs",
    HypervStartupUnavailable:
      "it is booting and the host cannot give every booting VM its startup memory: Hyper-V would not start it from off, and Smart Paging only bridges a restart; memplane lets it boot on what the host has",
    HypervSmartPaging:
      "it is booting after a restart and the host cannot give it its startup memory, so Hyper-V backs the shortfall with the Smart Paging file on disk until the guest has booted",
    HypervWeight: "the host cannot give every Dynamic Memory VM its demand plus buffer, so memory beyond the minimums is divided by memory weight",
    HypervHotAdd: "its demand plus buffer is above its startup memory: Hyper-V hot-adds memory (memplane: the balloon deflates below memory − startup)",
    HypervGrow: "its demand plus buffer grew: the balloon gives back memory it took (still at or below startup)",
    HypervBalloon: "its demand plus buffer fell: the balloon removes memory, never below its minimum",
    HypervSteady: "it already has its demand plus buffer",
    StaticMemory: "it has no Dynamic Memory (spec.dynamicMemory absent or not enabled), so it keeps its static memory",
    BallooningDisabled: "ballooning is disabled on its host, so Hyper-V cannot take memory back and it keeps its static memory",
    NoBalloonDriver: "it has no integration services (tools), so it keeps its static memory",
  },
  balloon: hypervBalloonRule,
  pageSharing: { kind: "none", why: "Hyper-V does not share pages between virtual machines" },
};
