/**
 * Checks of a memory model snapshot before it is restored: the whole record set — shapes, enums, page counts as non-negative whole numbers, other numbers finite and
 * non-negative, no duplicate host names or VM keys, each running VM admitted on exactly the
 * host it names — and then the identities of invariants.ts (docs/memory-model.md §2) over the restored records. A snapshot that fails
 * is refused before anything changes (see HypervisorMemoryModel.restore).
 */
import { ledgerViolations } from "./invariants.js";
import type { HostRecord, VmRecord } from "./ledger.js";

/** A model snapshot that cannot be restored; `problems` lists what is wrong (at least one). */
export class ModelSnapshotError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.length === 1 ? problems[0] : `${problems[0]} (and ${problems.length - 1} more problem${problems.length === 2 ? "" : "s"})`);
    this.name = "ModelSnapshotError";
  }
}

export type { InvariantViolation } from "./invariants.js";

/** VM record fields that count whole pages. */
const VM_PAGES = [
  "memory", "reservation", "overhead",
  "usedMapped", "usedCompressed", "usedSwapped", "freeMapped", "freeCompressed", "freeSwapped", "untouched", "balloon", "guestSwapped", "zeroed",
  "hotMapped", "hotCompressed", "hotSwapped",
  "sharedZero", "sharedCommon", "sharedSavings", "charged", "workingSet", "activeSample", "wantAllocated",
  "entitlement", "reclaim", "balloonTarget", "balloonMax", "swapTarget", "loggedEntitlement", "smartPaging", "smartPaged",
] as const;
/** VM record fields that are finite numbers ≥ 0 (seconds, averages, fractions). */
const VM_AMOUNTS = ["createdAt", "poweredOnAt", "scanned", "activeFast", "activeSlow", "touchCarry", "driverIdleSeconds", "stallPercent"] as const;
const VM_FLAGS = ["balloonStalled", "overLimit", "restartRequested"] as const;
/** Host record fields that count whole pages. */
const HOST_PAGES = ["free", "reserved", "swapFiles", "pageOutLeft", "pageInLeft"] as const;
/** Host spec fields that count whole pages. */
const HOST_SPEC_PAGES = ["capacity", "vmkernelReserved", "minFree"] as const;
/** VM spec fields that count whole pages. */
const VM_SPEC_PAGES = ["memory", "reservation", "overhead", "guestSwap"] as const;
const PHASES: ReadonlySet<unknown> = new Set(["Pending", "Running", "Stopped"]);
const HOST_STATES: ReadonlySet<unknown> = new Set(["high", "clear", "soft", "hard", "low"]);
/** Spec numbers that may be unlimited (Infinity). */
const UNLIMITED: ReadonlySet<string> = new Set(["spec.swap.capacity", "spec.limit"]);

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

const isCount = (value: unknown): boolean => typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
const isAmount = (value: unknown): boolean => typeof value === "number" && Number.isFinite(value) && value >= 0;
const show = (value: unknown): string => (typeof value === "string" ? JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value) : String(value));

/** Every number under a resolved spec: ≥ 0, not NaN, finite except where unlimited is allowed. */
function checkSpecNumbers(value: unknown, path: string, problem: (message: string) => void): void {
  if (typeof value === "number") {
    if (!(value >= 0) || (!Number.isFinite(value) && !UNLIMITED.has(path))) problem(`${path} must be a finite number ≥ 0 (got ${show(value)})`);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => checkSpecNumbers(item, `${path}[${i}]`, problem));
  } else if (isObject(value)) {
    for (const key of Object.keys(value)) checkSpecNumbers(value[key], `${path}.${key}`, problem);
  }
}

/** What {@link modelSnapshotProblems} found; `hosts` and `vms` are set only when there is no problem. */
export interface ModelSnapshotCheck {
  problems: string[];
  hosts?: HostRecord[];
  vms?: VmRecord[];
}

/**
 * Checks a decoded model snapshot (`Infinity` already turned back into a number): shapes,
 * numbers, names and admission links, then the §2 identities with `consumed`. Problems name
 * the record (`model.vms[3] (default/web-1) usedMapped: …`).
 */
