/**
 * The advise checks: the seed's advice and memory-model.md's pitfalls turned into findings with
 * numbers. Static checks read the cluster's specs (what will happen); observed checks read what
 * the simulation did (what happened, and who paid for it).
 */
import { canBalloon } from "../../policies/balloon.js";
import { POLICY_REGISTRY, policyOf } from "../../policies/registry.js";
import type { ResourceReader } from "../../store/types.js";
import { balloonCaps } from "../balloon-caps.js";
import { balancedByHyperV, dynamicMemoryFindings, dynamicMemoryStallFix } from "./dynamic-memory.js";
import type { HostRecord, VmRecord } from "../../hypervisor/ledger.js";
import type { MemoryModelReader } from "../../hypervisor/model-api.js";
import { pct, plural, size } from "../words.js";
import type { Observation } from "./observe.js";
import type { Finding } from "./types.js";

/** Pages per MiB. */
const MIB = 256;

/** `vm/NS/NAME`. */
export const vmObject = (v: { namespace: string; name: string }): string => `vm/${v.namespace}/${v.name}`;

/** Rounds pages up to a whole 64Mi, the granularity advice quotes. */
export function roundUp64Mi(pages: number): number {
  const step = 64 * MIB;
  return Math.ceil(pages / step) * step;
}

/** The largest allocation and active % the workload ever asks for (phases included). */
export function workloadPeak(v: VmRecord): { allocated: number; activePercent: number; workingSet: number } {
  const w = v.spec.workload;
  let allocated = w.allocated;
  let active = w.active;
  for (const p of w.phases) {
    if (p.allocated !== undefined) allocated = Math.max(allocated, p.allocated);
    if (p.active !== undefined) active = Math.max(active, p.active);
  }
  allocated = Math.min(allocated, v.spec.memory);
  return { allocated, activePercent: active, workingSet: Math.ceil((allocated * active) / 100) };
}

/** VMs that want to run on a host (admitted or pending there). */
function vmsFor(model: MemoryModelReader, host: HostRecord): VmRecord[] {
  return model.allVms().filter((v) => v.hostName === host.name && v.spec.powerOn);
}

