/**
 * The `mom` policy: oVirt MOM's default balloon rules for KVM hosts (docs/policies.md).
 *
 * MOM (the Memory Overcommitment Manager) looks at host free memory every 10 s and, when it is
 * below 20 % of the host's memory, shrinks every guest fairly toward keeping a share of its
 * memory free, scaled by how much pressure the host is under (at most 5 % per step, nothing
 * under 0.25 %); when the pressure ends, guests grow back by 5 % per step. A guest never goes
 * below its guaranteed memory (here: the reservation). The arithmetic and its sources are in
 * mom-policy.ts; this module turns it into balloon decisions. Between evaluations the balloon
 * driver keeps moving toward the last target every tick.
 */
import { approx } from "../../hypervisor/format.js";
import { freeOf } from "../../hypervisor/ledger.js";
import { MOM_KSM_POLICY, ksmPagesPerSecond, momKsmDecide } from "./ksm-policy.js";
import { linuxHostSwapRule } from "./linux-host-swap.js";
import { guaranteedBalloonMax } from "../balloon.js";
import type { HostBalloonRule, HostBalloonVerdict, HostView, HostScopedPolicy, KsmRule, VmView } from "../policy.js";
import { isMomEvaluation, MOM_POLICY, momDecide, momPressure, type MomPressure } from "./mom-policy.js";

export * from "./mom-policy.js";
export * from "./ksm-policy.js";
export * from "./linux-host-swap.js";

/** What MOM reads once per host and tick: its pressure class and whether it evaluates now. */
export interface MomPlan {
  /** MOM evaluates at this tick (every 10 simulated seconds). */
  evaluating: boolean;
  /** The host's pressure class from its free memory before any balloon moved this tick. */
  pressure: MomPressure;
  /** Guests shrink (pressure and ballooning enabled) rather than grow back. */
  shrinking: boolean;
}

/** The log reason for a MOM decision. */
function reasonFor(pressure: MomPressure): "MomPressure" | "MomCritical" | "MomRelief" {
  return pressure === "critical" ? "MomCritical" : pressure === "pressure" ? "MomPressure" : "MomRelief";
}

/** Largest balloon MOM may set: down to the guaranteed memory, and the VM's own maxBalloon. */
export function momBalloonMax(vm: Pick<VmView, "memory" | "reservation" | "spec">): number {
  const cap = guaranteedBalloonMax(vm);
  return vm.spec.maxBalloon === undefined ? cap : Math.min(cap, vm.spec.maxBalloon);
}

/** MOM's plan for a host: pressure from its free memory now. */
export function momPlan(host: HostView, evaluating: boolean): MomPlan {
  const pressure = momPressure(host.free, host.spec.capacity);
  return { evaluating, pressure, shrinking: pressure !== "none" && host.spec.ballooning.enabled };
}

const NO_MESSAGE = (): string => "";

/** One guest's balloon decision under MOM's rules; reads the host's free memory as it is when asked. */
export function momBalloonDecision(plan: MomPlan, host: HostView, vm: VmView): HostBalloonVerdict {
  if (!vm.spec.toolsInstalled) return { balloonMax: 0, target: 0, reason: "NoBalloonDriver", message: NO_MESSAGE, log: "none", step: false };
  const balloonMax = momBalloonMax(vm);
  if (!plan.evaluating) return { balloonMax, target: undefined, reason: "MomBetweenEvaluations", message: NO_MESSAGE, log: "none", step: true };
  const { shrinking, pressure } = plan;
  const current = vm.memory - vm.balloon;
  const decision = momDecide({ memory: vm.memory, current, unused: freeOf(vm) + vm.untouched, guaranteed: vm.reservation }, host.free, host.spec.capacity, shrinking);
  if (decision.size === undefined) return { balloonMax, target: undefined, reason: "MomNoChange", message: NO_MESSAGE, log: "none", step: true };
  const size = decision.size;
  const hostFree = host.free;
  const message = (): string => {
    const pct = ((100 * hostFree) / host.spec.capacity).toFixed(1);
    return decision.rule === "guarantee"
      ? `guest below its guaranteed ${approx(vm.reservation)}`
      : shrinking
        ? `host ${host.name} free ${approx(hostFree)} is ${pct}% of ${approx(host.spec.capacity)} (< ${MOM_POLICY.pressureThreshold * 100}%${pressure === "critical" ? `, critical ≤ ${MOM_POLICY.pressureCritical * 100}%` : ""}): guest memory ${approx(current)} → ${approx(size)}`
        : `host ${host.name} free ${pct}% ≥ ${MOM_POLICY.pressureThreshold * 100}%${host.spec.ballooning.enabled ? "" : " or ballooning disabled"}: guest memory ${approx(current)} → ${approx(size)}`;
  };
  return {
    balloonMax,
    target: Math.min(balloonMax, Math.max(0, vm.memory - size)),
    reason: shrinking ? reasonFor(pressure) : "MomRelief",
    message,
    log: "change",
    step: true,
  };
}

