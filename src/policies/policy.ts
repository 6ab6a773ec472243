/**
 * The contract of a reclamation policy plug-in (docs/policies.md): pure decision functions that
 * read the memory model's records and say, per VM, what the balloon and swap targets should be
 * and why. They never change anything; the reclaim controllers apply what they decide, and
 * `explain` calls the very same functions to say why a VM is where it is.
 *
 * A policy decides balloon targets in one of two ways:
 * - per VM (`scope: "vm"`, ESXi): each VM's target follows from the VM and its host alone; the
 *   `balloon` controller asks for it VM by VM, in the store's order;
 * - per host (`scope: "host"`, MOM, squeezed, hyperv): a plan for the whole host (pressure, γ, pool), then
 *   one decision per running VM in admission order. The controller named after the policy
 *   applies each decision and steps that VM's balloon before asking for the next one, so a
 *   decision that reads the host's free memory sees what the VMs before it left (as MOM does).
 *
 * A policy may also decide compression and hypervisor swapping (`pageOut`, ESXi only): applied
 * by the `swap` controller.
 */
import type { Words } from "./phrasing.js";
import type { BalloonCapName, BalloonCaps } from "../hypervisor/formulas.js";
import type { HostRecord, VmRecord } from "../hypervisor/ledger.js";

/** A host as a policy reads it (the model's record; a policy never writes it). */
export type HostView = Readonly<HostRecord>;

/** A VM as a policy reads it (the model's record; a policy never writes it). */
export type VmView = Readonly<VmRecord>;

/**
 * The numbers a policy needs from the memory model beyond the records. The controllers pass the
 * model itself; `explain` passes the model's `consumed` with the guest OS minimum read from the
 * store's profiles (the model's profile cache is empty right after a restore).
 */
export interface PolicyReader {
  /** Consumed host memory (CNSM) of a VM, pages. */
  consumed(vm: VmRecord): number;
  /** The guest OS minimum memory of a VM's profile, pages. */
  osMinimum(vm: VmRecord): number;
}

/**
 * Which balloon target changes are logged as `BalloonTargetChanged`: every change, only a
 * significant one (≥ 1 % and ≥ 1 MiB, or to or from zero; docs/memory-model.md "What we
 * simplify"), a significant one or one that reaches the balloon maximum, or none.
 */
export type BalloonLogRule = "change" | "significant" | "significantOrMax" | "none";

/** One VM's balloon decision. */
export interface BalloonVerdict {
  /** The balloon maximum (MCTLMAX) the policy allows this VM. */
  balloonMax: number;
  /** The balloon target (MCTLTGT), or undefined to leave the current target as it is. */
  target: number | undefined;
  /** Why, as a reason code: the log entry's `reason` when the target changes (e.g. `HostStateSoft`, `MomPressure`). */
  reason: string;
  /** The log message for a target change; built only when the change is logged. */
  message: () => string;
  /**
   * The same message as data (policies/phrasing.ts), when the policy gives it: the log then
   * builds it only when someone reads the log. `message()` must say the same words.
   */
  words?: Words;
  /** Which target changes are logged. */
  log: BalloonLogRule;
}

/** A per-VM balloon decision with the inputs a balloon decision record keeps (docs/explain.md). */
export interface VmBalloonVerdict extends BalloonVerdict {
  target: number;
  /** Every cap of the balloon maximum and the binding one (`noDriver` when the VM cannot balloon). */
  caps: BalloonCaps;
  binding: BalloonCapName | "noDriver";
  /** The guest OS minimum used by the OS-floor cap, pages. */
  osMinimum: number;
  /** Consumed memory the decision saw, pages. */
  consumed: number;
}

/** A per-host balloon decision: also whether the controller steps the VM's balloon driver this tick. */
export interface HostBalloonVerdict extends BalloonVerdict {
  /** Whether the balloon driver moves toward the target this tick (a VM without tools has none). */
  step: boolean;
  /** Pages the hypervisor may back on disk while the VM boots after a restart (Hyper-V Smart Paging); absent: none. */
  smartPaging?: number;
}

/** Balloon targets decided VM by VM (ESXi), applied by the `balloon` controller. */
export interface VmBalloonRule {
  readonly scope: "vm";
  /** One running VM's balloon decision. */
  decide(host: HostView, vm: VmView, reader: PolicyReader): VmBalloonVerdict;
}

/** Balloon targets decided per host (MOM, squeezed, hyperv), applied by the controller named after the policy. */
export interface HostBalloonRule<Plan = unknown> {
  readonly scope: "host";
  /** Whether the policy re-decides targets at the tick ending at `timeSeconds` (default: every tick). */
  evaluatesAt?(timeSeconds: number, tickSeconds: number): boolean;
  /**
   * The host-wide part of the decision, once per host and tick, from the host and its running
   * VMs (admission order). `evaluating` is false between the policy's evaluations: its
   * decisions then keep every target and only step the balloons. `nowSeconds` is the simulated
   * time of the state decided from (the start of the tick; explain: the current time).
   */
  plan(host: HostView, running: readonly VmView[], reader: PolicyReader, evaluating: boolean, nowSeconds: number): Plan;
  /** One running VM's decision under the plan; asked in admission order, after the VMs before it were applied. */
  decide(plan: Plan, host: HostView, vm: VmView, reader: PolicyReader): HostBalloonVerdict;
}

