/**
 * One shard of a sharded engine (docs/architecture.md, *Worker threads*): a complete sub-engine
 * — store, memory model, the built-in controllers — over some of the hosts, the VMs on them and
 * every GuestOSProfile. It runs where it is created (a worker thread, or the main thread in
 * tests) and answers the calls of protocol.ts.
 *
 * Its store is a replica: objects keep the main store's metadata (uid, generation,
 * creationTimestamp), so what the sub-engine decides is what one engine holding every host
 * would decide for these hosts — each host draws from its own random stream, and the admission
 * order is creation order. Log entries and Events go to a transcript, which the main thread
 * merges with the other shards' into the canonical order; statuses are built on the main
 * thread from the status inputs this shard records.
 */
import { type Kind, NAMESPACED_KINDS, type StoredObject } from "../../api/types.js";
import { TOKENS } from "../../di/tokens.js";
import { SimulationEngine } from "../../engine/engine.js";
import { int32Column } from "../../engine/growable-column.js";
import type { ControllerManager } from "../../engine/manager.js";
import { requireModel } from "../../engine/model-binding.js";
import { resolveEngineOptions } from "../../engine/options.js";
import type { SimulationRandom } from "../../engine/random.js";
import type { MemoryModel } from "../../hypervisor/memory-model.js";
import type { HostRecord, VmRecord } from "../../hypervisor/ledger.js";
import type { MemoryStore } from "../../store/memory-store.js";
import type { StatusSource } from "../../store/status-source.js";
import { createEngineContainer, DEFAULT_ENGINE_MODULES } from "../container.js";
import { objectKey, snapshotOfTexts, snapshotTexts, type Arrival, type ShardCalls, type Departure, type InsertionStamp, type ShardChanges, type ShardInit, type ShardSnapshot, type ShardTickResult, hostStampKey, vmStampKey } from "./protocol.js";
import { adoptStatusInputs, collectStatusInputs, type HandOver, handOverOf } from "./status-inputs.js";
import { TranscriptBuilder } from "./transcript.js";

/** A status source whose inputs can cross threads (vm-status's and host-status's). */
interface DataSource extends StatusSource {
  data(): unknown;
}



/** A shard: a sub-engine over some hosts, driven call by call (see protocol.ts). */
export class ShardRuntime {
  readonly #index: number;
  readonly #count: number;
  readonly #batch: boolean;
  readonly #engine: SimulationEngine;
  readonly #store: MemoryStore;
  readonly #manager: ControllerManager;
  readonly #model: MemoryModel;
  readonly #random: SimulationRandom;
  readonly #oids = new Map<string, number>();
  readonly #objects = new Map<number, { kind: Kind; namespace: string | undefined; name: string }>();
  /** Each model record's stamp, by record key. */
  readonly #stamps = new Map<string, InsertionStamp>();
  /** Objects put this tick or before whose record the model has not made yet. */
  readonly #unstamped = new Set<number>();
  /** The status source of each object whose status this shard derives. */
  readonly #sources = new Map<number, DataSource>();
  readonly #stale = int32Column(undefined, true);
  readonly #transcript: TranscriptBuilder;
  readonly #reservation: HandOver | undefined;
  readonly #vmStatus: HandOver | undefined;
  #tick = 0;
  /** Host name → shard (every name the main thread assigned). */
  readonly #assignment = new Map<string, number>();

