/**
 * host-state controller — the five host memory states (memory-model §4).
 *
 * Why it exists: ESXi decides *which* reclamation runs from how much free memory is left
 * relative to minFree (high, clear, soft, hard, low). Moving down happens at once — a tick
 * that crosses several thresholds goes straight to the lowest as one change; moving up needs
 * free ≥ threshold + hysteresis to hold for `holdSeconds`, so swap-in churn on a small host does
 * not make the state flap every tick.
 */
import { injectable } from "inversify";
import type { Controller, ReconcileContext, ReconcileRequest } from "../../engine/controller.js";
import { climbTarget, enterThresholdPercent, stateForFree, stateRank, thresholdPages } from "../../hypervisor/formulas.js";
import type { HostRecord } from "../../hypervisor/ledger.js";
import { approx, hostFor, hostObjectKey } from "../shared/context.js";

/** Maintains each host's memory state with hysteresis. */
@injectable()
export class HostStateController implements Controller {
  readonly name = "host-state";
  readonly forKind = "Host" as const;

  reconcile(req: ReconcileRequest, ctx: ReconcileContext): void {
    const host = hostFor(req, ctx);
    if (!host) return;
    const { free, spec } = host;
    const from = host.state;
    const down = stateForFree(free, spec.minFree, spec.states);
    let to = from;
    if (stateRank(down) > stateRank(from)) {
      to = down;
      ctx.model.setClimbSince(host, -1);
    } else {
      const up = climbTarget(from, free, spec.minFree, spec.states);
      if (up === from) ctx.model.setClimbSince(host, -1);
      else {
        if (host.climbSince < 0) ctx.model.setClimbSince(host, ctx.timeSeconds);
        if (ctx.timeSeconds - host.climbSince >= spec.states.holdSeconds) {
          to = up;
          ctx.model.setClimbSince(host, -1);
        }
      }
    }
    if (to === from) return;
    ctx.model.setHostState(host, to);
    const th = (pct: number): number => thresholdPages(pct, spec.minFree);
    ctx.model.recordDecision(host, {
      type: "hostState",
      tick: ctx.tick,
      from,
      to,
      free,
      minFree: spec.minFree,
      thresholds: { clear: th(spec.states.clear), soft: th(spec.states.soft), hard: th(spec.states.hard), low: th(spec.states.low) },
      hysteresisPercent: spec.states.hysteresis,
      holdSeconds: spec.states.holdSeconds,
    });
    const message = describeState(host);
    ctx.log({ kind: "Host", name: host.name, host: host.name, action: "StateChanged", from, to, reason: stateRank(to) > stateRank(from) ? "FreeMemoryFell" : "FreeMemoryRecovered", message });
    ctx.store.recordEvent(hostObjectKey(host), stateRank(to) >= stateRank("hard") ? "Warning" : "Normal", "StateChanged", `${from} → ${to}: ${message}`);
  }
}

const STATE_REASONS: Readonly<Record<HostRecord["state"], string>> = {
  high: "HostStateHigh",
  clear: "HostStateClear",
  soft: "HostStateSoft",
  hard: "HostStateHard",
  low: "HostStateLow",
};

/** The log/decision reason naming a host state (`HostStateSoft`, …): one shared string per state. */
export function hostStateReason(state: HostRecord["state"]): string {
  return STATE_REASONS[state];
}

/** Plain words for a host's state: free memory against the threshold that decided it. */
export function describeState(host: HostRecord): string {
  const { free, state, spec } = host;
  const mf = spec.minFree;
  if (state === "high") return `host ${host.name} is high: free ${approx(free)} ≥ minFree ${approx(mf)}`;
  const pct = enterThresholdPercent(state, spec.states);
  const line = thresholdPages(pct, mf);
  if (free < line) return `host ${host.name} is ${state}: free ${approx(free)} < ${approx(line)} (${pct}% of minFree ${approx(mf)})`;
  const back = thresholdPages(pct + spec.states.hysteresis, mf);
  return `host ${host.name} is ${state}: free ${approx(free)} must stay ≥ ${approx(back)} (${pct}% + ${spec.states.hysteresis}% hysteresis of minFree ${approx(mf)}) for ${spec.states.holdSeconds}s to climb`;
}
