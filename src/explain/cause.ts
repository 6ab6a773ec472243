/**
 * The cause in time, which `explain vm` says first: what is being done to the VM's memory and
 * since when (its Ballooning, Compressing and HypervisorSwapping conditions), and why — its limit,
 * its host's policy, or the host state change that started it, with the VMs on the host that grew
 * or powered on in the {@link GREW_WINDOW_SECONDS} before: "ballooned since 8m35s because esx-01
 * went soft when batch-1 and batch-2 grew". The numbers follow in explain's other paragraphs.
 */
import { formatSimTime } from "../api/duration.js";
import { timestampSeconds } from "../api/timestamps.js";
import type { Condition } from "../api/types.js";
import type { HostStateDecision } from "../hypervisor/decisions.js";
import { HOST_DECISION_RETENTION } from "../hypervisor/decisions.js";
import { stateRank } from "../hypervisor/formulas.js";
import type { HostRecord, VmRecord } from "../hypervisor/ledger.js";
import type { MemoryModelReader } from "../hypervisor/model-api.js";
import { workloadAt } from "../hypervisor/resolved.js";
import type { PolicyPlugin } from "../policies/policy.js";
import { isHostScoped } from "../policies/policy.js";
import type { DeepReadonly } from "../store/types.js";
import { size } from "./words.js";

/** How far before the pressure began explain looks for VMs that grew or powered on (seconds). */
export const GREW_WINDOW_SECONDS = 300;

/** A workload grew when what it wants allocated rose by at least this share of its memory in the window. */
export const GREW_SHARE = 0.1;

/** The reclamation conditions and the word for each. */
const RECLAIMED: readonly (readonly [string, string])[] = [
  ["Ballooning", "ballooned"],
  ["Compressing", "compressed"],
  ["HypervisorSwapping", "swapped"],
];

/** Seconds of a stored timestamp, or undefined when it cannot be read. */
function secondsOf(timestamp: string, epoch: string | undefined): number | undefined {
  try {
    return timestampSeconds(timestamp, epoch);
  } catch {
    return undefined;
  }
}

/** `a`, `a and b`, `a, b and c`, `a, b, c and 2 more`. */
function names(list: readonly string[]): string {
  const shown = list.length > 4 ? [...list.slice(0, 3), `${list.length - 3} more`] : list;
  return shown.length <= 1 ? (shown[0] ?? "") : `${shown.slice(0, -1).join(", ")} and ${shown[shown.length - 1]}`;
}

/**
 * What is reclaimed from a running VM, since when and why, as the opening clause of `explain vm`
 * ("ballooned since 8m35s because esx-01 went soft when batch-1 and batch-2 grew"); undefined when
 * nothing is reclaimed from it.
 */
export function reclaimCause(
  conditions: readonly DeepReadonly<Condition>[] | undefined,
  model: MemoryModelReader,
  policy: PolicyPlugin,
  host: HostRecord,
  vm: VmRecord,
  tickSeconds: number,
  epoch?: string,
): string | undefined {
  const since = new Map<number, string[]>();
  for (const [type, word] of RECLAIMED) {
    const c = conditions?.find((x) => x.type === type && x.status === "True");
    const at = c === undefined ? undefined : secondsOf(c.lastTransitionTime, epoch);
    if (at === undefined) continue;
    since.set(at, [...(since.get(at) ?? []), word]);
  }
  if (since.size === 0) return undefined;
  const times = [...since.keys()].sort((a, b) => a - b);
  const what = times.map((t) => `${names(since.get(t)!)} since ${formatSimTime(t)}`).join(", ");
  const start = times[0]!;

  const overLimit = conditions?.find((x) => x.type === "OverLimit" && x.status === "True");
  const overSince = overLimit === undefined ? undefined : secondsOf(overLimit.lastTransitionTime, epoch);
  if (overSince !== undefined && overSince <= start + tickSeconds) {
    return `${what} because it went over its limit (${size(vm.spec.limit)}) at ${formatSimTime(overSince)}`;
  }
  if (isHostScoped(policy)) return `${what} because host ${host.name}'s ${policy.title} policy takes memory back by its own rules (below)`;

  const change = stateAt(host, Math.round(start / tickSeconds));
  if (change === "unknown") {
    return `${what} because host ${host.name} came under memory pressure (its state changes before tick ${host.decisions.list()[0]!.tick} are no longer kept)`;
  }
  if (change === undefined || stateRank(change.to) < stateRank("soft")) return `${what}, while host ${host.name} was ${change?.to ?? "high"}`;
  const onset = change.tick * tickSeconds;
  const went = `host ${host.name} went ${change.to}${onset === start ? "" : ` at ${formatSimTime(onset)}`}`;
  const growth = grewBefore(model, host, vm, onset);
  return `${what} because ${went}${growth === "" ? "" : ` when ${growth}`}`;
}

/** The newest host state change at or before `tick`; "unknown" when the kept changes do not reach back. */
function stateAt(host: HostRecord, tick: number): HostStateDecision | "unknown" | undefined {
  const ring = host.decisions.list().filter((d): d is HostStateDecision => d.type === "hostState");
  for (let i = ring.length - 1; i >= 0; i--) if (ring[i]!.tick <= tick) return ring[i];
  return ring.length >= HOST_DECISION_RETENTION ? "unknown" : undefined;
}

/** "batch-1 and batch-2 grew", "web-3 powered on": the host's VMs whose workload rose or that powered on in the window before `onset`. */
function grewBefore(model: MemoryModelReader, host: HostRecord, self: VmRecord, onset: number): string {
  const grew: string[] = [];
  const poweredOn: string[] = [];
  // this VM last in each list: "batch-2 and this VM grew"
  for (const vm of [...model.vmsOf(host).filter((v) => v !== self), self]) {
    const name = vm === self ? "this VM" : vm.name;
    if (vm.poweredOnAt > onset - GREW_WINDOW_SECONDS && vm.poweredOnAt <= onset) {
      poweredOn.push(name);
      continue;
    }
    const w = vm.spec.workload;
    const before = workloadAt(w, Math.max(0, onset - GREW_WINDOW_SECONDS - vm.poweredOnAt)).allocated;
    const after = workloadAt(w, Math.max(0, onset - vm.poweredOnAt)).allocated;
    if (after - before >= GREW_SHARE * vm.memory) grew.push(name);
  }
  const parts = [grew.length > 0 ? `${names(grew)} grew` : "", poweredOn.length > 0 ? `${names(poweredOn)} powered on` : ""].filter((p) => p !== "");
  return parts.join(" and ");
}
