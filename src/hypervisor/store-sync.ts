/**
 * Store sync: brings the model's records in line with the store at the start of a tick
 * (docs/memory-model.md, *The order within a tick*). New hosts and VMs get records, changed
 * specs are resolved again (a host that lost memory reclaims at once), deleted ones release what
 * they held, the guest-OS catalog is read again, and each host's page-in and page-out budgets
 * and each VM's counters start afresh.
 */
import { RESTART_ANNOTATION } from "../api/restart.js";
import { DecisionRing } from "./decisions.js";
import type { GuestOSProfile, Host, VirtualMachine } from "../api/types.js";
import type { DeepReadonly, ResourceReader } from "../store/types.js";
import type { ModelEnvironment } from "./environment.js";
import type { GuestOsCatalog } from "./guest-os-catalog.js";
import type { HostRecord, VmRecord } from "./ledger.js";
import { OOM_KILLED, type PowerEvent, emergencyReclaim, release } from "./lifecycle.js";
import { type ModelIndex, vmKey } from "./model-index.js";
import { parseSimTime, resolveHost, resolveVm } from "./resolved.js";
import type { SpecProblems } from "./spec-problems.js";

/** The parts of a model a sync updates. */
export interface SyncedParts {
  readonly index: ModelIndex;
  readonly catalog: GuestOsCatalog;
  /** A host's environment (its random stream). */
  readonly envOf: (host: HostRecord) => ModelEnvironment;
  /** Called when a host's record is dropped (its random stream ends). */
  readonly hostDeleted: (name: string) => void;
  /** Power-offs forced by an emergency reclaim, until the next admission pass reports them. */
  readonly powerOffs: PowerEvent[];
  /** Objects whose stored spec does not resolve (left out, or kept on their last usable spec). */
  readonly specProblems: SpecProblems;
}

/** Syncs every record with the store; `tickSeconds` sizes the page-in and page-out budgets. */
export function syncWithStore(parts: SyncedParts, tickSeconds: number, store: ResourceReader): void {
  const { index, catalog } = parts;
  catalog.readFrom(store.list("GuestOSProfile") as readonly DeepReadonly<GuestOSProfile>[]);
  const seenHosts = new Set<string>();
  for (const h of store.list("Host")) {
    seenHosts.add(h.metadata.name);
    syncHost(parts, h as DeepReadonly<Host>);
  }
  for (const [name, host] of index.hosts) {
    if (!seenHosts.has(name)) {
      for (const v of index.vmsOf(host)) release(index, v, "Pending", { admitted: false, reason: "HostNotFound", message: `host ${name} was deleted` });
      index.dropHost(host);
      parts.hostDeleted(name);
    }
  }
  const list = store.list("VirtualMachine") as readonly DeepReadonly<VirtualMachine>[];
  index.reserveVms(list.length);
  const aligned = new Array<VmRecord | undefined>(list.length);
  // an object that is the very one the last sync saw at the same place has the same record
  const previous = index.synced;
  const sameSet = previous.version === index.version;
  for (let i = 0; i < list.length; i++) {
    const o = list[i]!;
    aligned[i] = sameSet && previous.list[i] === o ? previous.records[i] : syncVm(parts, o);
  }
  if (parts.specProblems.size > 0) pruneSpecProblems(parts.specProblems, seenHosts, list);
  if (index.vms.size !== list.length) {
    // store keys are unique, so the records left over are the deleted VMs
    const seen = new Set(aligned);
    for (const v of index.vms.values()) {
      if (!seen.has(v)) {
        release(index, v, "Stopped", { admitted: false, reason: "Deleted", message: "virtual machine deleted" });
        index.dropVm(v);
      }
    }
  }
  index.synced = { list, records: aligned, version: index.version };
  for (const host of index.hosts.values()) {
    host.pageOutLeft = Math.floor(host.spec.swap.writePerSecond * tickSeconds);
    host.pageInLeft = Math.floor(host.spec.swap.readPerSecond * tickSeconds);
  }
  index.zeroCounters();
}

