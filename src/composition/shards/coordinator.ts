/**
 * The main thread's side of a sharded engine (docs/architecture.md, *Worker threads*): the
 * {@link TickDelegate} that runs each tick's model sync and controllers on the shards and
 * writes what they did into the main engine's log, Events and statuses, in the canonical order.
 *
 * The main store stays the one every reader and writer uses. The coordinator gives each Host,
 * VirtualMachine and GuestOSProfile an object id, forwards spec changes to the shard that owns
 * the object (hosts are assigned to shards for balance, shard-of.ts; a VM belongs to the shard of the host its
 * record is on; profiles go to every shard), moves VMs between shards when their host changes,
 * and merges the shards' transcripts. A status moved in a shard is marked stale here with a
 * mirror source that pulls the shard's recorded inputs only when someone observes it.
 */
import { type Kind, NAMESPACED_KINDS, type StoredObject } from "../../api/types.js";
import { HostStatusSource } from "../../controllers/status/host-status-source.js";
import { VmStatusSource } from "../../controllers/status/vm-status-source.js";
import type { EngineSnapshot } from "../../engine/engine.js";
import type { DelegatedTick, RequeueEntry, TickDelegate } from "../../engine/manager.js";
import type { MemoryStore } from "../../store/memory-store.js";
import type { StatusSource } from "../../store/status-source.js";
import type { DeepReadonly, WatchEvent } from "../../store/types.js";
import type { Subscription } from "rxjs";
import { objectKey, snapshotTexts, type Arrival, type Departure, type ShardCalls, type ShardChange, type ShardLink, type ShardSnapshot, type ShardTickResult } from "./protocol.js";
import { HostAssignment } from "./shard-of.js";
import { splitSnapshot } from "./split-snapshot.js";
import { replayTranscripts } from "./transcript.js";

/** The kinds the shards hold. */
const SHARDED_KINDS: ReadonlySet<Kind> = new Set<Kind>(["Host", "VirtualMachine", "GuestOSProfile"]);

/** What the coordinator knows of one object. */
interface Tracked {
  kind: Kind;
  namespace: string | undefined;
  name: string;
  /** The shard that holds it; -1 for every shard (GuestOSProfile). */
  owner: number;
  generation: number | undefined;
  annotations: unknown;
  labels: unknown;
  /** What lazy log builders see of it. */
  subject: { namespace: string; name: string };
}

/** A status source on the main thread built from a shard's recorded inputs, pulled when first needed. */
class MirrorSource implements StatusSource {
  /** Whether the main store holds this object's status as stale (marked, not built since). */
  stale = false;
  /** The shard holding inputs not pulled yet, -1 when the mirror has them all. */
  unpulledAt = -1;

  /** The inputs as last pulled (made at the first pull: most statuses are never read). */
  local: VmStatusSource | HostStatusSource | undefined;

  constructor(
    private readonly coordinator: ShardCoordinator,
    readonly oid: number,
    /** The object (what kind of source to make, and for whom; not a closure per object: ≈ 70 bytes each). */
    private readonly tracked: Tracked,
  ) {}

  /** Takes inputs pulled from a shard. */
  take(data: unknown): void {
    this.local ??= this.#made();
    (this.local as { setData(d: unknown): void }).setData(data);
  }

  statusOf(stored: unknown): Record<string, unknown> {
    this.stale = false;
    this.coordinator.freshen(this.oid);
    this.local ??= this.#made();
    return this.local.statusOf(stored);
  }

  #made(): VmStatusSource | HostStatusSource {
    const t = this.tracked;
    return t.kind === "Host" ? new HostStatusSource(t.name) : new VmStatusSource(t.namespace ?? "default", t.name);
  }
}

/** Runs ticks on shards (see the module comment). */
export class ShardCoordinator implements TickDelegate {
  readonly #objects: (Tracked | undefined)[] = [];
  readonly #oids = new Map<string, number>();
  #nextOid = 0;
  /** Per shard: the spec changes not forwarded yet, in order. */
  #changes: ShardChange[][];
  readonly #hosts: HostAssignment;
  readonly #subscription: Subscription;
  /** Rank of each oid in its kind's store order (recomputed when objects come or go). */
  #ranks = new Int32Array(0);
  #ranksValid = false;
  readonly #mirrors: (MirrorSource | undefined)[] = [];
  /** Per shard: mirrors whose inputs moved there since the last pull (an entry whose `unpulledAt` is another shard, or -1, is skipped). */
  readonly #unpulled: MirrorSource[][];
  #ticks = 0;

