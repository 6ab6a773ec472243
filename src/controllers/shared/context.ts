/**
 * Small helpers every built-in controller uses: the model's records of the objects to
 * reconcile (the engine has synced the model with the store at the start of the tick), spec
 * problems, object keys, and quantity formatting for logs.
 */
import type { ObjectKey, StoredObject, VirtualMachine } from "../../api/types.js";
import type { DeepReadonly } from "../../store/types.js";
import { pagesToQuantity } from "../../api/quantity.js";
import type { ReconcileContext, ReconcileRequest } from "../../engine/controller.js";
import type { LogBuilder } from "../../engine/tick-log.js";
import type { HostRecord, VmRecord } from "../../hypervisor/ledger.js";


/**
 * The body of a VM controller's `reconcileAll`: runs `each` for the record of every VM in `objects` (the store's order, skipping VMs the model does not know),
 * handing a throw for one VM to `failed` with its index so the others still run.
 */
export function forEachVmRecord(
  objects: readonly DeepReadonly<StoredObject>[],
  ctx: ReconcileContext,
  failed: (index: number, error: unknown) => void,
  each: (vm: VmRecord, object: DeepReadonly<VirtualMachine>) => void,
): void {
  if (objects.length === 0) return;
  const vms = objects as readonly DeepReadonly<VirtualMachine>[];
  const records = ctx.model.vmRecords(vms);
  const reconciling = ctx.reconciling;
  for (let i = 0; i < vms.length; i++) {
    const vm = records[i];
    if (vm === undefined) continue;
    if (reconciling !== undefined) reconciling(i);
    try {
      each(vm, vms[i]!);
    } catch (e) {
      failed(i, e);
    }
  }
}

/**
 * Throws when the model could not use the requested object's stored spec (see
 * `MemoryModel.specProblems`): the status controllers call it after projecting, so the problem
 * becomes that object's `ReconcileError`, retried with backoff.
 */
export function throwSpecProblem(req: ReconcileRequest, ctx: ReconcileContext): void {
  const problems = ctx.model.specProblems;
  if (problems === undefined || problems.size === 0 || (req.kind !== "Host" && req.kind !== "VirtualMachine")) return;
  const problem = problems.get(req.kind, req.name, req.namespace);
  if (problem !== undefined) throw new Error(problem);
}

/** {@link throwSpecProblem} for a `reconcileAll`: hands each object whose spec the model could not use to `failed`. */
export function failSpecProblems(objects: readonly DeepReadonly<StoredObject>[], ctx: ReconcileContext, failed: (index: number, error: unknown) => void): void {
  const problems = ctx.model.specProblems;
  if (problems === undefined || problems.size === 0) return;
  ctx.reconciling?.(objects.length);
  for (let i = 0; i < objects.length; i++) {
    const o = objects[i]!;
    const problem = o.kind === "Host" || o.kind === "VirtualMachine" ? problems.get(o.kind, o.metadata.name, o.metadata.namespace) : undefined;
    if (problem !== undefined) failed(i, new Error(problem));
  }
}

/** Store key of a VM record. */
export function vmObjectKey(vm: VmRecord): ObjectKey {
  return { kind: "VirtualMachine", namespace: vm.namespace, name: vm.name };
}

/** Store key of a host record. */
export function hostObjectKey(host: HostRecord): ObjectKey {
  return { kind: "Host", name: host.name };
}

const PAGES_PER_UNIT: readonly (readonly [suffix: string, pages: number])[] = [
  ["Pi", 2 ** 38],
  ["Ti", 2 ** 28],
  ["Gi", 2 ** 18],
  ["Mi", 2 ** 8],
];

/**
 * Exact quantity string for pages (`528Mi`, `1300228Ki`, `0`): the same text as
 * pagesToQuantity, computed in plain numbers (no BigInt) below 2^40 pages.
 */
export const q = (pages: number): string => {
  const p = Math.max(0, Math.round(pages));
  if (p === 0) return "0";
  if (!(p < 2 ** 40)) return pagesToQuantity(p);
  for (const [suffix, size] of PAGES_PER_UNIT) if (p % size === 0) return `${p / size}${suffix}`;
  return `${p * 4}Ki`;
};

/** Readable sizes for messages (shared with the memory model). */
export { approx } from "../../hypervisor/format.js";

/**
 * Whether a change from `from` to `to` is worth logging (docs/library.md, *Log formats*): it moves by at least 1 %
 * and at least 1 MiB, or goes to or from zero. Smaller drifts (an active estimate decaying by a
 * few pages a tick) are not decisions a reader needs to see.
 */
export function significantChange(from: number, to: number): boolean {
  if (from === to) return false;
  if (from === 0 || to === 0) return true;
  const d = Math.abs(to - from);
  return d >= 256 && d * 100 >= Math.abs(from);
}

/**
 * Logs an entry built only when someone reads the log (`ReconcileContext.logLazily`), or at
 * once through `ctx.log` when the context has no lazy path (a context made by hand).
 */
export function logLazily<S>(ctx: ReconcileContext, build: LogBuilder<S>, subject: S, text: string, a = 0, b = 0, c = 0, d = 0, e = 0, f = 0): void {
  if (ctx.logLazily !== undefined) ctx.logLazily(build, subject, text, a, b, c, d, e, f);
  else ctx.log(build(subject, text, a, b, c, d, e, f));
}
