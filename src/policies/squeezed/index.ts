/**
 * The `squeezed` policy: XenServer squeezed's proportional balancer (docs/policies.md).
 *
 * Xen's squeezed does not rank VMs by shares or idleness; it gives every VM the same fraction γ
 * of its [dynamic-min, dynamic-max] range, with γ chosen so that the host keeps its free-memory
 * target (squeezed's `target_host_free_mem_kib`: a 1 MiB emergency pool + 8 MiB, not ESXi's
 * minFree), and it frees before it allocates (two phases). It checks the balance every 10 s
 * (`balance-check-interval`) and, once a balance is under way, iterates every tick until every
 * balloon has reached its target. Each VM's
 * memory target is expressed as a balloon target: memory − γ-target. VMs that cannot balloon (no
 * tools, ballooning disabled) or whose driver is stuck are left out, as squeezed's stuckness
 * monitor does (a driver that made no progress for 5 s); a balloon stalled on a full guest swap
 * does not hold up the allocation phase. The arithmetic and its sources are in
 * squeezed-policy.ts; this module turns it into balloon decisions.
 */
import { approx } from "../../hypervisor/format.js";
import { canBalloon, guaranteedBalloonMax } from "../balloon.js";
import type { HostBalloonRule, HostBalloonVerdict, HostView, HostScopedPolicy, PolicyReader, VmView } from "../policy.js";
import { proportionalTargets } from "./squeezed-policy.js";

export * from "./squeezed-policy.js";

/** squeezed declares a balloon driver stuck after this many seconds without progress. */
export const SQUEEZED_STUCK_SECONDS = 5;

/** Pages a balloon may be off its target and still count as having reached it (squeezed's inaccuracy). */
export const SQUEEZED_INACCURACY_PAGES = 256;

/**
 * The host free memory squeezed keeps (pages): `target_host_free_mem_kib = low_mem_emergency_pool
 * (1 MiB) + extra_mem_to_keep (8 MiB)` in squeeze_xen.ml.
 */
export const SQUEEZED_HOST_FREE_TARGET_PAGES = 9 * 256;

/** Seconds between squeezed's balance checks (`balance_check_interval`, default 10. in squeezed.ml). */
export const SQUEEZED_BALANCE_CHECK_SECONDS = 10;

/** Whether squeezed checks the balance at the end of a tick ending at `timeSeconds` (every 10 simulated seconds). */
export function isSqueezedBalanceCheck(timeSeconds: number, tickSeconds: number): boolean {
  const every = SQUEEZED_BALANCE_CHECK_SECONDS;
  return Math.floor(timeSeconds / every + 1e-9) !== Math.floor((timeSeconds - tickSeconds) / every + 1e-9);
}

/** squeezed's plan for a host: γ, the phase, and the balloon target of every VM it balances. */
export interface SqueezedPlan {
  gamma: number;
  /** squeezed balances this tick: a 10 s check, or a balance still under way (some balloon not at its target). */
  balancing: boolean;
  /** Some VM must still inflate its balloon: only those VMs get new targets this tick. */
  freeingPhase: boolean;
  /** The VMs squeezed balances (able to balloon, driver not stuck): balloon target and whether it frees memory. */
  targets: Map<VmView, { target: number; freeing: boolean }>;
}

/** squeezed's plan: one γ for the host's running VMs that can balloon and whose driver is not stuck. */
export function squeezedPlan(host: HostView, running: readonly VmView[], reader: PolicyReader, checking = true): SqueezedPlan {
  const active = running.filter((vm) => canBalloon(vm, host) && vm.driverIdleSeconds <= SQUEEZED_STUCK_SECONDS);
  const underWay = active.some((vm) => Math.abs(vm.balloon - vm.balloonTarget) > SQUEEZED_INACCURACY_PAGES && !vm.balloonStalled);
  const allocation = proportionalTargets(
    host.free,
    SQUEEZED_HOST_FREE_TARGET_PAGES,
    active.map((vm) => ({ dynamicMin: vm.reservation, dynamicMax: vm.memory, actual: reader.consumed(vm) })),
  );
  const targets = new Map<VmView, { target: number; freeing: boolean }>();
  let freeingPhase = false;
  active.forEach((vm, i) => {
    const target = Math.max(0, vm.memory - allocation.targets[i]!);
    // a balloon stalled on a full guest swap cannot free more and does not hold the others back
    const freeing = target > vm.balloon + SQUEEZED_INACCURACY_PAGES && !vm.balloonStalled;
    if (freeing) freeingPhase = true;
    targets.set(vm, { target, freeing });
  });
  return { gamma: allocation.gamma, balancing: checking || underWay, freeingPhase, targets };
}

