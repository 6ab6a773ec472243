/**
 * swap controller — applies the compression and host swapping decisions of the host's policy
 * (ESXi; docs/memory-model.md §8, SWTGT/ZIP; Linux host swap and the OOM killer on `mom` hosts,
 * docs/policies.md) and pages out.
 *
 * Why it exists: whatever reclaim need the balloon has not met must still be met, or the host
 * runs out of memory. The rule that decides which VMs page out and how much is the host's
 * policy's (src/policies/esxi/page-out.ts); this controller sets the swap targets, logs and
 * records them, and pages out. The hypervisor does not know which pages the guest considers
 * free, so it picks pages blindly — which is why swapping hurts more than ballooning. Each
 * chosen page is compressed first when it compresses to ≤ 2 KiB and the cache has room,
 * otherwise written to the VM's swap file. The host's page-out throughput is shared by its VMs
 * in proportion to their need. Hosts whose policy does not page out are left alone.
 */
import { injectable } from "inversify";
import type { ReconcileContext } from "../../engine/controller.js";
import { compressedOf } from "../../hypervisor/ledger.js";
import type { HostRecord, VmRecord } from "../../hypervisor/ledger.js";
import { approx, q, significantChange, vmObjectKey } from "../shared/context.js";
import { logTargetChange } from "../shared/target-log.js";
import { HostRecordController } from "../shared/record-controller.js";
import { swapRecord } from "../../policies/records.js";
import { policyOf } from "../../policies/registry.js";

/** Sets swap targets and pages out, per host. */
@injectable()
export class SwapController extends HostRecordController {
  readonly name = "swap";

  protected reconcileHost(host: HostRecord, _object: unknown, ctx: ReconcileContext): void {
    const rule = policyOf(host.spec.policy)?.pageOut;
    if (!rule) return;
    const vms = ctx.model.vmsOf(host);
    const verdicts = rule.decide(host, vms, ctx.model);
    const needs: [VmRecord, number, boolean][] = [];
    for (let i = 0; i < vms.length; i++) {
      const vm = vms[i]!;
      const verdict = verdicts[i]!;
      if (verdict.oomKill !== undefined) {
        ctx.model.killVm(vm, verdict.oomKill);
        ctx.log({ kind: "VirtualMachine", namespace: vm.namespace, name: vm.name, host: host.name, action: "PoweredOff", from: "Running", to: "Stopped", reason: verdict.reason, message: verdict.oomKill });
        ctx.store.recordEvent(vmObjectKey(vm), "Warning", "OomKilled", verdict.oomKill);
        continue;
      }
      const swapTarget = verdict.swapTarget;
      if (swapTarget !== vm.swapTarget) {
        const from = vm.swapTarget;
        ctx.model.setSwapTarget(vm, swapTarget);
        if (significantChange(from, swapTarget)) {
          ctx.model.recordDecision(vm, swapRecord(ctx.tick, vm, host, verdict, swapTarget));
          logTargetChange(ctx, "SwapTargetChanged", vm, host, from, swapTarget, verdict);
        }
      }
      if (verdict.need > 0) needs.push([vm, verdict.need, verdict.compress ?? true]);
    }
    const total = needs.reduce((s, [, n]) => s + n, 0);
    const budget = host.pageOutLeft;
    for (const [vm, need, compress] of needs) {
      const share = Math.max(1, Math.floor((budget * need) / total));
      const hadCompressed = compressedOf(vm) > 0;
      const res = ctx.model.pageOut(vm, need, share, { compress });
      if (!hadCompressed && compressedOf(vm) > 0) {
        const msg = `compressed ${approx(res.compressed)} into the compression cache (max ${host.spec.compression.maxPercent}% of memory)`;
        ctx.log({ kind: "VirtualMachine", namespace: vm.namespace, name: vm.name, host: host.name, action: "CompressionStarted", from: "0", to: q(compressedOf(vm)), reason: "ReclaimNeeded", message: msg });
        ctx.store.recordEvent(vmObjectKey(vm), "Normal", "CompressionStarted", msg);
      }
    }
  }
}