export function modelSnapshotProblems(snapshot: unknown, consumed: (vm: VmRecord) => number): ModelSnapshotCheck {
  const problems: string[] = [];
  if (!isObject(snapshot)) return { problems: [`model: must be an object (got ${show(snapshot)})`] };
  if (snapshot.version !== 2) return { problems: [`model.version: this model reads version 2 and migrates version 1 (got ${show(snapshot.version)})`] };
  const syncedTick = snapshot.syncedTick;
  if (typeof syncedTick !== "number" || !Number.isSafeInteger(syncedTick) || syncedTick < -1) problems.push(`model.syncedTick must be a whole number ≥ -1 (got ${show(syncedTick)})`);
  if (!Array.isArray(snapshot.hosts) || !Array.isArray(snapshot.vms)) return { problems: [...problems, "model: needs hosts and vms lists"] };

  const vmByKey = new Map<string, Json>();
  snapshot.vms.forEach((v: unknown, i) => {
    const label = isObject(v) && typeof v.key === "string" ? `model.vms[${i}] (${v.key})` : `model.vms[${i}]`;
    const problem = (message: string): void => void problems.push(`${label} ${message}`);
    if (!isObject(v)) return problem(`must be an object (got ${show(v)})`);
    if (typeof v.namespace !== "string" || typeof v.name !== "string" || v.key !== `${v.namespace}/${v.name}`) return problem("key must be namespace/name");
    if (vmByKey.has(v.key)) return problem("is listed twice");
    vmByKey.set(v.key, v);
    if (!isCount(v.generation)) problem(`generation must be a whole number ≥ 0 (got ${show(v.generation)})`);
    for (const f of VM_PAGES) if (!isCount(v[f])) problem(`${f} must be a whole number of pages ≥ 0 (got ${show(v[f])})`);
    for (const f of VM_AMOUNTS) if (!isAmount(v[f])) problem(`${f} must be a finite number ≥ 0 (got ${show(v[f])})`);
    for (const f of VM_FLAGS) if (typeof v[f] !== "boolean") problem(`${f} must be true or false (got ${show(v[f])})`);
    if (typeof v.restartSeen !== "string") problem(`restartSeen must be a string (got ${show(v.restartSeen)})`);
    if (v.restartedAt !== null && !isAmount(v.restartedAt)) problem(`restartedAt must be null or a finite number ≥ 0 (got ${show(v.restartedAt)})`);
    if (!PHASES.has(v.phase)) problem(`phase must be Pending, Running or Stopped (got ${show(v.phase)})`);
    if (typeof v.hostName !== "string") problem(`hostName must be a string (got ${show(v.hostName)})`);
    const admission = v.admission;
    if (!isObject(admission) || typeof admission.admitted !== "boolean" || typeof admission.reason !== "string" || typeof admission.message !== "string") {
      problem("admission must be { admitted, reason, message }");
    }
    if (!isObject(v.counters) || !Object.values(v.counters).every(isAmount)) problem("counters must hold finite numbers ≥ 0");
    if (!Array.isArray(v.decisions)) problem("decisions must be a list");
    if (!isObject(v.spec)) return problem("spec must be an object");
    if (typeof v.spec.hostName !== "string" || typeof v.spec.guestOS !== "string") problem("spec needs hostName and guestOS");
    if (!isObject(v.spec.workload)) problem("spec.workload must be an object");
    for (const f of VM_SPEC_PAGES) if (!isCount(v.spec[f])) problem(`spec.${f} must be a whole number of pages ≥ 0 (got ${show(v.spec[f])})`);
    checkSpecNumbers(v.spec, "spec", problem);
  });

  const hostNames = new Set<string>();
  const admittedOn = new Map<string, string>();
  snapshot.hosts.forEach((h: unknown, i) => {
    const label = isObject(h) && typeof h.name === "string" ? `model.hosts[${i}] (${h.name})` : `model.hosts[${i}]`;
    const problem = (message: string): void => void problems.push(`${label} ${message}`);
    if (!isObject(h)) return problem(`must be an object (got ${show(h)})`);
    if (typeof h.name !== "string" || h.name === "") return problem("needs a name");
    if (hostNames.has(h.name)) return problem("is listed twice");
    hostNames.add(h.name);
    if (!isCount(h.generation)) problem(`generation must be a whole number ≥ 0 (got ${show(h.generation)})`);
    for (const f of HOST_PAGES) if (!isCount(h[f])) problem(`${f} must be a whole number of pages ≥ 0 (got ${show(h[f])})`);
    if (!HOST_STATES.has(h.state)) problem(`state must be high, clear, soft, hard or low (got ${show(h.state)})`);
    if (typeof h.climbSince !== "number" || !Number.isFinite(h.climbSince) || h.climbSince < -1) problem(`climbSince must be a finite number ≥ -1 (got ${show(h.climbSince)})`);
    if (!Array.isArray(h.decisions)) problem("decisions must be a list");
    if (!isObject(h.spec)) return problem("spec must be an object");
    for (const f of HOST_SPEC_PAGES) if (!isCount(h.spec[f])) problem(`spec.${f} must be a whole number of pages ≥ 0 (got ${show(h.spec[f])})`);
    for (const part of ["states", "ballooning", "compression", "swap", "pageSharing", "activeMemory"]) if (!isObject(h.spec[part])) problem(`spec.${part} must be an object`);
    checkSpecNumbers(h.spec, "spec", problem);
    if (!Array.isArray(h.vms)) return problem("vms must be a list of VM keys");
    for (const key of h.vms as unknown[]) {
      const v = typeof key === "string" ? vmByKey.get(key) : undefined;
      if (v === undefined) problem(`vms lists ${show(key)}, which is not a VM of the model`);
      else if (admittedOn.has(key as string)) problem(`vms lists ${show(key)}, which is already admitted on ${admittedOn.get(key as string)}`);
      else if (v.phase !== "Running" || v.hostName !== h.name) problem(`vms lists ${show(key)}, which is not running on it`);
      else admittedOn.set(key as string, h.name);
    }
  });
  for (const [key, v] of vmByKey) {
    if (v.phase === "Running" && !admittedOn.has(key)) problems.push(`model VM ${key} is Running but no host lists it`);
  }
  if (problems.length > 0) return { problems };

  // the shapes hold: check the §2 identities over the records as they would be restored
  const hosts = snapshot.hosts as HostRecord[];
  const vms = snapshot.vms as VmRecord[];
  const byKey = vmByKey as unknown as Map<string, VmRecord>;
  for (const host of hosts) {
    let reserved = 0;
    let swapFiles = 0;
    for (const key of host.vms) {
      const v = byKey.get(key)!;
      reserved += v.reservation + v.overhead;
      swapFiles += v.memory - v.reservation;
    }
    if (reserved !== host.reserved) problems.push(`model host ${host.name}: reserved ${host.reserved} ≠ Σ(reservation + overhead) of its VMs = ${reserved}`);
    if (swapFiles !== host.swapFiles) problems.push(`model host ${host.name}: swapFiles ${host.swapFiles} ≠ Σ(memory − reservation) of its VMs = ${swapFiles}`);
  }
  for (const v of ledgerViolations(hosts, (host) => host.vms.map((key) => byKey.get(key)!), consumed)) {
    problems.push(`model ${v.object}: ${v.message}`);
  }
  return problems.length > 0 ? { problems } : { problems, hosts, vms };
}