/** Creates or updates a host's record; capacity or vmkernel changes move free memory (a failed DIMM shrinks it). */
function syncHost(parts: SyncedParts, h: DeepReadonly<Host>): void {
  const { index } = parts;
  const gen = h.metadata.generation ?? 1;
  const existing = index.hosts.get(h.metadata.name);
  if (existing && existing.generation === gen) return;
  let spec: ReturnType<typeof resolveHost>;
  try {
    spec = resolveHost(h.spec);
    parts.specProblems.delete("Host", h.metadata.name);
  } catch (e) {
    parts.specProblems.set("Host", h.metadata.name, undefined, e); // left out, or kept on its last usable spec
    return;
  }
  if (!existing) {
    index.addHost(h.metadata.name, gen, spec);
    return;
  }
  const before = existing.spec.capacity - existing.spec.vmkernelReserved;
  const after = spec.capacity - spec.vmkernelReserved;
  existing.spec = spec;
  existing.generation = gen;
  existing.free += after - before;
  if (existing.free < 0) parts.powerOffs.push(...emergencyReclaim(index, parts.envOf(existing), existing));
}

/**
 * The record of a stored VM, created or updated from its spec (looked up by uid while the VM set
 * is unchanged); undefined for a new VM whose spec does not resolve.
 */
function syncVm(parts: SyncedParts, vm: DeepReadonly<VirtualMachine>): VmRecord | undefined {
  const { index } = parts;
  const gen = vm.metadata.generation ?? 1;
  const uid = vm.metadata.uid;
  const cached = uid === undefined ? undefined : index.byUid.get(uid);
  if (cached !== undefined && cached.generation === gen) return cached;
  const key = vmKey(vm.metadata.namespace ?? "default", vm.metadata.name);
  const existing = index.vms.get(key);
  if (existing) {
    if (existing.generation !== gen) {
      const spec = resolveVmSpec(parts.specProblems, vm);
      if (spec === undefined) return existing; // kept on its last usable spec
      existing.spec = spec;
      existing.generation = gen;
      noteRestartRequest(existing, vm);
      // a VM its host killed starts again once its spec changes (as starting a Down VM in oVirt)
      if (existing.phase === "Stopped" && existing.admission.reason === OOM_KILLED) existing.admission = { admitted: false, reason: "PoweredOff", message: "restarted after it was killed" };
    }
    if (uid !== undefined) index.byUid.set(uid, existing);
    return existing;
  }
  const spec = resolveVmSpec(parts.specProblems, vm);
  if (spec === undefined) return undefined;
  const createdAt = vm.metadata.creationTimestamp ? safeDuration(vm.metadata.creationTimestamp) : 0;
  const record = index.addVm(key, vm.metadata.namespace ?? "default", vm.metadata.name, gen, createdAt, spec);
  record.restartSeen = vm.metadata.annotations?.[RESTART_ANNOTATION] ?? "";
  return record;
}

/** A changed `memplane.io/restartedAt` annotation asks a running VM's guest to restart (a stopped VM just notes it). */
function noteRestartRequest(record: VmRecord, vm: DeepReadonly<VirtualMachine>): void {
  const stamp = vm.metadata.annotations?.[RESTART_ANNOTATION] ?? "";
  if (stamp === record.restartSeen) return;
  record.restartSeen = stamp;
  if (stamp !== "" && record.phase === "Running") record.restartRequested = true;
}

/** A VM's resolved spec, or undefined (and the problem recorded) when it does not resolve. */
function resolveVmSpec(problems: SpecProblems, vm: DeepReadonly<VirtualMachine>): VmRecord["spec"] | undefined {
  try {
    const spec = resolveVm(vm.spec);
    problems.delete("VirtualMachine", vm.metadata.name, vm.metadata.namespace ?? "default");
    return spec;
  } catch (e) {
    problems.set("VirtualMachine", vm.metadata.name, vm.metadata.namespace ?? "default", e);
    return undefined;
  }
}

/** Forgets the spec problems of deleted objects. */
function pruneSpecProblems(problems: SpecProblems, hosts: ReadonlySet<string>, vms: readonly DeepReadonly<VirtualMachine>[]): void {
  const vmKeys = new Set(vms.map((o) => vmKey(o.metadata.namespace ?? "default", o.metadata.name)));
  problems.prune((kind, name, namespace) => (kind === "Host" ? hosts.has(name) : vmKeys.has(vmKey(namespace ?? "default", name))));
}

/** Seconds of a creation timestamp, 0 when it does not parse. */
function safeDuration(s: string): number {
  try {
    return parseSimTime(s);
  } catch {
    return 0;
  }
}
