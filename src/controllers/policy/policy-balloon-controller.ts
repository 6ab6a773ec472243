/**
 * The controller of a policy that decides balloon targets per host (`mom`, `squeezed`;
 * docs/policies.md): one instance per such policy in the registry, named after it, runs on the
 * hosts with that `spec.policy`.
 *
 * Each tick it asks the policy for its plan of the host, then, VM by VM in admission order, for
 * the VM's decision; it sets the balloon maximum and target, logs the change as the decision
 * says, and steps the balloon driver before asking about the next VM (so a policy that reads
 * the host's free memory sees what the VMs before it left, as MOM does).
 */
import type { ReconcileContext } from "../../engine/controller.js";
import { approx } from "../../hypervisor/format.js";
import type { HostRecord, VmRecord } from "../../hypervisor/ledger.js";
import type { HostScopedPolicy } from "../../policies/policy.js";
import { HostRecordController } from "../shared/record-controller.js";
import { applyBalloonVerdict, stepBalloon } from "../shared/balloon.js";

/** Applies one per-host policy's balloon decisions to the hosts that run it. */
export class PolicyBalloonController extends HostRecordController {
  readonly name: string;
  readonly #policy: HostScopedPolicy;

  constructor(policy: HostScopedPolicy) {
    super();
    this.#policy = policy;
    this.name = policy.name;
  }

  protected reconcileHost(host: HostRecord, _object: unknown, ctx: ReconcileContext): void {
    if (host.spec.policy !== this.#policy.name) return;
    const rule = this.#policy.balloon;
    const running = ctx.model.vmsOf(host).filter((vm) => vm.phase === "Running");
    const evaluating = rule.evaluatesAt?.(ctx.timeSeconds, ctx.tickSeconds) ?? true;
    const plan = rule.plan(host, running, ctx.model, evaluating, ctx.timeSeconds - ctx.tickSeconds);
    for (const vm of running) {
      const verdict = rule.decide(plan, host, vm, ctx.model);
      applyBalloonVerdict(ctx, vm, host, verdict);
      applySmartPaging(ctx, vm, host, verdict.smartPaging ?? 0);
      if (verdict.step) stepBalloon(vm, ctx);
    }
  }
}

/** Sets a VM's Smart Paging allowance, empties the file after the boot, and logs when Smart Paging starts and ends (Hyper-V, restart boot only). */
function applySmartPaging(ctx: ReconcileContext, vm: VmRecord, host: HostRecord, pages: number): void {
  const before = vm.smartPaging;
  if (pages === before && (pages > 0 || vm.smartPaged === 0)) return;
  ctx.model.setSmartPaging(vm, pages);
  if (pages === 0) ctx.model.drainSmartPaging(vm); // booted: the file empties as the host allows
  if ((before > 0) === (pages > 0)) return;
  const started = pages > 0;
  ctx.log({
    kind: "VirtualMachine",
    namespace: vm.namespace,
    name: vm.name,
    host: host.name,
    action: started ? "SmartPagingStarted" : "SmartPagingEnded",
    from: approx(before),
    to: approx(pages),
    reason: started ? "HypervSmartPaging" : "HypervBooted",
    message: started
      ? `restarting with less than its startup memory available on ${host.name}: up to ${approx(pages)} backed by the Smart Paging file until the guest has booted`
      : `booted: Smart Paging ends (${approx(vm.smartPaged)} still in the Smart Paging file comes back into RAM as the host's free memory allows)`,
  });
}
