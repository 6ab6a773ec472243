/**
 * The model's index: every host and VM record by name, and the lookup caches that keep a
 * 100 000-VM tick cheap (by namespace and name, by stored uid, the VM list of the last sync, a
 * host's admitted VMs, admission order). Every change to the VM set goes through
 * {@link ModelIndex.vmsChanged}, which drops the caches that depend on it.
 *
 * The records are views of the index's columns (columns.ts, record-views.ts): records are
 * created, dropped and restored here, so slots are handed out and given back in one place.
 */
import type { VirtualMachine } from "../api/types.js";
import type { DeepReadonly } from "../store/types.js";
import { type HostColumns, type VmColumns, newHostColumns, newVmColumns } from "./columns.js";
import { DecisionTable } from "./decisions.js";
import { type HostRecord, type VmRecord, resetVmRecord } from "./ledger.js";
import { HostView, VmView } from "./record-views.js";
import type { ResolvedHost, ResolvedVm } from "./resolved.js";

/** The per-tick counter columns, zeroed at the start of each tick. */
const COUNTER_COLUMNS = ["swapIns", "swapOuts", "compressions", "decompressions", "guestPageIns", "guestPageOuts", "stalledPages", "stalledGrowth", "doublePagings"] as const;

/** The key of a VM record: `namespace/name`. */
export const vmKey = (namespace: string, name: string): string => `${namespace}/${name}`;

/** A host's admitted records as of (its `vms` array, that array's length, the VM set's version), and their slots. */
interface HostEntry {
  keys: readonly string[];
  length: number;
  version: number;
  vms: VmRecord[];
  slots?: Int32Array;
}

/** Host and VM records with their lookup caches. */
export class ModelIndex {
  /** Host records by name, in the order the store first listed them. */
  hosts = new Map<string, HostView>();
  /** VM records by key, in the order they were created (the snapshot's order). */
  vms = new Map<string, VmView>();
  /** The VM columns (replaced by a restore; grows in place otherwise). */
  vmColumns: VmColumns = newVmColumns();
  /** The host columns (same). */
  hostColumns: HostColumns = newHostColumns();
  /** The VMs' decision rings (a restore keeps the rings it brings, in their own table). */
  decisionTable = new DecisionTable();
  /** Bumped whenever `vms` gains, loses or replaces a record: the lookup caches follow it. */
  version = 0;
  /** Stored object uid → record, valid until `vms` changes (sync without building keys). */
  readonly byUid = new Map<string, VmRecord>();
  /** The VM list of the last sync and its records, index for index. */
  synced: { list: readonly unknown[]; records: readonly (VmRecord | undefined)[]; version: number } = { list: [], records: [], version: -1 };
  /** namespace → name → record, rebuilt lazily after `vms` changes (lookups without building keys). */
  #byName: Map<string, Map<string, VmRecord>> | undefined;
  /** Per host: its admitted records as of (host.vms array, its length, version). */
  #hostVms = new WeakMap<HostRecord, HostEntry>();
  /** Every record in admission order (creation time, then key), as of version. */
  #admissionOrder: { version: number; vms: VmRecord[] } | undefined;

  /** Call after any change to `vms`. */
  vmsChanged(): void {
    this.version++;
    this.byUid.clear();
    this.synced = { list: [], records: [], version: -1 };
    this.#byName = undefined;
    this.#admissionOrder = undefined;
  }

  /** Replaces every record with views of fresh columns holding the given plain records (a restore). */
  replace(hosts: readonly HostRecord[], vms: readonly VmRecord[]): void {
    this.hostColumns = newHostColumns(Math.max(64, hosts.length));
    this.vmColumns = newVmColumns(Math.max(64, vms.length));
    this.decisionTable = new DecisionTable();
    this.hosts = new Map();
    this.vms = new Map();
    for (const h of hosts) Object.assign(this.addHost(h.name, h.generation, h.spec), h);
    for (const v of vms) this.#adopt(v);
    this.vmsChanged();
  }

  /** Adds a plain VM record (a restore's, or one from another shard) as a view of a new slot. */
  adoptVm(v: VmRecord): VmView {
    const view = this.#adopt(v);
    this.vmsChanged();
    return view;
  }

