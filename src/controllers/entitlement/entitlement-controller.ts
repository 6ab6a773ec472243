/**
 * entitlement controller — what each running VM should have (docs/memory-model.md §6, esxtop SZTGT).
 *
 * Why it exists: under contention ESXi divides the memory available to VMs by shares, but taxes
 * idle memory (Waldspurger's idle memory tax) so it is taken from idle VMs first. Each host's
 * VMs are water-filled between their reservation and min(memory, limit, max(demand, active)),
 * where demand counts the pages the guest gave up only under pressure (balloon, guest swap) and
 * the growth it is waiting for, so a ballooned VM stays entitled to its memory back;
 * the reclaim need every other controller works from is consumed − entitlement.
 */
import { injectable } from "inversify";
import type { ReconcileContext } from "../../engine/controller.js";
import { type EntitlementInput, type EntitlementResult, waterFill } from "../../hypervisor/formulas.js";
import { touchedOf, usedOf, type HostRecord, type VmRecord } from "../../hypervisor/ledger.js";
import { isOverLimit, limitReclaimOf } from "../../hypervisor/limit.js";
import type { MemoryModelReader } from "../../hypervisor/memory-model.js";
import { type LogBuilder, registerLogBuilder } from "../../engine/tick-log.js";
import { approx, logLazily, q, significantChange } from "../shared/context.js";
import { HostRecordController } from "../shared/record-controller.js";
import type { EntitlementBound, EntitlementDecision } from "../../hypervisor/decisions.js";

/**
 * What a VM's guest is using or asking for, in pages (docs/memory-model.md, *Entitlement*): the
 * pages it has touched, those the balloon holds and those in its own swap, plus the growth its
 * workload is still waiting for — never more than its memory. Unlike `touched`, this does not
 * shrink when the balloon takes pages, so a ballooned VM is still entitled to get them back.
 */
export function demandOf(v: VmRecord): number {
  const waiting = Math.max(0, v.wantAllocated - usedOf(v) - v.guestSwapped);
  return Math.min(v.memory, touchedOf(v) + v.balloon + v.guestSwapped + waiting);
}

/** One host's water-filling: its running VMs, their entitlement inputs, the memory available and the result. */
export interface HostEntitlements {
  vms: VmRecord[];
  inputs: EntitlementInput[];
  available: number;
  result: EntitlementResult;
}

/** Water-fills one host's VMs (docs/memory-model.md §6): shared by the controller and `explain`. */
export function computeEntitlements(model: MemoryModelReader, host: HostRecord): HostEntitlements {
  const vms = model.vmsOf(host);
  let overhead = 0;
  const inputs: EntitlementInput[] = vms.map((v) => {
    overhead += v.overhead;
    const active = model.active(v);
    return { shares: v.spec.shares, active, lo: v.reservation, hi: Math.min(v.memory, v.spec.limit, Math.max(demandOf(v), active)) };
  });
  const available = host.spec.capacity - host.spec.vmkernelReserved - overhead - host.spec.minFree;
  return { vms, inputs, available, result: waterFill(inputs, available, host.spec.idleTax) };
}

/**
 * The decision record of VM number `i` of a host's water-filling: its inputs and the bound that
 * set it. Written into `into` when given (the controller reuses one object: the model copies it).
 */
export function entitlementDecision(model: MemoryModelReader, host: HostRecord, h: HostEntitlements, i: number, tick: number, into?: EntitlementDecision): EntitlementDecision {
  const v = h.vms[i]!;
  const inp = h.inputs[i]!;
  const e = h.result.pages[i]!;
  const touched = touchedOf(v);
  const demand = demandOf(v);
  const hiBound: EntitlementBound = inp.hi === v.spec.limit ? "limit" : inp.hi === v.memory ? "memory" : inp.hi === demand ? "demand" : "active";
  const bound: EntitlementBound = !h.result.contended ? hiBound : e >= inp.hi ? hiBound : e <= inp.lo && inp.lo > 0 ? "reservation" : "water-level";
  // field by field, in the record's key order (a fresh object gets the order of the JSON)
  const r = into ?? ({} as EntitlementDecision);
  r.type = "entitlement";
  r.tick = tick;
  r.entitlement = e;
  r.consumed = model.consumed(v);
  r.reclaim = v.reclaim;
  r.shares = v.spec.shares;
  r.sharesLabel = v.spec.sharesLabel;
  r.active = inp.active;
  r.touched = touched;
  r.demand = demand;
  r.reservation = v.reservation;
  r.limit = Number.isFinite(v.spec.limit) ? v.spec.limit : null;
  r.memory = v.memory;
  r.idleTax = host.spec.idleTax;
  r.available = h.available;
  r.contended = h.result.contended;
  r.lambda = h.result.contended ? h.result.lambda : null;
  r.bound = bound;
  r.hostState = host.state;
  r.hostFree = host.free;
  return r;
}

