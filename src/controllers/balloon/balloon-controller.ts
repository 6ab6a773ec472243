/**
 * balloon controller — applies the balloon decisions of policies that decide VM by VM (ESXi;
 * docs/memory-model.md §7, esxtop MCTLTGT/MCTLMAX) and drives the balloon toward them.
 *
 * Why it exists: ballooning is how the hypervisor asks the *guest* to choose what to give up.
 * The guest gives its free pages first (each returns a host page — the seed's "chews up free
 * RAM"), then untouched pages, and only then pages out used memory to its own swap. The rule
 * that sets the target and the maximum is the host's policy's (src/policies/esxi/balloon.ts);
 * this controller sets them, logs and records the decision, moves the balloon and reports a
 * balloon stalled on a full guest swap. Hosts whose policy decides per host are left to the
 * controller named after that policy.
 */
import { injectable } from "inversify";
import type { ReconcileContext } from "../../engine/controller.js";
import type { VmRecord } from "../../hypervisor/ledger.js";
import { approx, vmObjectKey } from "../shared/context.js";
import { VmRecordController } from "../shared/record-controller.js";
import { applyBalloonVerdict } from "../shared/balloon.js";
import { balloonRecord } from "../../policies/records.js";
import { policyOf } from "../../policies/registry.js";

/** Sets balloon targets and drives the balloon toward them. */
@injectable()
export class BalloonController extends VmRecordController {
  readonly name = "balloon";

  /** Sets one VM's balloon target by its host's policy and moves its balloon. */
  protected reconcileVm(vm: VmRecord, _object: unknown, ctx: ReconcileContext): void {
    if (vm.phase !== "Running") return;
    const host = ctx.model.host(vm.hostName);
    if (!host) return;
    const rule = policyOf(host.spec.policy)?.balloon;
    if (rule?.scope !== "vm") return;
    const verdict = rule.decide(host, vm, ctx.model);
    const logged = applyBalloonVerdict(ctx, vm, host, verdict);
    const balloonBefore = vm.balloon;
    const move = ctx.model.moveBalloon(vm, ctx.tickSeconds);
    if (logged) {
      const gave = { free: move.fromFree, untouched: move.fromUntouched, used: move.fromUsed, stalled: move.stalled };
      ctx.model.recordDecision(vm, balloonRecord(ctx.tick, vm, host, verdict, verdict.target, balloonBefore, gave));
    }
    if (move.stalled > 0 && !vm.balloonStalled) {
      ctx.model.setBalloonStalled(vm, true);
      const msg = `guest swap is full (${approx(vm.guestSwapped)} of ${approx(vm.spec.guestSwap)}): ${approx(move.stalled)} of the balloon target cannot be met; the rest falls to compression and swap`;
      ctx.log({ kind: "VirtualMachine", namespace: vm.namespace, name: vm.name, host: host.name, action: "BalloonStalled", reason: "GuestSwapFull", message: msg });
      ctx.store.recordEvent(vmObjectKey(vm), "Warning", "BalloonStalled", msg);
      ctx.store.recordEvent(vmObjectKey(vm), "Warning", "GuestOOMRisk", `guest ${vm.name} has no swap left while ballooned; applications may be killed by the guest OOM killer`);
    } else if (move.stalled === 0 && vm.balloonStalled && vm.balloon >= vm.balloonTarget) {
      ctx.model.setBalloonStalled(vm, false);
    }
  }
}
