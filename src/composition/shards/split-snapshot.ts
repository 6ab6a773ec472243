/**
 * An engine snapshot cut into shards (docs/architecture.md, *Worker threads*): each shard gets
 * its hosts (shard-of.ts), the VMs whose record is on one of them (a VM the model has no
 * record of yet goes with the host its spec names), their random streams and retry state, and
 * every GuestOSProfile. Scenarios and Events stay on the main thread.
 */
import type { StoredObject } from "../../api/types.js";
import type { EngineSnapshot } from "../../engine/engine.js";
import { type InsertionStamp, hostStampKey, vmStampKey } from "./protocol.js";
import type { HostAssignment } from "./shard-of.js";

/** One shard's part: a snapshot a sub-engine restores, its objects' ids, and its records' stamps. */
export interface SnapshotPart {
  snapshot: EngineSnapshot;
  oids: number[];
  stamps: Record<string, InsertionStamp>;
  statusInputs: [string, unknown][];
}

/** Cuts `snapshot` into `count` parts; `oids[i]` is the id of `snapshot.store.objects[i]` (-1: not sharded). */
export function splitSnapshot(snapshot: EngineSnapshot, oids: readonly number[], hosts: HostAssignment, statusInputs: ReadonlyMap<string, unknown> = new Map()): SnapshotPart[] {
  const count = hosts.count;
  const model = snapshot.model as { hosts: { name: string }[]; vms: { namespace: string; name: string; hostName: string }[] };
  const recordHost = new Map(model.vms.map((v) => [vmStampKey(v.namespace, v.name), v.hostName]));
  const parts = Array.from({ length: count }, () => ({
    objects: [] as StoredObject[],
    oids: [] as number[],
    stamps: {} as Record<string, InsertionStamp>,
    hosts: [] as unknown[],
    vms: [] as unknown[],
    streams: {} as Record<string, [number, number, number, number]>,
    uids: new Set<string>(),
    inputs: [] as [string, unknown][],
  }));
  const withInputs = (p: { inputs: [string, unknown][] }, key: string): void => {
    const data = statusInputs.get(key);
    if (data !== undefined) p.inputs.push([key, data]);
  };
  snapshot.store.objects.forEach((o, i) => {
    const oid = oids[i]!;
    if (oid < 0) return;
    let shard: number;
    if (o.kind === "Host") shard = hosts.of(o.metadata.name);
    else if (o.kind === "VirtualMachine") {
      const onHost = recordHost.get(vmStampKey(o.metadata.namespace ?? "default", o.metadata.name)) ?? (o.spec as { hostName: string }).hostName;
      shard = hosts.of(onHost);
    } else shard = -1; // GuestOSProfile: every shard
    for (const [index, p] of parts.entries()) {
      if (shard >= 0 && index !== shard) continue;
      p.objects.push(o);
      p.oids.push(oid);
      if (o.metadata.uid !== undefined) p.uids.add(o.metadata.uid);
    }
  });
  model.hosts.forEach((h, i) => {
    const p = parts[hosts.of(h.name)]!;
    p.hosts.push(h);
    p.stamps[hostStampKey(h.name)] = [-1, i];
    withInputs(p, hostStampKey(h.name));
  });
  model.vms.forEach((v, i) => {
    const p = parts[hosts.of(v.hostName)]!;
    p.vms.push(v);
    p.stamps[vmStampKey(v.namespace, v.name)] = [-1, i];
    withInputs(p, vmStampKey(v.namespace, v.name));
  });
  for (const [name, state] of Object.entries(snapshot.randomStreams ?? {})) parts[hosts.of(name)]!.streams[name] = state;
  return parts.map((p) => ({
    snapshot: {
      ...snapshot,
      randomStreams: p.streams,
      store: { ...snapshot.store, objects: p.objects },
      model: { ...(snapshot.model as object), hosts: p.hosts, vms: p.vms },
      manager: { requeues: snapshot.manager.requeues.filter((r) => p.uids.has(r.uid)) },
    },
    oids: p.oids,
    stamps: p.stamps,
    statusInputs: p.inputs,
  }));
}
