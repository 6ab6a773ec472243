/**
 * The seed's advice quantified: "make a reservation on a server (reservation does not allow
 * ballooning to claim any memory)". For the most-ballooned VMs the cluster is re-run in memory
 * with a reservation of the VM's peak consumption added, and the balloon and swap it would have
 * avoided are set against the unreserved capacity it costs and what its neighbours pay instead.
 */
import type { ManifestObject, VirtualMachine } from "../../api/types.js";
import { pagesToQuantity } from "../../api/quantity.js";
import type { VmRecord } from "../../hypervisor/ledger.js";
import type { MemoryModelReader } from "../../hypervisor/model-api.js";
import { size } from "../words.js";
import { roundUp64Mi, vmObject } from "./checks.js";
import { balancedByHyperV } from "./dynamic-memory.js";
import type { Observation, VmObservation } from "./observe.js";
import { runCluster } from "./run.js";
import type { Finding } from "./types.js";

/** Smallest peak balloon worth a what-if run (64Mi). */
const MIN_BALLOON = 64 * 256;

/** Settings of the what-if runs. */
export interface WhatIfOptions {
  /** How many of the most-ballooned VMs to try (0 disables). */
  top: number;
  ticks: number;
  seed: number;
  tickSeconds: number;
  /** Said in the message when the baseline is a replay of a saved state's current manifests. */
  replayNote?: string;
}

/** Reservation what-if findings for the most-ballooned VMs of `baseline`. */
export function reservationWhatIfs(objects: readonly ManifestObject[], model: MemoryModelReader, baseline: Observation, options: WhatIfOptions): Finding[] {
  if (options.top <= 0) return [];
  const candidates = [...baseline.vms.values()]
    .filter((o) => o.peakBalloon >= MIN_BALLOON)
    .filter((o) => {
      const vm = model.vm(o.namespace, o.name);
      // a reservation cannot lift a limit (LimitBelowMemory says so), nor protect a VM Hyper-V Dynamic Memory balances
      return vm !== undefined && vm.spec.limit >= vm.spec.memory && !balancedByHyperV(vm, model.host(vm.hostName));
    })
    .sort((a, b) => b.peakBalloon - a.peakBalloon || (a.key < b.key ? -1 : 1))
    .slice(0, options.top);
  const out: Finding[] = [];
  for (const base of candidates) {
    const vm = model.vm(base.namespace, base.name);
    if (!vm) continue;
    const reservation = protectiveReservation(vm, base);
    if (reservation <= vm.spec.reservation) continue;
    const variant = withReservation(objects, base, reservation);
    if (!variant) continue;
    let run;
    try {
      run = runCluster(variant, options.ticks, options.seed, options.tickSeconds);
    } catch {
      continue; // the variant is not a valid cluster (e.g. another bound forbids the reservation)
    }
    const after = run.observation.vms.get(base.key);
    if (!after) continue;
    out.push(describe(base, after, reservation, vm.spec.reservation, baseline, run.observation, options));
  }
  return out;
}

/** The reservation that would protect a VM: its peak consumption rounded up to 64Mi, within memory and limit. */
export function protectiveReservation(vm: VmRecord, o: VmObservation): number {
  return Math.min(vm.spec.memory, vm.spec.limit, roundUp64Mi(o.peakConsumed));
}

/** A deep copy of `objects` with one VM's reservation set. */
function withReservation(objects: readonly ManifestObject[], vm: VmObservation, reservation: number): ManifestObject[] | undefined {
  let found = false;
  const copy = objects.map((o) => {
    if (o.kind !== "VirtualMachine" || o.metadata.name !== vm.name || (o.metadata.namespace ?? "default") !== vm.namespace) return o;
    found = true;
    const v = structuredClone(o) as VirtualMachine;
    v.spec.reservation = pagesToQuantity(reservation);
    return v;
  });
  return found ? copy : undefined;
}

/** Σ peak balloon + hypervisor reclaim of the other VMs on a host. */
function othersReclaimed(obs: Observation, host: string, except: string): number {
  let t = 0;
  for (const o of obs.vms.values()) if (o.host === host && o.key !== except) t += o.peakBalloon + o.peakHypervisorReclaimed;
  return t;
}

/** The finding for one what-if run. */
function describe(base: VmObservation, after: VmObservation, reservation: number, before: number, baseline: Observation, variant: Observation, options: WhatIfOptions): Finding {
  const object = vmObject(base);
  const source = 'seed ("make a reservation on a server — reservation does not allow ballooning to claim any memory"); docs/memory-model.md §10 (protection)';
  const q = size(reservation);
  if (after.runningTicks === 0 || after.pendingTicks > 0) {
    return {
      severity: "info",
      check: "ReservationWhatIf",
      object,
      message: `a reservation of ${q} on ${base.name} would not have helped: it would not be admitted (${after.pendingReason || "Pending"}: ${after.pendingMessage}).`,
      fix: `to protect ${base.name}, first free reserved capacity on ${base.host}`,
      source,
    };
  }
  const balloonSaved = base.peakBalloon - after.peakBalloon;
  const swapSaved = base.peakHypervisorReclaimed - after.peakHypervisorReclaimed;
  const othersDelta = othersReclaimed(variant, base.host, base.key) - othersReclaimed(baseline, base.host, base.key);
  const cost = reservation - before;
  const message =
    `a reservation of ${q} on ${base.name} would have avoided ${size(Math.max(0, balloonSaved))} of ballooning (peak ${size(base.peakBalloon)} → ${size(after.peakBalloon)})` +
    (swapSaved !== 0 ? ` and ${swapSaved > 0 ? `${size(swapSaved)} of compression/swapping` : `none of its compression/swapping (it would rise by ${size(-swapSaved)})`}` : "") +
    ` at the cost of ${size(cost)} of unreserved capacity on ${base.host}; ` +
    (othersDelta > 0
      ? `the other VMs on ${base.host} would have been reclaimed ${size(othersDelta)} more at peak instead.`
      : `the other VMs on ${base.host} would not have been reclaimed more.`) +
    (options.replayNote ? ` (${options.replayNote})` : "");
  return {
    severity: "info",
    check: "ReservationWhatIf",
    object,
    message,
    fix: `if ${base.name} matters more than its neighbours, set spec.reservation: ${q}; otherwise avoid the contention (the seed's first advice)`,
    source,
  };
}