/** Static and observed findings about VMs. */
export function vmFindings(model: MemoryModelReader, store: ResourceReader, obs: Observation): Finding[] {
  const out: Finding[] = [];
  for (const v of model.allVms()) {
    if (!v.spec.powerOn) continue;
    const host = model.host(v.hostName);
    const o = obs.vms.get(v.key);
    const memory = v.spec.memory;
    if (!v.spec.toolsInstalled) {
      const seen = o && o.peakHypervisorReclaimed > 0 ? ` In the simulation it was compressed/swapped up to ${size(o.peakHypervisorReclaimed)} (stall up to ${pct(o.maxStall)}).` : "";
      const policy = (host && policyOf(host.spec.policy)) ?? POLICY_REGISTRY.esxi;
      out.push({
        severity: "warning",
        check: "NoBalloonDriver",
        object: vmObject(v),
        message: `no balloon driver (${policy.guestTools} not installed), so ${policy.withoutBalloonDriver}.${seen}`,
        fix: `install ${policy.guestTools} (spec.tools.installed: true) so the guest can choose what to give up`,
        source: 'seed ("no tools no Ballooning"); docs/memory-model.md §7, §8',
      });
    }
    if (Number.isFinite(v.spec.limit) && v.spec.limit < memory) {
      const seen = o && o.reclaimedOnIdleHostTicks > 0 ? ` In the simulation it was reclaimed for ${plural(o.reclaimedOnIdleHostTicks, "tick")} while its host had memory to spare (peak balloon ${size(o.peakBalloon)}, compressed/swapped ${size(o.peakHypervisorReclaimed)}).` : "";
      out.push({
        severity: o && o.reclaimedOnIdleHostTicks > 0 ? "critical" : "warning",
        check: "LimitBelowMemory",
        object: vmObject(v),
        message: `limit ${size(v.spec.limit)} is below its configured memory ${size(memory)}: the guest sees ${size(memory)}, but anything it uses above ${size(v.spec.limit)} is ballooned or swapped even on an idle host.${seen}`,
        fix: `remove spec.limit (or raise it to ${size(memory)}); if ${size(v.spec.limit)} is really enough, set spec.memory: ${size(v.spec.limit)} instead`,
        source: "docs/memory-model.md §6 (ceiling min(M, limit, …)), §7 and §8 (over-limit VMs are reclaimed in any state)",
      });
    }
    if (host && canBalloon(v, host)) {
      const caps = balloonCaps(store, v, host);
      const balloonMax = caps.max;
      if (host.spec.policy === "esxi" && caps.binding === "osFloor" && balloonMax === 0) out.push(guestFloorFinding(v, host, caps.osMinimum));
      if (v.spec.guestSwap < balloonMax) {
        const stalled = o?.balloonStalled === true;
        out.push({
          severity: stalled ? "critical" : "warning",
          check: "GuestSwapBelowBalloonMax",
          object: vmObject(v),
          message: `guest swap ${size(v.spec.guestSwap)} is smaller than its balloon maximum ${size(balloonMax)}: once free memory is gone the balloon makes the guest page used memory out, and with its swap full the balloon stalls and the guest may OOM.${stalled ? ` In the simulation the balloon stalled (guest swap full, ${size(o.peakGuestSwapped)} paged out).` : ""}`,
          fix: `give the guest at least ${size(balloonMax)} of swap (spec.guestSwap: ${size(roundUp64Mi(balloonMax))}), or cap the balloon at its swap (spec.maxBalloon: ${size(v.spec.guestSwap)})`,
          source: "docs/memory-model.md §7 (what the guest gives, in order; BalloonStalled, GuestOOMRisk)",
        });
      }
    }
    if (v.phase === "Pending" || (o && o.pendingTicks > 0 && o.pendingReason.startsWith("Insufficient"))) {
      const reason = v.phase === "Pending" ? v.admission.reason : o!.pendingReason;
      const message = v.phase === "Pending" ? v.admission.message : o!.pendingMessage;
      if (reason.startsWith("Insufficient")) {
        const big = host ? biggestReservations(model, host, v) : "";
        out.push({
          severity: "critical",
          check: "AdmissionBlocked",
          object: vmObject(v),
          message: `not admitted (${reason})${o && o.pendingTicks > 0 ? ` for ${plural(o.pendingTicks, "tick")}` : ""}: ${message}.`,
          fix: reason === "InsufficientSwap"
            ? "enlarge the host's swap datastore (spec.swap.capacity) or reserve more of this VM (its swap file is memory − reservation)"
            : `lower this VM's reservation (${size(v.spec.reservation)}), lower the reservations already on ${v.hostName}${big}, or place it on another host`,
          source: "docs/memory-model.md §10 (admission)",
        });
      }
    }
    const peak = workloadPeak(v);
    const hoard = v.spec.reservation - peak.workingSet;
    if (v.spec.reservation > 0 && hoard >= Math.max(256 * MIB, v.spec.reservation / 4)) {
      const hostPressure = host ? pressureTicks(obs, host.name) : 0;
      out.push({
        severity: hostPressure > 0 || pendingOn(model, obs, v.hostName) ? "warning" : "info",
        check: "IdleReservation",
        object: vmObject(v),
        message: `reserves ${size(v.spec.reservation)} but its working set peaks at ${size(peak.workingSet)} (${pct(peak.activePercent)} of ${size(peak.allocated)}): ${size(hoard)} of reserved memory is held idle — it counts against admission and cannot be reclaimed for other VMs${hostPressure > 0 ? `, while host ${v.hostName} was under pressure for ${plural(hostPressure, "tick")}` : ""}.`,
        fix: `lower spec.reservation to about its working set (${size(roundUp64Mi(peak.workingSet))})`,
        source: 'docs/memory-model.md §10 (reservations, protection); seed comments ("a reservation for all RAM — bad idea in most respects")',
      });
    }
    if (o && o.runningTicks > 0) {
      const avg = o.stallSum / o.runningTicks;
      if (avg >= 5 || o.maxStall >= 50) {
        out.push({
          severity: avg >= 20 ? "critical" : "warning",
          check: "MemoryStall",
          object: vmObject(v),
          message: `stalled on memory ${obs.snapshot ? `${pct(avg)} at tick ${obs.ticks}` : `${pct(avg)} of the time on average (up to ${pct(o.maxStall)})`}: ${obs.snapshot ? "" : "peak "}balloon ${size(o.peakBalloon)}, guest paged out ${size(o.peakGuestSwapped)}, compressed/swapped by the hypervisor ${size(o.peakHypervisorReclaimed)}${o.stalledTicks > 0 ? `; in ${plural(o.stalledTicks, "tick")} the host could not serve its page requests (up to ${size(o.peakStalledPages)} in one tick: no free host page, page-in throughput used up, or blocked in low)` : ""}.`,
          fix: balancedByHyperV(v, host)
            ? dynamicMemoryStallFix(v, o.peakConsumed, roundUp64Mi)
            : `${o.peakHypervisorReclaimed > 0 ? "keep the hypervisor from swapping it" : "let it keep its memory"}: reserve what it uses (spec.reservation: ${size(Math.min(memory, v.spec.limit, roundUp64Mi(o.peakConsumed)))}), raise its shares, or move load off ${v.hostName}`,
          source: "docs/memory-model.md §11 (cost of reclamation); seed (\"ballooning … still a really bad thing for performance\")",
        });
      }
    }
  }
  out.push(...dynamicMemoryFindings(model));
  return out;
}