/** MOM's balloon rule: evaluated every 10 s, guests decided in admission order. */
export const momBalloonRule: HostBalloonRule<MomPlan> = {
  scope: "host",
  evaluatesAt: isMomEvaluation,
  plan: (host, _running, _reader, evaluating) => momPlan(host, evaluating),
  decide: (plan, host, vm) => momBalloonDecision(plan, host, vm),
};

/** MOM's KSM rule (03-ksm.policy): evaluated with the balloon rules every 10 s. */
export const momKsmRule: KsmRule = {
  kind: "ksm",
  evaluatesAt: isMomEvaluation,
  decide: (host, running, current) => {
    const available = host.spec.capacity;
    const shareable = running.reduce((s, vm) => s + vm.memory + vm.overhead, 0);
    const before = current?.pagesToScan ?? MOM_KSM_POLICY.kernelDefaultPagesToScan;
    const s = momKsmDecide(available, host.free, shareable, before);
    const pct = (n: number): string => `${((100 * n) / Math.max(1, available)).toFixed(1)}%`;
    const message = (): string =>
      s.run
        ? `ksmd runs: ${s.reason === "KsmPressure" ? `host ${host.name} free ${approx(host.free)} is ${pct(host.free)} (< 20%)` : `guest memory offered to KSM ${approx(shareable)} is ${pct(shareable)} of ${approx(available)} (≥ 80%)`}; ${s.pagesToScan} pages every ${s.sleepMs} ms (${approx(Math.round(ksmPagesPerSecond(s)))}/s)`
        : `ksmd stops: host ${host.name} free ${pct(host.free)} ≥ 20% and guest memory offered to KSM ${pct(shareable)} < 80%; merged pages stay merged`;
    return { ...s, message };
  },
};

/** oVirt MOM's Auto-Balloon policy. */
export const momPolicy: HostScopedPolicy = {
  name: "mom",
  title: "oVirt MOM",
  summary:
    "every 10 s, when host free memory is below 20 % of its memory, every guest with tools shrinks by at most 5 % toward keeping a share of its memory free (down to its guaranteed memory, the reservation), and grows back by 5 % per step once the pressure ends; KSM merges identical pages when MOM's KSM rule runs it; below the kernel's low watermark Linux swaps guest memory, and with memory and swap exhausted the OOM killer kills the largest VM",
  sources: [
    "oVirt vdsm, static/etc/vdsm/mom.d/02-balloon.policy (github.com/oVirt/vdsm)",
    "oVirt MOM, doc/balloon.rules (github.com/oVirt/mom)",
    "oVirt vdsm, static/etc/vdsm/mom.d/03-ksm.policy, and MOM's HostKSM collector (ksm_shareable)",
    "Linux mm/page_alloc.c (watermarks), mm/vmscan.c (kswapd), mm/oom_kill.c (oom_badness)",
    "docs/policies.md (what memplane simplifies)",
  ],
  guestTools: "the virtio-balloon driver (with the oVirt guest agent)",
  withoutBalloonDriver: "MOM never balloons it, so it keeps every page it has touched while the host runs short",
  reasons: {
    MomPressure: "host free memory is below 20 % of its memory: guests shrink",
    MomCritical: "host free memory is at or below 5 % of its memory: guests shrink below their used memory and swap",
    MomRelief: "host free memory is at least 20 % of its memory (or ballooning is disabled): guests grow back",
    MomNoChange: "MOM's rules would move this guest by 0.25 % or less, or it already has all its memory, so nothing changes",
    LinuxKswapd: "host free memory is below the kernel's low watermark: kswapd swaps guest memory out, blind to the guest, until free is back at the high watermark",
    HostMemoryOk: "host free memory is above the kernel's low watermark: no host swapping",
    OomKilled: "host memory is below the kernel's min watermark and the swap device is full: the OOM killer kills the largest VM",
    KsmIdle: "host free memory is at least 20 % and guest memory offered to KSM is under 80 %: MOM stops ksmd",
    KsmCommitted: "guest memory offered to KSM is at least 80 % of the host: MOM runs ksmd, slowing its scan",
    KsmPressure: "host free memory is below 20 %: MOM runs ksmd and speeds its scan up",
    MomBetweenEvaluations: "MOM evaluates every 10 s; between evaluations the balloon keeps moving toward the last target",
    NoBalloonDriver: "it has no tools, so MOM never balloons it",
  },
  balloon: momBalloonRule,
  pageOut: linuxHostSwapRule,
  pageSharing: momKsmRule,
};
