/**
 * The model's index: every host and VM record by name, and the lookup caches that keep a
 * 100 000-VM tick cheap (by namespace and name, by stored uid, the VM list of the last sync, a
 * host's admitted VMs, admission order). Every change to the VM set goes through
 * {@link ModelIndex.vmsChanged}, which drops the caches that depend on it.
 */
import type { VirtualMachine } from "../api/types.js";
import type { DeepReadonly } from "../store/types.js";
import type { HostRecord, VmRecord } from "./ledger.js";

/** The key of a VM record: `namespace/name`. */
export const vmKey = (namespace: string, name: string): string => `${namespace}/${name}`;

/** Host and VM records with their lookup caches. */
export class ModelIndex {
  /** Host records by name, in the order the store first listed them. */
  hosts = new Map<string, HostRecord>();
  /** VM records by key, in the order they were created (the snapshot's order). */
  vms = new Map<string, VmRecord>();
  /** Bumped whenever `vms` gains, loses or replaces a record: the lookup caches follow it. */
  version = 0;
  /** Stored object uid → record, valid until `vms` changes (sync without building keys). */
  readonly byUid = new Map<string, VmRecord>();
  /** The VM list of the last sync and its records, index for index. */
  synced: { list: readonly unknown[]; records: readonly (VmRecord | undefined)[]; version: number } = { list: [], records: [], version: -1 };
  /** namespace → name → record, rebuilt lazily after `vms` changes (lookups without building keys). */
  #byName: Map<string, Map<string, VmRecord>> | undefined;
  /** Per host: its admitted records as of (host.vms array, its length, version). */
  #hostVms = new WeakMap<HostRecord, { keys: readonly string[]; length: number; version: number; vms: VmRecord[] }>();
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

  /** Replaces every record (a restore). */
  replace(hosts: readonly HostRecord[], vms: readonly VmRecord[]): void {
    this.hosts = new Map(hosts.map((h) => [h.name, h]));
    this.vms = new Map(vms.map((v) => [v.key, v]));
    this.vmsChanged();
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
    const cached = this.#hostVms.get(host);
    if (cached !== undefined && cached.keys === host.vms && cached.length === host.vms.length && cached.version === this.version) {
      return cached.vms.slice();
    }
    const out: VmRecord[] = [];
    for (const k of host.vms) {
      const v = this.vms.get(k);
      if (v) out.push(v);
    }
    this.#hostVms.set(host, { keys: host.vms, length: host.vms.length, version: this.version, vms: out.slice() });
    return out;
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