/**
 * A VM the seed's guest-OS floor keeps from ballooning at all: its guest OS minimum plus
 * AppBalloonMaxSlack is at least its memory (a 2Gi Windows Server 2022 Desktop VM), so MCTLMAX
 * is 0 and any reclaim need goes to compression and swapping.
 */
function guestFloorFinding(v: VmRecord, host: HostRecord, osMinimum: number): Finding {
  const floor = osMinimum + host.spec.ballooning.slack;
  return {
    severity: "warning",
    check: "GuestFloorBlocksBalloon",
    object: vmObject(v),
    message: `its guest OS minimum (${v.spec.guestOS}, ${size(osMinimum)}) plus AppBalloonMaxSlack (${size(host.spec.ballooning.slack)}) is ${size(floor)}, not below its memory ${size(v.spec.memory)}: the guest-OS floor leaves the balloon nothing (MCTLMAX 0), so any reclaim need goes straight to compression and hypervisor swapping, as if it had no tools. The floor is the seed article's rule; VMware's documents name only Mem.CtlMaxPercent and sched.mem.maxmemctl.`,
    fix: `give it more memory than the floor (spec.memory above ${size(floor)}, e.g. ${size(roundUp64Mi(floor + 256 * MIB))}), or, if you do not follow the seed article's floor, set spec.ballooning.guestFloor: off on host ${host.name}`,
    source: "seed (the balloon stops at the guest OS minimum plus Mem.AppBalloonMaxSlack); docs/memory-model.md §7",
  };
}

/** ` (largest: a 10Gi, b 8Gi)` for a host's admitted VMs other than `except`. */
function biggestReservations(model: MemoryModelReader, host: HostRecord, except: VmRecord): string {
  const r = model
    .vmsOf(host)
    .filter((v) => v !== except && v.reservation > 0)
    .sort((a, b) => b.reservation - a.reservation)
    .slice(0, 3)
    .map((v) => `${v.name} ${size(v.reservation)}`);
  return r.length ? ` (largest: ${r.join(", ")})` : "";
}

/** Ticks a host spent in hard or low. */
function pressureTicks(obs: Observation, host: string): number {
  const h = obs.hosts.get(host);
  return h ? h.ticksIn.hard + h.ticksIn.low : 0;
}

/** Whether some VM was kept Pending on a host. */
function pendingOn(model: MemoryModelReader, obs: Observation, host: string): boolean {
  return model.allVms().some((v) => v.hostName === host && ((obs.vms.get(v.key)?.pendingTicks ?? 0) > 0 || v.phase === "Pending"));
}