  constructor(init: ShardInit) {
    this.#index = init.index;
    this.#count = init.count;
    this.#batch = init.batch;
    for (const [name, shard] of init.assignment) this.#assignment.set(name, shard);
    const s = snapshotOfTexts(init.snapshot);
    const options = resolveEngineOptions({
      seed: s.options.seed,
      tickSeconds: s.options.tickSeconds,
      maxEvents: s.options.maxEvents,
      epoch: s.options.epoch,
      controllers: { disable: s.options.controllers.disable },
      batchReconcile: init.batch,
      reconcileBudgetMs: 0,
    });
    this.#engine = new SimulationEngine(createEngineContainer(options, DEFAULT_ENGINE_MODULES));
    const c = this.#engine.container;
    this.#store = c.get<MemoryStore>(TOKENS.Store);
    this.#manager = c.get<ControllerManager>(TOKENS.Manager);
    this.#random = c.get<SimulationRandom>(TOKENS.Random);
    this.#engine.restore(s);
    this.#model = requireModel(c);
    this.#adopt(s.store.objects, init.oids, init.stamps);
    this.#tick = s.clock.tick;
    this.#reservation = handOverOf(this.#manager.controllers, "reservation");
    this.#vmStatus = handOverOf(this.#manager.controllers, "vm-status");
    const oidOfSource = new WeakMap<StatusSource, number>();
    const oidOfSubject = new WeakMap<object, number>();
    this.#store.onDeferStatus((kind, namespace, name, source) => {
      // a status source belongs to one object for its life: its id is looked up once
      let oid = oidOfSource.get(source);
      if (oid === undefined) {
        oid = this.#oids.get(objectKey(kind, namespace, name));
        if (oid === undefined) return;
        oidOfSource.set(source, oid);
        this.#sources.set(oid, source as DataSource);
      }
      this.#stale.push(oid);
    });
    adoptStatusInputs(this.#model, this.#manager.controllers, init.statusInputs, (kind, namespace, name, source) => {
      const oid = this.#oids.get(objectKey(kind, namespace, name));
      if (oid !== undefined) this.#sources.set(oid, source as DataSource);
    });
    this.#transcript = new TranscriptBuilder(
      (kind, namespace, name) => this.#oids.get(objectKey(kind, namespace, name)) ?? -1,
      (subject) => {
        const r = subject as Partial<VmRecord>;
        let oid = oidOfSubject.get(subject as object); // a record belongs to one VM for its life
        if (oid === undefined) {
          oid = typeof r.name === "string" && typeof r.namespace === "string" ? (this.#oids.get(objectKey("VirtualMachine", r.namespace, r.name)) ?? -1) : -1;
          if (oid >= 0) oidOfSubject.set(subject as object, oid);
        }
        return oid;
      },
    );
  }

  /** The last tick this shard ran. */
  get tick(): number {
    return this.#tick;
  }

  /**
   * Takes the restored objects' ids and the records' stamps. (Apart from the constructor: a
   * closure there that read `init` kept it — the snapshot's text of every object, ≈ 40 MiB a
   * shard at 100k VMs — alive as long as the shard, through the callbacks made next to it.)
   */
  #adopt(objects: readonly StoredObject[], oids: readonly number[], stamps: ShardInit["stamps"]): void {
    objects.forEach((o, i) => this.#remember(oids[i]!, o));
    for (const [key, stamp] of Object.entries(stamps)) this.#stamps.set(key, stamp);
    // objects the model has no record of yet get theirs at a later sync
    objects.forEach((o, i) => {
      const key = o.kind === "Host" ? hostStampKey(o.metadata.name) : o.kind === "VirtualMachine" ? vmStampKey(o.metadata.namespace ?? "default", o.metadata.name) : undefined;
      if (key !== undefined && !this.#stamps.has(key)) this.#unstamped.add(oids[i]!);
    });
  }

  /** Whether a host belongs to this shard. */
  readonly #isLocal = (hostName: string): boolean => this.#assignment.get(hostName) === this.#index;

  /** The spec changes since the last tick, the model's sync, and the VMs that leave. */
  phase1(changes: ShardChanges): Departure[] {
    for (const [name, shard] of changes.assign) this.#assignment.set(name, shard);
    for (const { oid, object } of changes.changes) {
      if (object === null) {
        this.#forget(oid);
        continue;
      }
      this.#store.replicate(object);
      if (!this.#objects.has(oid) && (object.kind === "Host" || object.kind === "VirtualMachine")) this.#unstamped.add(oid);
      this.#remember(oid, object);
    }
    this.#tick++;
    this.#manager.beginShardTick(this.#transcript);
    this.#stampNewRecords();
    const departures: Departure[] = [];
    for (const { vm, moving } of this.#model.exportMovingVms!(this.#isLocal)) {
      const oid = this.#oids.get(objectKey("VirtualMachine", vm.namespace, vm.name))!;
      const object = this.#store.peek("VirtualMachine", vm.name, vm.namespace);
      const key = vmStampKey(vm.namespace, vm.name);
      departures.push({
        oid,
        moving,
        status: this.#vmStatus?.departing?.(vm),
        requeues: object?.metadata.uid === undefined ? [] : this.#manager.takeRequeues(object.metadata.uid),
        stamp: this.#stamps.get(key),
      });
      this.#stamps.delete(key);
      this.#forget(oid);
    }
    return departures;
  }

  /** The VMs that arrive, then every controller and the end of the tick. */
  phase2(arrivals: Arrival[]): ShardTickResult {
    for (const a of arrivals) {
      this.#store.replicate(a.object);
      this.#remember(a.oid, a.object);
      const vm = this.#model.importVm!(a.moving.record);
      if (a.stamp !== undefined) this.#stamps.set(vmStampKey(vm.namespace, vm.name), a.stamp);
      this.#reservation?.arrived(vm, a.moving.events as never);
      const source = this.#vmStatus?.arrived(vm, a.status as never);
      if (source !== undefined) this.#sources.set(a.oid, source as DataSource);
      this.#manager.addRequeues(a.requeues);
    }
    const errors = this.#manager.finishShardTick();
    const stale = this.#stale.view(); // (read by the main thread before this shard's next tick)
    return { transcript: this.#transcript.finish(), stale, errors };
  }

  /** The recorded status inputs of these objects (as of the last tick). */
  pull(oids: number[]): unknown[] {
    return oids.map((oid) => this.#sources.get(oid)?.data());
  }

  /** This shard's part of an engine snapshot (with the status controllers' inputs when asked). */
  snapshot(options: { statusInputs: boolean }): ShardSnapshot {
    const model = this.#model.snapshot() as unknown as ShardSnapshot["model"];
    const stamps: Record<string, InsertionStamp> = {};
    for (const h of model.hosts) stamps[hostStampKey(h.name as string)] = this.#stamps.get(hostStampKey(h.name as string)) ?? [this.#tick, 0];
    for (const v of model.vms) {
      const key = vmStampKey(v.namespace as string, v.name as string);
      stamps[key] = this.#stamps.get(key) ?? [this.#tick, 0];
    }
    const out: ShardSnapshot = { model, stamps, randomStreams: this.#random.getStreamStates(), requeues: this.#manager.getState().requeues };
    if (options.statusInputs) out.statusInputs = collectStatusInputs(this.#model, this.#manager.controllers);
    return out;
  }

  /**
   * This shard as the {@link ShardInit} that starts an identical one (between ticks): its
   * sub-engine's snapshot with the objects' ids, the records' stamps, the host assignment and
   * the status controllers' inputs. A shard on another machine resumes from it (etcd/workers/).
   */
  checkpoint(): ShardInit {
    const snapshot = this.#engine.snapshotAsIs(); // the replica's counters follow its objects (MemoryStore.replicate)
    const oids = snapshot.store.objects.map((o) => this.#oids.get(objectKey(o.kind, o.metadata.namespace, o.metadata.name))!);
    return {
      index: this.#index,
      count: this.#count,
      batch: this.#batch,
      snapshot: snapshotTexts(snapshot),
      oids,
      stamps: Object.fromEntries(this.#stamps),
      assignment: [...this.#assignment],
      statusInputs: collectStatusInputs(this.#model, this.#manager.controllers),
    };
  }

  /** How many hosts and VMs this shard's model holds. */
  counts(): { hosts: number; vms: number } {
    return { hosts: this.#model.hosts().length, vms: this.#model.allVms().length };
  }

  /** Stamps the records the model made in this tick's sync (a record's place in creation order). */
  #stampNewRecords(): void {
    for (const oid of this.#unstamped) {
      const o = this.#objects.get(oid);
      if (o === undefined) {
        this.#unstamped.delete(oid);
        continue;
      }
      const made = o.kind === "Host" ? this.#model.host(o.name) !== undefined : this.#model.vm(o.namespace ?? "default", o.name) !== undefined;
      if (!made) continue; // a spec that does not resolve yet
      this.#stamps.set(o.kind === "Host" ? hostStampKey(o.name) : vmStampKey(o.namespace ?? "default", o.name), [this.#tick, 0]);
      this.#unstamped.delete(oid);
    }
  }

  #remember(oid: number, o: StoredObject): void {
    const namespace = NAMESPACED_KINDS.has(o.kind) ? (o.metadata.namespace ?? "default") : undefined;
    this.#oids.set(objectKey(o.kind, namespace, o.metadata.name), oid);
    this.#objects.set(oid, { kind: o.kind, namespace, name: o.metadata.name });
  }

  #forget(oid: number): void {
    const o = this.#objects.get(oid);
    if (o === undefined) return;
    this.#store.delete(o.kind, o.name, o.namespace);
    this.#oids.delete(objectKey(o.kind, o.namespace, o.name));
    this.#objects.delete(oid);
    this.#sources.delete(oid);
    this.#unstamped.delete(oid);
    if (o.kind === "Host") this.#stamps.delete(hostStampKey(o.name));
    else if (o.kind === "VirtualMachine") this.#stamps.delete(vmStampKey(o.namespace ?? "default", o.name));
  }
}

/** Runs one call on a shard runtime (`init` makes it); every link's way in (worker thread, main thread, in-process). */
export function dispatchShardCall(runtime: ShardRuntime | undefined, method: keyof ShardCalls, request: unknown, started: (r: ShardRuntime) => void): unknown {
  if (method === "init") {
    started(new ShardRuntime(request as ShardCalls["init"][0]));
    return null;
  }
  if (runtime === undefined) throw new Error(`shard call ${method} before init`);
  switch (method) {
    case "phase1":
      return runtime.phase1(request as ShardCalls["phase1"][0]);
    case "phase2":
      return runtime.phase2(request as ShardCalls["phase2"][0]);
    case "pull":
      return runtime.pull(request as ShardCalls["pull"][0]);
    case "snapshot":
      return runtime.snapshot(request as ShardCalls["snapshot"][0]);
    case "counts":
      return runtime.counts();
    default:
      throw new Error(`unknown shard call ${String(method)}`);
  }
}