  #adopt(v: VmRecord): VmView {
    const view = Object.assign(new VmView(this.vmColumns.allocate(), this.vmColumns, v.key, v.namespace, v.name, v.generation, v.createdAt, v.spec), v);
    this.vms.set(v.key, view);
    return view;
  }

  /** Makes room for `count` VM records in all (columns and decision rings), so that many new ones do not grow them by doubling. */
  reserveVms(count: number): void {
    this.vmColumns.reserve(count);
    this.decisionTable.reserve(count);
  }

  /** A new VM record with empty ledgers in the lowest free slot, added to `vms`. */
  addVm(key: string, namespace: string, name: string, generation: number, createdAt: number, spec: ResolvedVm): VmView {
    const view = new VmView(this.vmColumns.allocate(), this.vmColumns, key, namespace, name, generation, createdAt, spec, this.decisionTable);
    resetVmRecord(view);
    this.vms.set(key, view);
    this.vmsChanged();
    return view;
  }

  /** Removes a VM record; the record keeps its last values (detached) and its slot is reused. */
  dropVm(v: VmView): void {
    const slot = v.slot;
    this.vms.delete(v.key);
    v.detach(this.vmColumns);
    this.vmColumns.release(slot);
    this.vmsChanged();
  }

  /** A new host record in the lowest free slot (state high, all free memory not reserved for the vmkernel), added to `hosts`. */
  addHost(name: string, generation: number, spec: ResolvedHost): HostView {
    const view = new HostView(this.hostColumns.allocate(), this.hostColumns, name, generation, spec);
    view.free = Math.max(0, spec.capacity - spec.vmkernelReserved);
    view.state = "high";
    view.climbSince = -1;
    this.hosts.set(name, view);
    return view;
  }

  /** Removes a host record (detached, its slot reused). */
  dropHost(host: HostView): void {
    const slot = host.slot;
    this.hosts.delete(host.name);
    host.detach(this.hostColumns);
    this.hostColumns.release(slot);
  }

  /** Starts every VM's per-tick counters afresh (a fill over the counter columns). */
  zeroCounters(): void {
    for (const c of COUNTER_COLUMNS) this.vmColumns.f64[c].fill(0);
  }

  /** The record of a VM by namespace and name. */
  vm(namespace: string, name: string): VmRecord | undefined {
    return (this.#byName ?? this.#buildByName()).get(namespace)?.get(name);
  }

  /** The records of stored VMs, index for index; O(1) for the list the last sync read. */
  vmRecords(objects: readonly DeepReadonly<VirtualMachine>[]): readonly (VmRecord | undefined)[] {
    if (objects === this.synced.list) return this.synced.records;
    return objects.map((o) => this.vm(o.metadata.namespace ?? "default", o.metadata.name));
  }

  /** Admitted VMs of a host, in admission order (a fresh array the caller may keep). */
  vmsOf(host: HostRecord): VmRecord[] {
    return this.#hostEntry(host).vms.slice();
  }

  /** The slots of a host's admitted VMs, in admission order (cached with {@link vmsOf}; do not change it). */
  slotsOf(host: HostRecord): Int32Array {
    const entry = this.#hostEntry(host);
    return (entry.slots ??= Int32Array.from(entry.vms, (v) => (v as VmView).slot));
  }

  /** Σ hypervisor-swapped pages (used + free) of a host's admitted VMs: a loop over the swap columns. */
  swappedOn(host: HostRecord): number {
    const slots = this.slotsOf(host);
    const { usedSwapped, freeSwapped } = this.vmColumns.f64;
    let pages = 0;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      pages += usedSwapped[s]! + freeSwapped[s]!;
    }
    return pages;
  }

  /** The cached admitted records of a host, rebuilt when its list or the VM set changed. */
  #hostEntry(host: HostRecord): HostEntry {
    const cached = this.#hostVms.get(host);
    if (cached !== undefined && cached.keys === host.vms && cached.length === host.vms.length && cached.version === this.version) return cached;
    const vms: VmRecord[] = [];
    for (const k of host.vms) {
      const v = this.vms.get(k);
      if (v) vms.push(v);
    }
    const entry: HostEntry = { keys: host.vms, length: host.vms.length, version: this.version, vms };
    this.#hostVms.set(host, entry);
    return entry;
  }

  /** Every VM record in admission order: creation time, then key. */
  admissionOrder(): VmRecord[] {
    if (this.#admissionOrder === undefined || this.#admissionOrder.version !== this.version) {
      const sorted = [...this.vms.values()].sort((a, b) => a.createdAt - b.createdAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      this.#admissionOrder = { version: this.version, vms: sorted };
    }
    return this.#admissionOrder.vms;
  }

  #buildByName(): Map<string, Map<string, VmRecord>> {
    const index = new Map<string, Map<string, VmRecord>>();
    for (const [key, v] of this.vms) {
      const slash = key.indexOf("/");
      const ns = key.slice(0, slash);
      let byName = index.get(ns);
      if (byName === undefined) index.set(ns, (byName = new Map()));
      byName.set(key.slice(slash + 1), v);
    }
    this.#byName = index;
    return index;
  }
}