  constructor(
    private readonly store: MemoryStore,
    private readonly links: readonly ShardLink[],
    snapshot: EngineSnapshot,
    batch: boolean,
    /** The status controllers' recorded inputs by record key (`host/<name>`, `vm/<namespace>/<name>`). */
    statusInputs: ReadonlyMap<string, unknown>,
  ) {
    const count = links.length;
    this.#changes = links.map(() => []);
    this.#unpulled = links.map(() => []);
    const oids = snapshot.store.objects.map((o) => (SHARDED_KINDS.has(o.kind) ? this.#track(o, -1) : -1));
    this.#hosts = new HostAssignment(count, vmsPerHost(snapshot));
    const parts = splitSnapshot(snapshot, oids, this.#hosts, statusInputs);
    const assignment = this.#hosts.entries();
    // record hosts decide where VMs are: take the owners the split chose
    parts.forEach((part, shard) => {
      for (const oid of part.oids) {
        const t = this.#objects[oid]!;
        if (t.kind !== "GuestOSProfile") t.owner = shard;
      }
    });
    parts.forEach((part, index) => links[index]!.post("init", { index, count, batch, snapshot: snapshotTexts(part.snapshot), oids: part.oids, stamps: part.stamps, assignment, statusInputs: part.statusInputs }));
    this.#hosts.takeAdded();
    for (const link of links) link.wait<"init">();
    this.#shareObjects();
    this.#subscription = store.changes().subscribe((e) => this.#onChange(e));
  }

  /** Shards, and how many hosts and VMs each holds (for `engine.workerShards()`). */
  shardCounts(): { hosts: number; vms: number }[] {
    return this.#callAll("counts", this.links.map(() => null));
  }

  /** Ticks run on the shards. */
  get ticks(): number {
    return this.#ticks;
  }

  runControllers(tick: DelegatedTick): number {
    const changes = this.#changes;
    this.#changes = this.links.map(() => []);
    const assign = this.#hosts.takeAdded();
    const departures = this.#callAll("phase1", changes.map((c) => ({ changes: c, assign })));
    const arrivals: Arrival[][] = this.links.map(() => []);
    departures.forEach((list: Departure[], from) => {
      for (const d of list) {
        const to = this.#hosts.of((d.moving.record.spec as { hostName: string }).hostName);
        this.#objects[d.oid]!.owner = to;
        const t = this.#objects[d.oid]!;
        arrivals[to]!.push({ ...d, object: this.store.peek(t.kind, t.name, t.namespace) as unknown as StoredObject });
        const mirror = this.#mirrors[d.oid];
        if (mirror !== undefined && mirror.unpulledAt === from) {
          mirror.unpulledAt = to; // its inputs travel with it
          this.#unpulled[to]!.push(mirror);
        }
      }
    });
    const results = this.#callAll("phase2", arrivals);
    this.#ticks++;
    if (!this.#ranksValid) this.#rankObjects();
    replayTranscripts(
      results.map((r: ShardTickResult) => r.transcript),
      tick,
      (oid) => this.#ranks[oid] ?? -1,
      (oid) => this.#objects[oid]!.subject,
    );
    let errors = 0;
    results.forEach((r: ShardTickResult, shard) => {
      errors += r.errors;
      for (const oid of r.stale) this.#markStale(oid, shard);
    });
    return errors;
  }

  /** Pulls the status inputs of `oid` (and every other unpulled object of its shard) if they moved since the last pull. */
  freshen(oid: number): void {
    const shard = this.#mirrors[oid]?.unpulledAt ?? -1;
    if (shard < 0) return;
    const mirrors = this.#unpulled[shard]!.filter((m) => m.unpulledAt === shard);
    this.#unpulled[shard] = [];
    const link = this.links[shard]!;
    link.post("pull", mirrors.map((m) => m.oid));
    const data = link.wait<"pull">();
    mirrors.forEach((m, i) => {
      m.unpulledAt = -1;
      const d = data[i];
      if (d !== undefined) m.take(d);
    });
  }

  /** Every shard's part of a snapshot, merged as one engine would have written it. */
  snapshotParts(controllerOrder: readonly string[], statusInputs = false): MergedParts {
    const parts = this.#callAll("snapshot", this.links.map(() => ({ statusInputs }))) as ShardSnapshot[];
    return mergeSnapshots(parts, controllerOrder);
  }

  /** Pulls every status input not pulled yet: the mirrors no longer need the shards (before the shards end). */
  pullAll(): void {
    this.#unpulled.forEach((mirrors, shard) => {
      const waiting = mirrors.find((m) => m.unpulledAt === shard);
      if (waiting !== undefined) this.freshen(waiting.oid);
    });
  }

  /** Stops following the store and ends the shards. */
  close(): void {
    this.#subscription.unsubscribe();
    for (const link of this.links) link.close();
  }

  /**
   * A shard on this thread restored its objects from the snapshot's text: copies of the main
   * store's, ≈ 1 KB a VM that nothing needs twice. Its first tick replaces them with the main
   * store's frozen objects themselves (same content, same generations: the model re-resolves
   * nothing).
   */
  #shareObjects(): void {
    this.links.forEach((link, shard) => {
      if (link.sameThread !== true) return;
      this.#objects.forEach((t, oid) => {
        if (t === undefined || (t.owner !== shard && t.owner !== -1)) return;
        const object = this.store.peek(t.kind, t.name, t.namespace);
        if (object !== undefined) this.#changes[shard]!.push({ oid, object: object as unknown as StoredObject });
      });
    });
  }

  #callAll<M extends keyof ShardCalls>(method: M, requests: readonly ShardCalls[M][0][]): ShardCalls[M][1][] {
    this.links.forEach((link, i) => link.post(method, requests[i]!));
    return this.links.map((link) => link.wait<M>());
  }

  #markStale(oid: number, shard: number): void {
    const t = this.#objects[oid];
    if (t === undefined) return;
    let mirror = this.#mirrors[oid];
    if (mirror === undefined) {
      mirror = new MirrorSource(this, oid, t);
      this.#mirrors[oid] = mirror;
    }
    if (mirror.unpulledAt !== shard) {
      mirror.unpulledAt = shard;
      this.#unpulled[shard]!.push(mirror);
    }
    if (mirror.stale) return; // still stale in the store since the last mark: nothing to add
    mirror.stale = true;
    this.store.deferStatus(t.kind, t.name, t.namespace, mirror);
  }

  #onChange(e: WatchEvent): void {
    const o = e.object as DeepReadonly<StoredObject>;
    if (!SHARDED_KINDS.has(o.kind)) return;
    const key = objectKey(o.kind, o.metadata.namespace, o.metadata.name);
    const oid = this.#oids.get(key);
    if (e.type === "DELETED") {
      if (oid === undefined) return;
      const t = this.#objects[oid]!;
      this.#forShards(t.owner, (c) => c.push({ oid, object: null }));
      this.#objects[oid] = undefined;
      const mirror = this.#mirrors[oid];
      if (mirror !== undefined) mirror.unpulledAt = -1;
      this.#mirrors[oid] = undefined;
      this.#oids.delete(key);
      this.#ranksValid = false;
      return;
    }
    if (oid === undefined) {
      const host = o.kind === "Host" ? o.metadata.name : o.kind === "VirtualMachine" ? (o as { spec: { hostName: string } }).spec.hostName : undefined;
      if (o.kind === "VirtualMachine") this.#hosts.addLoad(host!, 1);
      const fresh = this.#track(o as StoredObject, host === undefined ? -1 : this.#hosts.of(host));
      this.#forShards(this.#objects[fresh]!.owner, (c) => c.push({ oid: fresh, object: o as StoredObject }));
      return;
    }
    const t = this.#objects[oid]!;
    const m = o.metadata;
    if (m.generation === t.generation && m.annotations === t.annotations && m.labels === t.labels) return; // a status built here: nothing for the shards
    if (o.kind === "VirtualMachine") this.#hosts.of((o as { spec: { hostName: string } }).spec.hostName); // the shards learn the name before the VM moves
    t.generation = m.generation;
    t.annotations = m.annotations;
    t.labels = m.labels;
    this.#forShards(t.owner, (c) => c.push({ oid, object: o as StoredObject }));
  }

  #forShards(owner: number, f: (changes: ShardChange[]) => void): void {
    if (owner >= 0) f(this.#changes[owner]!);
    else for (const c of this.#changes) f(c);
  }

  #track(o: DeepReadonly<StoredObject> | StoredObject, owner: number): number {
    const oid = this.#nextOid++;
    const namespace = NAMESPACED_KINDS.has(o.kind) ? (o.metadata.namespace ?? "default") : undefined;
    this.#objects[oid] = {
      kind: o.kind,
      namespace,
      name: o.metadata.name,
      owner,
      generation: o.metadata.generation,
      annotations: o.metadata.annotations,
      labels: o.metadata.labels,
      subject: { namespace: namespace ?? "", name: o.metadata.name },
    };
    this.#oids.set(objectKey(o.kind, o.metadata.namespace, o.metadata.name), oid);
    this.#ranksValid = false;
    return oid;
  }

  #rankObjects(): void {
    const ranks = new Int32Array(this.#nextOid).fill(-1);
    for (const kind of ["Host", "VirtualMachine"] as const) {
      this.store.peekList(kind).forEach((o, i) => {
        const oid = this.#oids.get(objectKey(kind, o.metadata.namespace, o.metadata.name));
        if (oid !== undefined) ranks[oid] = i;
      });
    }
    this.#ranks = ranks;
    this.#ranksValid = true;
  }
}

