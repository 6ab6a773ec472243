/**
 * The host memory states (high, clear, soft, hard, low; docs/memory-model.md §5) as policies and
 * controllers read them: whether a state asks for reclamation, its reason code and plain words.
 * The host-state controller sets the state; this module only reads it.
 */
import type { HostMemoryState } from "../api/types.js";
import { approx } from "../hypervisor/format.js";
import { HOST_STATES, enterThresholdPercent, stateRank, thresholdPages } from "../hypervisor/formulas.js";
import type { HostView } from "./policy.js";

/** Whether the host state asks for reclamation (soft, hard, low). */
export function underPressure(host: Pick<HostView, "state">): boolean {
  return host.state === "soft" || host.state === "hard" || host.state === "low";
}

const STATE_REASONS: Readonly<Record<HostMemoryState, string>> = {
  high: "HostStateHigh",
  clear: "HostStateClear",
  soft: "HostStateSoft",
  hard: "HostStateHard",
  low: "HostStateLow",
};

/** The log/decision reason naming a host state (`HostStateSoft`, …): one shared string per state. */
export function hostStateReason(state: HostMemoryState): string {
  return STATE_REASONS[state];
}

/** Plain words for a host's state: free memory against the threshold that decided it. */
export function describeState(host: HostView): string {
  const { free, state, spec } = host;
  const mf = spec.minFree;
  if (state === "high") return `host ${host.name} is high: free ${approx(free)} ≥ minFree ${approx(mf)}`;
  const pct = enterThresholdPercent(state, spec.states);
  const line = thresholdPages(pct, mf);
  if (free < line) return `host ${host.name} is ${state}: free ${approx(free)} < ${approx(line)} (${pct}% of minFree ${approx(mf)})`;
  const back = thresholdPages(pct + spec.states.hysteresis, mf);
  return `host ${host.name} is ${state}: free ${approx(free)} must stay ≥ ${approx(back)} (${pct}% + ${spec.states.hysteresis}% hysteresis of minFree ${approx(mf)}) for ${spec.states.holdSeconds}s to climb`;
}

/** The state just below `state` (the one a host climbs into `state` from); `low` for `low`. */
export function stateBelow(state: HostMemoryState): HostMemoryState {
  return HOST_STATES[Math.min(stateRank(state) + 1, HOST_STATES.length - 1)]!;
}

/**
 * Plain words for a climb from `from` to the host's (better) state: the threshold free is at or
 * above — that of the state just below the new one, plus hysteresis — and how long free has
 * allowed the climb.
 */
export function describeClimb(host: HostView, from: HostMemoryState): string {
  const { free, state, spec } = host;
  const mf = spec.minFree;
  const below = stateBelow(state);
  const pct = enterThresholdPercent(below, spec.states);
  const line = thresholdPages(pct + spec.states.hysteresis, mf);
  return `host ${host.name} climbed from ${from} to ${state}: free ${approx(free)} ≥ ${approx(line)} (${below}'s ${pct}% + ${spec.states.hysteresis}% hysteresis of minFree ${approx(mf)}), high enough to climb for ${spec.states.holdSeconds}s`;
}
