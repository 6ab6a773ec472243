/**
 * host-state controller — the five host memory states (docs/memory-model.md §5).
 *
 * Why it exists: ESXi decides *which* reclamation runs from how much free memory is left
 * relative to minFree (high, clear, soft, hard, low). Moving down happens at once — a tick
 * that crosses several thresholds goes straight to the lowest as one change; moving up needs
 * free ≥ threshold + hysteresis to hold for `holdSeconds`, so swap-in churn on a small host does
 * not make the state flap every tick.
 */
import { injectable } from "inversify";
import type { ReconcileContext } from "../../engine/controller.js";
import { climbTarget, stateForFree, stateRank, thresholdPages } from "../../hypervisor/formulas.js";
import { describeClimb, describeState } from "../../policies/host-state.js";
import { hostObjectKey } from "../shared/context.js";
import { HostRecordController } from "../shared/record-controller.js";
import type { HostRecord } from "../../hypervisor/ledger.js";

/** Maintains each host's memory state with hysteresis. */
@injectable()
export class HostStateController extends HostRecordController {
  readonly name = "host-state";

  protected reconcileHost(host: HostRecord, _object: unknown, ctx: ReconcileContext): void {
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
    const fell = stateRank(to) > stateRank(from);
    // a fall names the threshold free is below; a climb the one it rose above (not the one it is still below)
    const message = fell ? describeState(host) : describeClimb(host, from);
    ctx.log({ kind: "Host", name: host.name, host: host.name, action: "StateChanged", from, to, reason: fell ? "FreeMemoryFell" : "FreeMemoryRecovered", message });
    ctx.store.recordEvent(hostObjectKey(host), stateRank(to) >= stateRank("hard") ? "Warning" : "Normal", "StateChanged", `${from} → ${to}: ${message}`);
  }
}
