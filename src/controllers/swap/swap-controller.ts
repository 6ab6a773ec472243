/**
 * swap controller — memory compression and hypervisor swapping (memory-model §7, SWTGT/ZIP).
 *
 * Why it exists: whatever reclaim need the balloon has not met (no driver, at its maximum,
 * stalled, or too slow this tick) must still be met, or the host runs out of memory. The
 * hypervisor does not know which pages the guest considers free, so it picks pages blindly —
 * which is why swapping hurts more than ballooning. Each chosen page is compressed first when it
 * compresses to ≤ 2 KiB and the cache has room, otherwise written to the VM's swap file. The
 * host's page-out throughput is shared by its VMs in proportion to their need.
 */
import { hostStateReason } from "../host-state/host-state-controller.js";
import { injectable } from "inversify";
import type { Controller, ReconcileContext, ReconcileRequest } from "../../engine/controller.js";
import { compressedOf, swappedOf } from "../../hypervisor/ledger.js";
import type { VmRecord } from "../../hypervisor/ledger.js";
import { BALLOON_DRIVER_TIMEOUT_SECONDS } from "../../hypervisor/memory-model.js";
import { canBalloon } from "../balloon/balloon-controller.js";
import { approx, hostFor, q, significantChange, vmObjectKey } from "../shared/context.js";

/** Sets swap targets and pages out, per host. */
@injectable()
export class SwapController implements Controller {
  readonly name = "swap";
  readonly forKind = "Host" as const;

  reconcile(req: ReconcileRequest, ctx: ReconcileContext): void {
    const host = hostFor(req, ctx);
    if (!host || host.spec.policy !== "esxi") return;
    const state = host.state;
    const needs: [VmRecord, number][] = [];
    for (const vm of ctx.model.vmsOf(host)) {
      const consumed = ctx.model.consumed(vm);
      const overLimit = consumed > vm.spec.limit;
      const balloonDone =
        !canBalloon(vm, host) ||
        vm.balloon >= vm.balloonMax ||
        vm.balloonStalled ||
        vm.driverIdleSeconds >= BALLOON_DRIVER_TIMEOUT_SECONDS;
      // Hard and low swap whatever the balloon has not met yet; soft and over-limit VMs only
      // once the balloon can do no more.
      const eligible = state === "hard" || state === "low" || ((state === "soft" || overLimit) && balloonDone);
      const need = eligible ? Math.max(0, Math.min(consumed - vm.entitlement, consumed - vm.reservation)) : 0;
      const swapTarget = need > 0 ? swappedOf(vm) + need : state === "high" || state === "clear" ? 0 : Math.min(vm.swapTarget, swappedOf(vm));
      if (swapTarget !== vm.swapTarget) {
        const from = vm.swapTarget;
        ctx.model.setSwapTarget(vm, swapTarget);
        if (significantChange(from, swapTarget)) {
          ctx.model.recordDecision(vm, {
            type: "swap",
            tick: ctx.tick,
            swapTarget,
            need,
            reason: overLimit ? "OverLimit" : need > 0 ? (state === "soft" ? "CannotBalloon" : hostStateReason(state)) : "PressureRelieved",
            balloonDone,
            balloonDoneReason: !canBalloon(vm, host)
              ? "noDriver"
              : vm.driverIdleSeconds >= BALLOON_DRIVER_TIMEOUT_SECONDS
                ? "unresponsive"
                : vm.balloonStalled
                  ? "stalled"
                  : vm.balloon >= vm.balloonMax
                    ? "atMaximum"
                    : null,
            compressed: compressedOf(vm),
            swapped: swappedOf(vm),
            hostState: state,
          });
          ctx.log({
            kind: "VirtualMachine",
            namespace: vm.namespace,
            name: vm.name,
            host: host.name,
            action: "SwapTargetChanged",
            from: q(from),
            to: q(swapTarget),
            reason: overLimit ? "OverLimit" : need > 0 ? (state === "soft" ? "CannotBalloon" : hostStateReason(state)) : "PressureRelieved",
            message: need > 0 ? `balloon left ${approx(need)} of reclaim unmet; compressing and swapping` : `no reclaim left on ${host.name}; swapped pages return when touched`,
          });
        }
      }
      if (need > 0) needs.push([vm, need]);
    }
    const total = needs.reduce((s, [, n]) => s + n, 0);
    const budget = host.pageOutLeft;
    for (const [vm, need] of needs) {
      const share = Math.max(1, Math.floor((budget * need) / total));
      const hadCompressed = compressedOf(vm) > 0;
      const res = ctx.model.pageOut(vm, need, share);
      if (!hadCompressed && compressedOf(vm) > 0) {
        const msg = `compressed ${approx(res.compressed)} into the compression cache (max ${host.spec.compression.maxPercent}% of memory)`;
        ctx.log({ kind: "VirtualMachine", namespace: vm.namespace, name: vm.name, host: host.name, action: "CompressionStarted", from: "0", to: q(compressedOf(vm)), reason: "ReclaimNeeded", message: msg });
        ctx.store.recordEvent(vmObjectKey(vm), "Normal", "CompressionStarted", msg);
      }
    }
  }
}
