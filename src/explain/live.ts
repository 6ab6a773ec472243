/**
 * Decisions recomputed from the memory model as it stands at the current tick, in the same shape
 * as the controllers' decision records. Records are kept only when a target changes (and only the
 * newest {@link DECISION_RETENTION} per object), so for "now" the explanation asks the host's
 * policy (src/policies/) — the very functions the controllers apply — instead of trusting a
 * record that may be old or already dropped.
 */
import { computeEntitlements, entitlementDecision } from "../controllers/entitlement/entitlement-controller.js";
import type { ResourceReader } from "../store/types.js";
import { osMinimumPages } from "./balloon-caps.js";
import type { BalloonDecision, EntitlementDecision, SwapDecision } from "../hypervisor/decisions.js";
import type { HostRecord, VmRecord } from "../hypervisor/ledger.js";
import type { MemoryModelReader } from "../hypervisor/memory-model.js";
import type { HostBalloonVerdict, HostScopedPolicy, PageOutVerdict, PolicyPlugin, PolicyReader } from "../policies/policy.js";
import { balloonRecord, swapRecord } from "../policies/records.js";

/**
 * What explain's policy calls read: the model's consumed memory, and guest OS minimums from the
 * store's profiles (the model's profile cache is empty right after a restore; balloon-caps.ts).
 */
export function explainReader(model: MemoryModelReader, store: ResourceReader): PolicyReader {
  return { consumed: (vm) => model.consumed(vm), osMinimum: (vm) => osMinimumPages(store, vm.spec.guestOS) };
}

/** The entitlement decision of one VM as the entitlement controller makes it, recomputed now. */
export function liveEntitlement(model: MemoryModelReader, host: HostRecord, vm: VmRecord, tick: number): EntitlementDecision | undefined {
  const h = computeEntitlements(model, host);
  const index = h.vms.indexOf(vm);
  return index < 0 ? undefined : entitlementDecision(model, host, h, index, tick);
}

/**
 * The balloon decision of one running VM now, by its host's policy when that decides VM by VM
 * (ESXi): caps, the binding one, the current target and why (what the guest gave is not known
 * live: zeros). Undefined for a policy that decides per host.
 */
export function liveBalloon(reader: PolicyReader, policy: PolicyPlugin, host: HostRecord, vm: VmRecord, tick: number): BalloonDecision | undefined {
  const rule = policy.balloon;
  if (rule.scope !== "vm") return undefined;
  const verdict = rule.decide(host, vm, reader);
  return balloonRecord(tick, vm, host, verdict, vm.balloonTarget, vm.balloon, { free: 0, untouched: 0, used: 0, stalled: 0 });
}

/** The page-out verdict of one VM now, by its host's policy (undefined when the policy does not page out). */
export function livePageOut(reader: PolicyReader, model: MemoryModelReader, policy: PolicyPlugin, host: HostRecord, vm: VmRecord): PageOutVerdict | undefined {
  const rule = policy.pageOut;
  if (!rule) return undefined;
  const vms = model.vmsOf(host);
  const index = vms.indexOf(vm);
  return index < 0 ? undefined : rule.decide(host, vms, reader)[index];
}

/** The swap decision of one VM now, by its host's policy (docs/memory-model.md §8), with its current swap target. */
export function liveSwap(reader: PolicyReader, model: MemoryModelReader, policy: PolicyPlugin, host: HostRecord, vm: VmRecord, tick: number): SwapDecision | undefined {
  const verdict = livePageOut(reader, model, policy, host, vm);
  return verdict && swapRecord(tick, vm, host, verdict, vm.swapTarget);
}

/**
 * The balloon decision of one running VM now by a policy that decides per host, as if it
 * evaluated now (MOM evaluates every 10 s): its plan of the host as it stands, then this VM's
 * decision (`nowSeconds`: the simulated time now).
 */
export function liveHostBalloon(reader: PolicyReader, model: MemoryModelReader, policy: HostScopedPolicy, host: HostRecord, vm: VmRecord, nowSeconds: number): HostBalloonVerdict {
  const rule = policy.balloon;
  const running = model.vmsOf(host).filter((v) => v.phase === "Running");
  return rule.decide(rule.plan(host, running, reader, true, nowSeconds), host, vm, reader);
}