/** Why a VM's balloon can do no more, in the order the swap decision checks (docs/memory-model.md §8). */
/** `paced`: over its limit, the balloon reaches used memory, which it takes only at the guest's paging rate. */
export type BalloonDoneReason = "noDriver" | "unresponsive" | "stalled" | "atMaximum";

/** One VM's compression and hypervisor swapping decision. */
export interface PageOutVerdict {
  /** The swap target (SWTGT), pages. */
  swapTarget: number;
  /** Pages to compress or swap out now (0: none). */
  need: number;
  /** Why, as a reason code (`OverLimit`, `CannotBalloon`, `HostStateHard`, `PressureRelieved`, …). */
  reason: string;
  /** Whether the balloon can do no more for this VM. */
  balloonDone: boolean;
  /** Why the balloon can do no more, or null. */
  balloonDoneReason: BalloonDoneReason | null;
  /** The log message for a swap target change; built only when the change is logged. */
  message: () => string;
  /** The same message as data, when the policy gives it (see {@link BalloonVerdict.words}). */
  words?: Words;
  /** Whether chosen pages may go to the compression cache first (default true; false: straight to swap, as Linux without zswap). */
  compress?: boolean;
  /** Set when the host kills this VM to free memory (the Linux OOM killer): the message of its `PoweredOff`. */
  oomKill?: string;
}

/** Compression and host swapping decided per host, applied by the `swap` controller. */
export interface PageOutRule {
  /** One decision per VM of `vms` (the host's admitted VMs, admission order), index for index. */
  decide(host: HostView, vms: readonly VmView[], reader: PolicyReader): PageOutVerdict[];
}

/** What ksmd is set to on a host: MOM's decision at one evaluation (policies/mom/ksm-policy.ts). */
export interface KsmVerdict {
  /** ksm_run. */
  run: boolean;
  /** ksm_pages_to_scan. */
  pagesToScan: number;
  /** ksm_sleep_millisecs. */
  sleepMs: number;
  /** Why, as a reason code (`KsmIdle`, `KsmCommitted`, `KsmPressure`). */
  reason: string;
  /** The log message when ksmd starts or stops. */
  message: () => string;
}

/** Kernel same-page merging driven by a policy (KVM hosts under MOM). */
export interface KsmRule {
  readonly kind: "ksm";
  /** Whether the policy re-decides at the tick ending at `timeSeconds`. */
  evaluatesAt(timeSeconds: number, tickSeconds: number): boolean;
  /** ksmd's setting from the host and its running VMs; `current` is the host's setting before (undefined: never set). */
  decide(host: HostView, running: readonly VmView[], current: { run: boolean; pagesToScan: number } | undefined): KsmVerdict;
}

/**
 * How a policy's real host shares identical pages: ESXi's transparent page sharing (`tps`, the
 * host's `pageSharing` settings), the kernel's KSM as a policy drives it, or not at all (`none`,
 * with the reason in words).
 */
export type PageSharingRule = { readonly kind: "tps" } | KsmRule | { readonly kind: "none"; readonly why: string };

/** A reclamation policy a host can run (`spec.policy`): its decision functions, words and sources. */
export interface PolicyPlugin {
  /** The `spec.policy` value; also the name of its controller when it decides per host. */
  readonly name: string;
  /** Its name in prose (`ESXi`, `oVirt MOM`). */
  readonly title: string;
  /** One sentence on how it reclaims, for explanations. */
  readonly summary: string;
  /** Where its rules come from. */
  readonly sources: readonly string[];
  /** What the guest needs for a balloon driver on this hypervisor (`VMware Tools`, `Hyper-V Integration Services`). */
  readonly guestTools: string;
  /** What happens to a VM without that driver under this policy, as a clause (for advice). */
  readonly withoutBalloonDriver: string;
  /** Plain words for the reason codes it decides with (used by explanations and docs). */
  readonly reasons: Readonly<Record<string, string>>;
  /** How it sets balloon targets. */
  readonly balloon: VmBalloonRule | HostBalloonRule;
  /** How it compresses and swaps, if it does (ESXi; Linux host swap under MOM); without it nothing is paged out by the host. */
  readonly pageOut?: PageOutRule;
  /** How the policy's real host shares identical pages (docs/policies.md). */
  readonly pageSharing: PageSharingRule;
}

/** A policy that decides balloon targets per host: it runs as a controller of its own name. */
export interface HostScopedPolicy extends PolicyPlugin {
  readonly balloon: HostBalloonRule;
}

/** Whether a policy decides balloon targets per host. */
export function isHostScoped(policy: PolicyPlugin): policy is HostScopedPolicy {
  return policy.balloon.scope === "host";
}
