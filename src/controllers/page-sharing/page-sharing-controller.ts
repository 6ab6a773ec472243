/**
 * page-sharing controller — sharing identical pages, as the host's policy's real host does
 * (docs/memory-model.md §9, docs/policies.md).
 *
 * Why it exists: identical pages need only one host copy. On an ESXi host (`esxi`) transparent
 * page sharing scans each VM once per `scanMinutes` (faster in clear and lower states): zero
 * pages within a VM and, with salting off, identical pages of VMs with the same guest OS; with
 * large pages nothing is shared while the host is above `largePageBreak` % of minFree. On a KVM
 * host under MOM (`mom`) the kernel's KSM merges identical pages at the rate MOM's KSM policy
 * sets every 10 s (logged as `KsmStarted`/`KsmStopped` on the host). Xen (`squeezed`) and
 * Hyper-V (`hyperv`) hosts share nothing.
 */
import { injectable } from "inversify";
import type { ReconcileContext } from "../../engine/controller.js";
import { HostRecordController } from "../shared/record-controller.js";
import type { HostRecord } from "../../hypervisor/ledger.js";
import { ksmPagesPerSecond } from "../../policies/mom/ksm-policy.js";
import type { KsmRule } from "../../policies/policy.js";
import { policyOf } from "../../policies/registry.js";

/** Scans each host's VMs for shareable pages. */
@injectable()
export class PageSharingController extends HostRecordController {
  readonly name = "page-sharing";

  protected reconcileHost(host: HostRecord, _object: unknown, ctx: ReconcileContext): void {
    const rule = policyOf(host.spec.policy)?.pageSharing ?? { kind: "tps" };
    if (rule.kind === "ksm") {
      if (rule.evaluatesAt(ctx.timeSeconds, ctx.tickSeconds)) this.#setKsm(rule, host, ctx);
      const pagesPerSecond = host.ksm && host.spec.pageSharing.enabled ? ksmPagesPerSecond(host.ksm) : 0;
      ctx.model.scanSharing(host, ctx.tickSeconds, { kind: "ksm", pagesPerSecond });
    } else {
      ctx.model.scanSharing(host, ctx.tickSeconds, { kind: rule.kind });
    }
  }

  /** One evaluation of the policy's KSM rule; starting or stopping ksmd is logged. */
  #setKsm(rule: KsmRule, host: HostRecord, ctx: ReconcileContext): void {
    if (!host.spec.pageSharing.enabled) return;
    const running = ctx.model.vmsOf(host).filter((vm) => vm.phase === "Running");
    const verdict = rule.decide(host, running, host.ksm);
    const wasRunning = host.ksm?.run ?? false;
    ctx.model.setKsm(host, { run: verdict.run, pagesToScan: verdict.pagesToScan, sleepMs: verdict.sleepMs });
    if (verdict.run !== wasRunning) {
      ctx.log({
        kind: "Host",
        name: host.name,
        host: host.name,
        action: verdict.run ? "KsmStarted" : "KsmStopped",
        from: wasRunning ? "running" : "stopped",
        to: verdict.run ? "running" : "stopped",
        reason: verdict.reason,
        message: verdict.message(),
      });
    }
  }
}
