/**
 * Small helpers every built-in controller uses: syncing the memory model with the store at the
 * start of a tick, object keys, and quantity formatting for logs.
 */
import type { ObjectKey } from "../../api/types.js";
import { pagesToQuantity } from "../../api/quantity.js";
import type { ReconcileContext, ReconcileRequest } from "../../engine/controller.js";
import type { HostRecord, VmRecord } from "../../hypervisor/ledger.js";

/** Brings the memory model in line with the store (idempotent within a tick). */
export function syncModel(ctx: ReconcileContext): void {
  ctx.model.sync(ctx.tick, ctx.timeSeconds, ctx.tickSeconds, ctx.store);
}

/** The model's record of the requested VM, if any. */
export function vmFor(req: ReconcileRequest, ctx: ReconcileContext): VmRecord | undefined {
  syncModel(ctx);
  return ctx.model.vm(req.namespace ?? "default", req.name);
}

/** The model's record of the requested host, if any. */
export function hostFor(req: ReconcileRequest, ctx: ReconcileContext): HostRecord | undefined {
  syncModel(ctx);
  return ctx.model.host(req.name);
}

/** Store key of a VM record. */
export function vmObjectKey(vm: VmRecord): ObjectKey {
  return { kind: "VirtualMachine", namespace: vm.namespace, name: vm.name };
}

/** Store key of a host record. */
export function hostObjectKey(host: HostRecord): ObjectKey {
  return { kind: "Host", name: host.name };
}

/** Exact quantity string for pages (`528Mi`, `1300228Ki`, `0`). */
export const q = (pages: number): string => pagesToQuantity(Math.max(0, Math.round(pages)));

/**
 * A short, readable size for log messages: exact when it is a whole MiB or GiB, otherwise MiB
 * with one decimal (`812.6Mi`) or GiB with two (`12.34Gi`).
 */
export function approx(pages: number): string {
  if (!Number.isFinite(pages)) return "unlimited";
  const p = Math.max(0, Math.round(pages));
  if (p % (256 * 1024) === 0) return `${p / (256 * 1024)}Gi`;
  if (p % 256 === 0 && p < 10 * 256 * 1024) return `${p / 256}Mi`;
  const mib = p / 256;
  return mib >= 10240 ? `${(mib / 1024).toFixed(2)}Gi` : `${mib.toFixed(1)}Mi`;
}

/** Whether a change from `from` to `to` is worth logging: ≥ 1 % or ≥ 1 MiB, or to/from zero. */
export function significantChange(from: number, to: number): boolean {
  if (from === to) return false;
  if (from === 0 || to === 0) return true;
  const d = Math.abs(to - from);
  return d >= 256 || d >= Math.abs(from) / 100;
}