/** VMs per host name in a snapshot (every host, and every host a VM names). */
function vmsPerHost(snapshot: EngineSnapshot): Map<string, number> {
  const n = new Map<string, number>();
  for (const o of snapshot.store.objects) {
    if (o.kind === "Host") n.set(o.metadata.name, n.get(o.metadata.name) ?? 0);
    else if (o.kind === "VirtualMachine") {
      const h = (o.spec as { hostName: string }).hostName;
      n.set(h, (n.get(h) ?? 0) + 1);
    }
  }
  return n;
}


/** Orders records as one model would hold them: restored ones by their place, then by the tick they were made and the store's order. */
function byStamp(a: { stamp: readonly [number, number]; key: string }, b: { stamp: readonly [number, number]; key: string }): number {
  return a.stamp[0] - b.stamp[0] || a.stamp[1] - b.stamp[1] || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** The shards' parts of a snapshot, merged. */
export interface MergedParts {
  model: unknown;
  randomStreams: Record<string, [number, number, number, number]>;
  requeues: RequeueEntry[];
  /** The status controllers' inputs by record key (when asked for). */
  statusInputs: Map<string, unknown>;
}

/** The shards' snapshot parts as one engine's. */
function mergeSnapshots(parts: readonly ShardSnapshot[], controllerOrder: readonly string[]): MergedParts {
  const hosts: { stamp: readonly [number, number]; key: string; record: Record<string, unknown> }[] = [];
  const vms: { stamp: readonly [number, number]; key: string; record: Record<string, unknown> }[] = [];
  const streams: Record<string, [number, number, number, number]> = {};
  const requeues: RequeueEntry[] = [];
  const statusInputs = new Map<string, unknown>();
  for (const p of parts) {
    for (const [key, data] of p.statusInputs ?? []) statusInputs.set(key, data);
    for (const h of p.model.hosts) hosts.push({ stamp: p.stamps[`host/${h.name as string}`]!, key: h.name as string, record: h });
    for (const v of p.model.vms) vms.push({ stamp: p.stamps[`vm/${v.namespace as string}/${v.name as string}`]!, key: `${v.namespace as string}\u0000${v.name as string}`, record: v });
    Object.assign(streams, p.randomStreams);
    requeues.push(...p.requeues);
  }
  hosts.sort(byStamp);
  vms.sort(byStamp);
  const randomStreams: Record<string, [number, number, number, number]> = {};
  for (const name of Object.keys(streams).sort()) randomStreams[name] = streams[name]!;
  const order = new Map(controllerOrder.map((c, i) => [c, i]));
  requeues.sort((a, b) => order.get(a.controller)! - order.get(b.controller)! || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
  const model = { ...parts[0]!.model, hosts: hosts.map((h) => h.record), vms: vms.map((v) => v.record) };
  return { model, randomStreams, requeues, statusInputs };
}
