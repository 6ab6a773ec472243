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
  const { spec } = host;
  return stateWords(host.name, host.state, spec.minFree, enteredAt(host), spec.states.hysteresis, spec.states.holdSeconds, host.free);
}

/** The percentage of minFree below which the host entered its state (0 for high). */
function enteredAt(host: HostView): number {
  return host.state === "high" ? 0 : enterThresholdPercent(host.state, host.spec.states);
}

/** {@link describeState}'s words from the numbers it reads. */
function stateWords(name: string, state: HostMemoryState, mf: number, pct: number, hysteresis: number, hold: number, free: number): string {
  if (state === "high") return `host ${name} is high: free ${approx(free)} ≥ minFree ${approx(mf)}`;
  const line = thresholdPages(pct, mf);
  if (free < line) return `host ${name} is ${state}: free ${approx(free)} < ${approx(line)} (${pct}% of minFree ${approx(mf)})`;
  const back = thresholdPages(pct + hysteresis, mf);
  return `host ${name} is ${state}: free ${approx(free)} must stay ≥ ${approx(back)} (${pct}% + ${hysteresis}% hysteresis of minFree ${approx(mf)}) for ${hold}s to climb`;
}

/** Separates the parts of {@link stateParts}' text. */
const SEP = "\u0001";

/** The host's name, state and the spec numbers its state is judged by, as one text (kept per host while they do not change). */
const PARTS = new WeakMap<object, { spec: unknown; state: HostMemoryState; text: string }>();

/**
 * {@link describeState}'s words for a host apart from its free memory, as one text a message
 * can carry to be built later ({@link describeStateOf}). The same string while the host's
 * state and spec stay the same.
 */
export function stateParts(host: HostView): string {
  const known = PARTS.get(host);
  if (known !== undefined && known.spec === host.spec && known.state === host.state) return known.text;
  const { state, spec } = host;
  const text = [host.name, state, spec.minFree, enteredAt(host), spec.states.hysteresis, spec.states.holdSeconds].join(SEP);
  PARTS.set(host, { spec: host.spec, state, text });
  return text;
}

/** {@link describeState} from {@link stateParts} and the free memory. */
export function describeStateOf(parts: string, free: number): string {
  const p = partsFrom(parts);
  return stateWords(p.name, p.state, p.mf, p.pct, p.hysteresis, p.hold, free);
}

/** {@link stateParts}' text read back. */
interface StateParts {
  text: string;
  name: string;
  state: HostMemoryState;
  mf: number;
  pct: number;
  hysteresis: number;
  hold: number;
}

/** The last text read back (a host's messages come in a row). */
let lastParts: StateParts | undefined;

function partsFrom(text: string): StateParts {
  if (lastParts?.text === text) return lastParts;
  const [name, state, mf, pct, hysteresis, hold] = text.split(SEP) as [string, HostMemoryState, string, string, string, string];
  lastParts = { text, name, state, mf: Number(mf), pct: Number(pct), hysteresis: Number(hysteresis), hold: Number(hold) };
  return lastParts;
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
