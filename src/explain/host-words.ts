/** Plain words for a host's memory state and its state changes (docs/memory-model.md §5). */
import { describeState, stateBelow } from "../policies/host-state.js";
import { policyOf } from "../policies/registry.js";
import { HOST_DECISION_RETENTION, type HostStateDecision } from "../hypervisor/decisions.js";
import { enterThresholdPercent, stateRank, thresholdPages } from "../hypervisor/formulas.js";
import type { HostRecord, VmRecord } from "../hypervisor/ledger.js";
import { pct, size, tickAt } from "./words.js";

/** What runs in each state (docs/memory-model.md §5 table). */
export const STATE_ACTIONS: Record<HostStateDecision["to"], string> = {
  high: "nothing new is reclaimed (page sharing is held back by large pages while free ≥ 400 % of minFree)",
  clear: "page sharing runs at full speed; no balloon inflates",
  soft: "ballooning runs; VMs whose balloon is done are compressed and swapped",
  hard: "ballooning plus compression and hypervisor swapping for the whole remaining need",
  low: "as hard, and VMs above entitlement are blocked from taking new pages",
};

/** What a state means on this host: ESXi's actions, or, under another policy, that its own rules decide. */
function actionsOn(host: HostRecord, state: HostStateDecision["to"]): string {
  if (host.spec.policy === "esxi") return STATE_ACTIONS[state];
  const title = policyOf(host.spec.policy)?.title ?? host.spec.policy;
  return `the state is ESXi's, kept for comparison; on this ${title} host its own rules decide what is reclaimed (docs/policies.md)`;
}

/** One state change in words: which threshold free crossed (down) or held above (up). */
export function stateChangeText(host: HostRecord, d: HostStateDecision, ts: number): string {
  const mf = d.minFree;
  if (stateRank(d.to) > stateRank(d.from)) {
    const p = enterThresholdPercent(d.to, host.spec.states);
    const line = d.thresholds[d.to as keyof HostStateDecision["thresholds"]] ?? thresholdPages(p, mf);
    return `${d.from} → ${d.to} at ${tickAt(d.tick, ts)}: free ${size(d.free)} fell below ${size(line)} (${pct(p)} of minFree ${size(mf)})`;
  }
  // climbing into `to` takes free above the threshold of the state just below it (soft's for hard → clear)
  const below = stateBelow(d.to);
  const p = enterThresholdPercent(below, host.spec.states) + d.hysteresisPercent;
  return `${d.from} → ${d.to} at ${tickAt(d.tick, ts)}: free ${size(d.free)} ≥ ${size(thresholdPages(p, mf))} (${below}'s threshold + ${pct(d.hysteresisPercent)} hysteresis = ${pct(p)} of minFree ${size(mf)}), high enough to climb for ${d.holdSeconds}s`;
}

/**
 * The host's state at `at` in one sentence. Live (at the current tick): free memory against the
 * threshold that decided it. Earlier: the newest state change at or before `at`.
 */
export function hostStateSentence(host: HostRecord, rec: HostStateDecision | undefined, at: number, ts: number, live = false, vms: readonly VmRecord[] = []): string {
  if (live) {
    return `${capital(describeState(host))}; ${actionsOn(host, host.state)}${stillHeld(host, vms)}${rec ? ` (last change ${stateChangeText(host, rec, ts)})` : ""}.`;
  }
  if (rec) return `Host ${host.name} was ${rec.to} at ${tickAt(at, ts)} (${stateChangeText(host, rec, ts)}): ${actionsOn(host, rec.to)}.`;
  const ring = host.decisions.list();
  if (ring.length >= HOST_DECISION_RETENTION) {
    return `Host ${host.name}'s state at tick ${at} is not known: it keeps only its newest ${HOST_DECISION_RETENTION} state changes and the oldest kept is at tick ${ring[0]!.tick}.`;
  }
  return `Host ${host.name} was high at ${tickAt(at, ts)} (no state change before then): ${actionsOn(host, "high")}.`;
}

/**
 * In high and clear, what reclamation left behind: ", but 3.1Gi is still ballooned (app, batch-1,
 * batch-2) from earlier pressure", so "no balloon inflates" is not read as "nothing is
 * ballooned". Empty under pressure (the state's words cover it) or when nothing is held.
 */
function stillHeld(host: HostRecord, vms: readonly VmRecord[]): string {
  if (stateRank(host.state) >= stateRank("soft")) return "";
  const ballooned = vms.filter((v) => v.phase === "Running" && v.balloon > 0);
  if (ballooned.length === 0) return "";
  const total = ballooned.reduce((sum, v) => sum + v.balloon, 0);
  const who = ballooned.length > 3 ? `${ballooned.length} VMs` : ballooned.map((v) => v.name).join(", ");
  return `, but ${size(total)} is still ballooned (${who}) from earlier pressure`;
}

/** Upper-cases the first letter. */
function capital(s: string): string {
  return s.length ? s[0]!.toUpperCase() + s.slice(1) : s;
}