/**
 * The one record object the controller fills for each entitlement decision, made with every
 * field in the record's key order and `limit` and `lambda` holding a small integer and then null,
 * so that those fields take numbers and null alike. Made empty, its `limit` field first held
 * null and then only the boxed numbers the interpreter stores; the optimized controller stores a
 * page count as a small integer, which such a field does not take: V8 deoptimized it at the first
 * VM with a limit and recompiled it, every tick (≈ 35 ms of compiling a tick at 20k VMs).
 */
const scratch = recordShape();

function recordShape(): EntitlementDecision {
  const r = {
    type: "entitlement", tick: 0, entitlement: 0, consumed: 0, reclaim: 0, shares: 0, sharesLabel: "", active: 0, touched: 0, demand: 0, reservation: 0,
    limit: 0 as number | null, memory: 0, idleTax: 0, available: 0, contended: false, lambda: 0 as number | null, bound: "memory", hostState: "high", hostFree: 0,
  } satisfies EntitlementDecision;
  r.limit = null;
  r.lambda = null;
  return r;
}

/**
 * The EntitlementChanged entry of `vm` on host `hostName`, from the numbers of the decision
 * (built only when the log is read: docs/performance.md, *Messages only when logged*).
 */
const entitlementChanged: LogBuilder<VmRecord> = registerLogBuilder("entitlementChanged", (vm, hostName, from, to, contended, available, active, idleTax) => ({
  kind: "VirtualMachine",
  namespace: vm.namespace,
  name: vm.name,
  host: hostName,
  action: "EntitlementChanged",
  from: q(from),
  to: q(to),
  reason: contended === 1 ? "Contention" : "NoContention",
  message:
    contended === 1
      ? `host ${hostName} is contended: Σ demand exceeds ${approx(Math.max(0, available))} available; active ${approx(active)}, idle tax ${idleTax}%`
      : `no contention on ${hostName}: entitled to min(memory, limit, max(demand, active)) = ${approx(to)}`,
}));

/** Computes entitlement and reclaim need per VM, per host. */
@injectable()
export class EntitlementController extends HostRecordController {
  readonly name = "entitlement";

  protected reconcileHost(host: HostRecord, _object: unknown, ctx: ReconcileContext): void {
    const h = computeEntitlements(ctx.model, host);
    const { vms, inputs, available, result } = h;
    vms.forEach((v, i) => {
      const e = result.pages[i]!;
      const consumed = ctx.model.consumed(v);
      const overLimit = isOverLimit(v, consumed);
      // a VM over its limit is also asked for what the host holds for it beyond the limit, but
      // never for pages within its reservation
      const limitReclaim = overLimit ? Math.min(limitReclaimOf(v), consumed - v.reservation) : 0;
      ctx.model.setEntitlement(v, e, Math.max(0, consumed - e, limitReclaim), overLimit);
      if (significantChange(v.loggedEntitlement, e)) {
        const from = v.loggedEntitlement;
        ctx.model.setLoggedEntitlement(v, e);
        ctx.model.recordDecision(v, entitlementDecision(ctx.model, host, h, i, ctx.tick, scratch));
        logLazily(ctx, entitlementChanged, v, host.name, from, e, result.contended ? 1 : 0, available, inputs[i]!.active, host.spec.idleTax);
      }
    });
  }
}