/** Static and observed findings about hosts: overcommit and time under pressure. */
export function hostFindings(model: MemoryModelReader, obs: Observation, tickSeconds: number): Finding[] {
  const out: Finding[] = [];
  for (const host of model.hosts()) {
    const vms = vmsFor(model, host);
    if (vms.length === 0) continue;
    const usable = host.spec.capacity - host.spec.vmkernelReserved;
    const overhead = vms.reduce((t, v) => t + v.spec.overhead, 0);
    const available = usable - overhead - host.spec.minFree;
    const memory = vms.reduce((t, v) => t + v.spec.memory, 0);
    const peaks = vms.map(workloadPeak);
    const allocated = peaks.reduce((t, p) => t + p.allocated, 0);
    const workingSets = peaks.reduce((t, p) => t + p.workingSet, 0);
    const ratio = memory / usable;
    const allTouched = Math.max(0, memory - available);
    const wsReclaim = Math.max(0, workingSets - available);
    const allocReclaim = Math.max(0, allocated - available);
    if (ratio > 1 || allocReclaim > 0) {
      const severity = wsReclaim > 0 ? "critical" : allocReclaim > 0 ? "warning" : "info";
      out.push({
        severity,
        check: "Overcommit",
        object: `host/${host.name}`,
        message:
          `overcommit ${ratio.toFixed(2)}× (${size(memory)} configured on ${size(usable)}; ${size(available)} available to VMs after overhead and minFree). ` +
          `If every VM touched all its memory, ${size(allTouched)} would have to be reclaimed; at their peak allocations ${size(allocReclaim)}; if every VM touched just its working set, ${size(wsReclaim)}` +
          (wsReclaim > 0 ? " — working sets alone do not fit, so guest paging or hypervisor swapping is certain." : allocReclaim > 0 ? " — ballooning of idle memory is to be expected." : "."),
        fix:
          wsReclaim > 0
            ? `move at least ${size(roundUp64Mi(wsReclaim))} of working set off ${host.name} (or add that much capacity)`
            : allocReclaim > 0
              ? `move ${size(roundUp64Mi(allocReclaim))} of peak allocation off ${host.name}, or accept ballooning of idle memory`
              : "none needed while workloads stay as declared; watch the ratio when adding VMs",
        source: 'seed ("avoid over provisioning servers"); docs/memory-model.md §6 (available memory), §5 (minFree)',
      });
    }
    const h = obs.hosts.get(host.name);
    if (!h) continue;
    const hard = h.ticksIn.hard + h.ticksIn.low;
    const soft = h.ticksIn.soft;
    if (hard > 0 || soft > 0) {
      const payers = vms
        .map((v) => ({ v, o: obs.vms.get(v.key) }))
        .filter((x) => x.o && x.o.runningTicks > 0)
        .map(({ v, o }) => ({ v, o: o!, stall: hard > 0 && o!.pressureTicks > 0 ? o!.pressureStallSum / o!.pressureTicks : o!.stallSum / o!.runningTicks }))
        .filter((x) => x.stall > 0 || x.o.peakBalloon > 0 || x.o.peakHypervisorReclaimed > 0)
        .sort((a, b) => b.stall - a.stall || b.o.peakBalloon + b.o.peakHypervisorReclaimed - (a.o.peakBalloon + a.o.peakHypervisorReclaimed))
        .slice(0, 5)
        .map((x) => `${x.v.name} (stall ${pct(x.stall)}, balloon ${size(x.o.peakBalloon)}, compressed/swapped ${size(x.o.peakHypervisorReclaimed)})`);
      const secs = (t: number): string => `${Math.round(t * tickSeconds)}s`;
      out.push({
        severity: hard > 0 ? "critical" : "warning",
        check: hard > 0 ? "HostHardPressure" : "HostSoftPressure",
        object: `host/${host.name}`,
        message:
          (hard > 0
            ? `spent ${secs(hard)} in hard/low (hypervisor swapping for the whole remaining need)${soft > 0 ? ` and ${secs(soft)} in soft` : ""}`
            : `spent ${secs(soft)} in soft (ballooning)`) + ` of ${secs(obs.ticks)}.` + (payers.length ? ` Who paid${obs.snapshot ? ` (stall % at tick ${obs.ticks})` : hard > 0 ? " (stall % while hard/low)" : " (average stall %)"}: ${payers.join(", ")}.` : ""),
        fix: `free memory on ${host.name}: move VMs off it or add capacity so free stays above minFree ${size(host.spec.minFree)}; protect the VMs that must not stall with reservations`,
        source: "docs/memory-model.md §5 (states), §8 (hard: swap alongside the balloon), §11 (stall %); seed (\"avoid memory contention situations\")",
      });
    }
  }
  return out;
}