const NO_MESSAGE = (): string => "";

/** One VM's balloon decision under squeezed's plan. */
export function squeezedBalloonDecision(plan: SqueezedPlan, host: HostView, vm: VmView): HostBalloonVerdict {
  if (!canBalloon(vm, host)) {
    const reason = vm.spec.toolsInstalled ? "BallooningDisabled" : "NoBalloonDriver";
    return { balloonMax: 0, target: 0, reason, message: NO_MESSAGE, log: "none", step: vm.spec.toolsInstalled };
  }
  const balloonMax = guaranteedBalloonMax(vm);
  const slot = plan.targets.get(vm);
  if (slot === undefined) return { balloonMax, target: undefined, reason: "SqueezedStuck", message: NO_MESSAGE, log: "none", step: true };
  if (!plan.balancing) return { balloonMax, target: undefined, reason: "SqueezedBalanced", message: NO_MESSAGE, log: "none", step: true };
  if (plan.freeingPhase && !slot.freeing) return { balloonMax, target: undefined, reason: "SqueezedWaiting", message: NO_MESSAGE, log: "none", step: true };
  const target = slot.target;
  const gammaText = plan.gamma.toFixed(3);
  return {
    balloonMax,
    target,
    reason: plan.freeingPhase ? "SqueezedFreeing" : "SqueezedAllocating",
    message: () =>
      `γ = ${gammaText} of [${approx(vm.reservation)}, ${approx(vm.memory)}] → target ${approx(vm.memory - target)} so host ${host.name} keeps ${approx(SQUEEZED_HOST_FREE_TARGET_PAGES)} free (squeezed's target)${plan.freeingPhase ? " (freeing phase: growing VMs wait)" : ""}`,
    log: "significant",
    step: true,
  };
}

/** squeezed's balloon rule: a balance check every 10 s; a balance under way iterates every tick. */
export const squeezedBalloonRule: HostBalloonRule<SqueezedPlan> = {
  scope: "host",
  evaluatesAt: isSqueezedBalanceCheck,
  plan: (host, running, reader, evaluating) => squeezedPlan(host, running, reader, evaluating),
  decide: (plan, host, vm) => squeezedBalloonDecision(plan, host, vm),
};

/** XenServer squeezed's proportional ballooning. */
export const squeezedPolicy: HostScopedPolicy = {
  name: "squeezed",
  title: "XenServer squeezed",
  summary:
    "every VM that can balloon gets the same fraction γ of its range [reservation, memory], with γ chosen so the host keeps squeezed's 9 MiB free-memory target, checked every 10 s; VMs that must shrink get their targets first (freeing phase), the others once those are reached (allocating phase); there is no hypervisor swapping",
  sources: [
    "squeezed, Squeeze.Proportional and Squeezer.one_iteration (squeezed/lib/squeeze.ml in github.com/xapi-project/xen-api)",
    'the design note "Squeezed: a host memory ballooning daemon for Xen" (xapi-project.github.io/squeezed)',
    "docs/policies.md (what memplane simplifies)",
  ],
  guestTools: "the Xen PV drivers (their balloon driver)",
  withoutBalloonDriver: "squeezed leaves it out of balancing, so it keeps its static memory while the host runs short",
  reasons: {
    SqueezedFreeing: "freeing phase: this VM must give memory back, so it gets its γ-target now",
    SqueezedAllocating: "allocating phase: every VM that had to free memory has, so the VM gets its γ-target",
    SqueezedWaiting: "freeing phase: this VM may grow, but waits until the VMs that must shrink have reached their targets",
    SqueezedStuck: "its balloon driver made no progress for 5 s, so squeezed leaves it out",
    SqueezedBalanced: "squeezed checks the balance every 10 s and no balance is under way, so the target stays",
    BallooningDisabled: "ballooning is disabled on its host, so squeezed leaves it out",
    NoBalloonDriver: "it has no tools, so squeezed leaves it out",
  },
  balloon: squeezedBalloonRule,
  pageSharing: { kind: "none", why: "XenServer does not share pages between or within domains" },
};
