/**
 * The `workers` option at work (docs/library.md, *Worker threads*): decides before each tick
 * whether the engine's ticks run on shards of hosts, starts them from a snapshot of the engine
 * when they are due, and stands in for the model while they hold the simulation.
 *
 * The shards start at the first tick for which {@link workersFor} gives more than one worker
 * (an explicit `workers`, or by default the machine's cores once the cluster has 10 000 VMs)
 * and only for the built-in controllers and memory model: an engine with embedders'
 * controllers, or a model rebound to another class, runs on one thread. Once started they keep
 * the simulation until a restore (which starts them afresh at the next tick).
 */
import type { TickDelegate } from "../../engine/manager.js";
import type { ControllerManager } from "../../engine/manager.js";
import type { SimulationEngine } from "../../engine/engine.js";
import { requireModel } from "../../engine/model-binding.js";
import type { ResolvedEngineOptions } from "../../engine/options.js";
import type { EngineSharding } from "../../engine/sharding-plug.js";
import type { WorkerShard } from "../../engine/engine.js";
import { workersFor } from "../../engine/workers-option.js";
import { HypervisorMemoryModel } from "../../hypervisor/memory-model.js";
import type { MemoryModel, MemoryModelReader } from "../../hypervisor/model-api.js";
import type { MemoryStore } from "../../store/memory-store.js";
import { ShardCoordinator } from "./coordinator.js";
import { TOKENS } from "../../di/tokens.js";
import { SimulationRandom } from "../../engine/random.js";
import { adoptStatusInputs, collectStatusInputs } from "./status-inputs.js";
import type { ShardLink } from "./protocol.js";

/** Makes the link to one new shard (a worker thread, or in-process for tests). */
export type ShardLinkFactory = (index: number) => ShardLink;

/** An {@link EngineSharding} over shard links (see the module comment). */
export class ShardedRunner implements EngineSharding {
  #coordinator: ShardCoordinator | undefined;
  /** The model as last refreshed from the shards, and the tick it was refreshed at. */
  #refreshedAt = -1;
  #reader: MemoryModelReader | undefined;

  constructor(
    private readonly engine: SimulationEngine,
    private readonly parts: { store: MemoryStore; manager: ControllerManager; options: ResolvedEngineOptions },
    /** The `workers` option as given (undefined: the default rule). */
    private readonly workers: number | undefined,
    private readonly link: ShardLinkFactory,
    /** Shard from the first tick on, even into one shard (the shards are elsewhere: etcd/workers/). */
    private readonly always = false,
  ) {}

  get active(): boolean {
    return this.#coordinator !== undefined;
  }

  beforeTick(): TickDelegate | undefined {
    if (this.#coordinator !== undefined) return this.#coordinator;
    const n = workersFor(this.workers, this.parts.store.count("VirtualMachine"));
    if ((n <= 1 && !this.always) || !this.#eligible()) return undefined;
    // statuses as last built, not built now (that would move resourceVersions), with the inputs
    // the status controllers recorded, so the shards go on exactly where this thread stopped
    const snapshot = this.engine.snapshotAsIs();
    const inputs = new Map(collectStatusInputs(this.#localModel(), this.parts.manager.controllers));
    const links: ShardLink[] = [];
    try {
      for (let i = 0; i < n; i++) links.push(this.link(i));
      this.#coordinator = new ShardCoordinator(this.parts.store, links, snapshot, this.parts.options.batchReconcile, inputs);
    } catch (e) {
      for (const l of links) l.close();
      throw e;
    }
    // the shards hold the model now: the main thread's copy is emptied, and refilled when read
    const model = snapshot.model as { version: number; syncedTick: number };
    this.#localModel().restore({ version: model.version, syncedTick: model.syncedTick, hosts: [], vms: [] });
    this.#refreshedAt = -1;
    return this.#coordinator;
  }

  snapshotParts(): ReturnType<EngineSharding["snapshotParts"]> {
    return this.#coordinator!.snapshotParts(this.#controllerOrder());
  }

  reset(): void {
    this.#coordinator?.close();
    this.#coordinator = undefined;
    this.#refreshedAt = -1;
  }

  model(): MemoryModelReader {
    this.#reader ??= new Proxy(this.#localModel(), {
      get: (target, property) => {
        const value = Reflect.get(target, property, target) as unknown;
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          this.#refresh();
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as MemoryModelReader;
    return this.#reader;
  }

  workerShards(): WorkerShard[] {
    const c = this.#coordinator!;
    return c.shardCounts().map((n, i) => ({ worker: i + 1, hosts: n.hosts, vms: n.vms, ticks: c.ticks }));
  }

  /** Takes the simulation back from the shards to this thread and ends them. */
  close(): void {
    const c = this.#coordinator;
    if (c === undefined) return;
    c.pullAll(); // the main store's stale statuses no longer need the shards
    const parts = c.snapshotParts(this.#controllerOrder(), true);
    this.reset();
    const model = this.#localModel();
    model.restore(parts.model);
    const random = this.engine.container.get<unknown>(TOKENS.Random);
    if (random instanceof SimulationRandom) random.setStreamStates(this.parts.options.seed, parts.randomStreams);
    this.parts.manager.setState({ requeues: parts.requeues });
    adoptStatusInputs(model, this.parts.manager.controllers, parts.statusInputs);
  }

  #controllerOrder(): string[] {
    return this.parts.manager.controllers.map((c) => c.name);
  }

  /** The main thread's model, brought up to the shards' last tick when they hold the simulation. */
  #refresh(): void {
    if (this.#coordinator === undefined || this.#refreshedAt === this.engine.tick) return;
    this.#localModel().restore(this.snapshotParts().model);
    this.#refreshedAt = this.engine.tick;
  }

  #localModel(): MemoryModel {
    return requireModel(this.engine.container);
  }

  /** Only the built-in controllers on the built-in model run on shards. */
  #eligible(): boolean {
    const model = this.#localModel();
    return this.parts.options.controllers.add.length === 0 && model.constructor === HypervisorMemoryModel;
  }
}
