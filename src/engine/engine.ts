/**
 * The running simulation (docs/library.md): an {@link Engine} to apply manifests to, step,
 * observe and snapshot, over an inversify container that `createEngine`
 * (src/composition/create-engine.ts) builds. Nothing here prints, exits or reads the wall clock.
 *
 * The memory model is resolved from TOKENS.MemoryModel at each tick (and by snapshot/restore),
 * so an embedder may `engine.container.rebind(TOKENS.MemoryModel)` to their own model before
 * the first step. Controllers are resolved when the engine is created (so a bad controller set
 * fails at once); they receive the model through `ctx.model`.
 */
import "reflect-metadata";
import type { Container } from "inversify";
import type { Observable } from "rxjs";
import type { Kind, ManifestObject } from "../api/types.js";
import { TOKENS } from "../di/tokens.js";
import type { MemoryModel, MemoryModelReader } from "../hypervisor/memory-model.js";
import { ModelSnapshotError } from "../hypervisor/snapshot-check.js";
import { parseManifestTextOrThrow, validateManifestObjectsOrThrow } from "../manifest/index.js";
import type { MemoryStore, StoreSnapshot } from "../store/memory-store.js";
import type { ApplyOutcome, ResourceReader, ResourceStore } from "../store/types.js";
import { ManualClock, type ClockState } from "./clock.js";
import type { LogEntry } from "./log-entry.js";
import type { ControllerManager, ManagerState, TickSummary } from "./manager.js";
import { requireModel } from "./model-binding.js";
import { isJsonObject } from "./plain-data.js";
import type { ResolvedEngineOptions } from "./options.js";
import { SeededRandom, SimulationRandom, type RandomState, type StreamStates } from "./random.js";
import { errorMessage } from "./reconcile-outcome.js";
import { checkEngineSnapshot, type CheckedSnapshot } from "./snapshot-check.js";
import type { EngineSharding } from "./sharding-plug.js";

/** The snapshot format version this engine writes and reads. */
export const ENGINE_SNAPSHOT_VERSION = 1;

/** Everything needed to continue a simulation exactly where it stopped; JSON-serialisable. */
export interface EngineSnapshot {
  version: typeof ENGINE_SNAPSHOT_VERSION;
  /** The options the simulation ran with (controllers by name). */
  options: { seed: number; tickSeconds: number; controllers: { add: string[]; disable: string[] }; maxEvents: number; epoch?: string };
  clock: ClockState;
  random: RandomState;
  /**
   * Each host's random stream, by host name (docs/memory-model.md §1). Absent in snapshots
   * saved before per-host streams: they restore with every stream started afresh from the seed.
   */
  randomStreams?: StreamStates;
  store: StoreSnapshot;
  /** The memory model's own snapshot (`model.snapshot()`). */
  model: unknown;
  /** Requeue and backoff state of (controller, object) pairs. */
  manager: ManagerState;
}

/** How many problems a SnapshotError's message shows (all are in `problems`). */
const SHOWN_PROBLEMS = 5;

/**
 * A snapshot that cannot be restored: another version, or damaged (a missing section, an
 * object that fails validation, a ledger that breaks the model's invariants, duplicates…).
 * `problems` lists everything found, each naming where (`store.objects[3] (VirtualMachine
 * default/web-1) spec.memory: …`); the message is one line with the first few. Thrown before
 * anything changes: after it the engine is exactly as it was.
 */
export class SnapshotError extends Error {
  /** Every problem found (one for a version mismatch or a missing section). */
  readonly problems: readonly string[];

  constructor(problems: string | readonly string[]) {
    const list = typeof problems === "string" ? [problems] : problems;
    const more = list.length - SHOWN_PROBLEMS;
    super(
      typeof problems === "string"
        ? problems
        : `snapshot is damaged: ${list.slice(0, SHOWN_PROBLEMS).join("; ")}${more > 0 ? ` (and ${more} more problem${more === 1 ? "" : "s"})` : ""}`,
    );
    this.name = "SnapshotError";
    this.problems = list;
  }
}

/** What embedders read the store through: reads and watches; writes go through apply/delete. */
export type EngineStore = ResourceReader & Pick<ResourceStore, "watch">;

/** A running simulation (docs/library.md). */
export interface Engine {
  /**
   * Creates or updates objects from YAML/JSON text, one object or an array of objects. Input is
   * validated and defaulted first; if anything is invalid a ManifestValidationError (holding
   * every error) is thrown and nothing is applied.
   */
  apply(input: string | object | readonly object[]): ApplyOutcome[];
  /** Deletes an object; false when it did not exist. */
  delete(kind: Kind, name: string, namespace?: string): boolean;
  /** Runs `ticks` ticks synchronously (default 1). */
  step(ticks?: number): void;
  /** Reads and watches of the resource store. */
  readonly store: EngineStore;
  /** Every reconciliation log entry as it is emitted. */
  readonly logs$: Observable<LogEntry>;
  /** A summary at the end of every tick. */
  readonly ticks$: Observable<TickSummary>;
  /** Ticks run so far. */
  readonly tick: number;
  /** Simulated seconds so far. */
  readonly timeSeconds: number;
  /** The options in force (after restore, the snapshot's seed and tickSeconds). */
  readonly options: Readonly<ResolvedEngineOptions>;
  /** A JSON-serialisable copy of the whole simulation. */
  snapshot(): EngineSnapshot;
  /** Continues from a snapshot: restore + step gives what never stopping would have given. */
  restore(snapshot: EngineSnapshot): void;
  /**
   * The memory model the simulation runs on, for reading (records, lookups, decision records):
   * what explain, metrics and the CLI read. Throws NoMemoryModelError when none is bound.
   */
  readonly model: MemoryModelReader;
  /** The inversify container (e.g. rebind TOKENS.MemoryModel before the first step). */
  readonly container: Container;
  /**
   * One row per thread that runs the per-host phases of a tick: the hosts and VMs of its shard
   * (in the model as of the last sync) and the ticks it ran since the engine was created. On one
   * thread, one row: worker 0 (the main thread) with every host (docs/library.md, *Worker threads*).
   */
  workerShards(): readonly WorkerShard[];
  /** Ends the engine's worker threads now, taking the simulation back to this thread (optional: threads never keep a process alive). */
  close(): void;
}

/** A thread's share of the hosts, from {@link Engine.workerShards}. */
export interface WorkerShard {
  /** 0 for the main thread. */
  readonly worker: number;
  /** Hosts in the shard. */
  readonly hosts: number;
  /** VMs in the shard (the VMs of its hosts, pending ones included). */
  readonly vms: number;
  /** Ticks the thread ran for the shard since the engine was created. */
  readonly ticks: number;
}

/** `e instanceof type`, false for a thrown value that cannot even be inspected (a hostile Proxy). */
function isInstance<T>(e: unknown, type: abstract new (...args: never[]) => T): e is T {
  try {
    return e instanceof type;
  } catch {
    return false;
  }
}

/** Checks the version and sections of a snapshot, then every part but the model (snapshot-check.ts). */
function checkSnapshotSections(snapshot: EngineSnapshot): ReturnType<typeof checkEngineSnapshot> {
  if (!isJsonObject(snapshot) || snapshot.version !== ENGINE_SNAPSHOT_VERSION) {
    const version = isJsonObject(snapshot) ? (snapshot as { version?: unknown }).version : undefined;
    throw new SnapshotError(`cannot restore snapshot version ${errorMessage(version)}; this engine reads version ${ENGINE_SNAPSHOT_VERSION}`);
  }
  for (const part of ["options", "clock", "random", "store", "manager"] as const) {
    if (!isJsonObject(snapshot[part]) && !Array.isArray(snapshot[part])) throw new SnapshotError(`snapshot has no "${part}" section`);
  }
  return checkEngineSnapshot(snapshot as unknown as Record<string, unknown>);
}

/** The {@link Engine} over an inversify container built by createEngineContainer (src/composition/). */
export class SimulationEngine implements Engine {
  readonly #store: MemoryStore;
  readonly #clock: ManualClock;
  readonly #random: SeededRandom;
  readonly #manager: ControllerManager;
  readonly #options: ResolvedEngineOptions;
  #sharding: EngineSharding | undefined;
  /** The tick the delegate chosen before it runs (see {@link attachSharding}). */
  #delegate: ReturnType<EngineSharding["beforeTick"]>;
  /** Ticks run since the engine was created (all on the main thread). */
  #ticksRun = 0;

  constructor(readonly container: Container) {
    this.#options = container.get<ResolvedEngineOptions>(TOKENS.EngineOptions);
    this.#store = container.get<MemoryStore>(TOKENS.Store);
    this.#clock = container.get<ManualClock>(TOKENS.Clock);
    this.#random = container.get<SeededRandom>(TOKENS.Random);
    this.#manager = container.get<ControllerManager>(TOKENS.Manager);
  }

  get store(): EngineStore {
    return this.#store;
  }

  get logs$(): Observable<LogEntry> {
    return this.#manager.logs$;
  }

  get ticks$(): Observable<TickSummary> {
    return this.#manager.ticks$;
  }

  get tick(): number {
    return this.#clock.tick;
  }

  get timeSeconds(): number {
    return this.#clock.timeSeconds;
  }

  get options(): Readonly<ResolvedEngineOptions> {
    return this.#options;
  }

  apply(input: string | object | readonly object[]): ApplyOutcome[] {
    let objects: ManifestObject[];
    if (typeof input === "string") {
      // freshly parsed: nobody else holds these objects, so the store freezes them in place
      return this.#store.apply(parseManifestTextOrThrow(input, "<input>"), { adopt: true });
    } else {
      if (input === null || typeof input !== "object") {
        throw new TypeError("engine.apply takes YAML/JSON text, a manifest object or an array of manifest objects");
      }
      // objects go through the same validation and defaulting as text
      objects = validateManifestObjectsOrThrow(input, "<objects>");
    }
    return this.#store.apply(objects);
  }

  delete(kind: Kind, name: string, namespace?: string): boolean {
    return this.#store.delete(kind, name, namespace);
  }

  step(ticks = 1): void {
    this.#manager.refuseDuringTick("engine.step()");
    if (!Number.isSafeInteger(ticks) || ticks < 0) throw new RangeError(`step takes a whole number of ticks ≥ 0, got ${String(ticks)}`);
    for (let i = 0; i < ticks; i++) {
      if (this.#sharding !== undefined) this.#delegate = this.#sharding.beforeTick();
      this.#manager.runTick();
      this.#ticksRun++;
    }
  }

  /**
   * Plugs in worker threads (composition/shards/; createEngine does it for the `workers`
   * option): before each tick the plug may take the tick's sync and controllers to its shards.
   */
  attachSharding(sharding: EngineSharding): void {
    this.#sharding = sharding;
    this.#manager.delegateTo(() => this.#delegate);
  }

  /**
   * Ends the engine's worker threads now (they also end when the engine is garbage-collected,
   * and never keep a process alive). The engine stays usable: a later step starts them again
   * from where the simulation is.
   */
  close(): void {
    this.#sharding?.close();
  }

  /** The worker threads and the hosts and VMs each holds; one row (worker 0, this thread) when the engine runs on one thread. */
  workerShards(): readonly WorkerShard[] {
    if (this.#sharding?.active === true) return this.#sharding.workerShards();
    const model = this.#model();
    return [{ worker: 0, hosts: model.hosts().length, vms: model.allVms().length, ticks: this.#ticksRun }];
  }

  snapshot(): EngineSnapshot {
    return this.#snapshot(true);
  }

  /**
   * @internal The snapshot with statuses as last built, not built now (observing them would
   * move their resourceVersions): what worker threads start from (composition/shards/).
   */
  snapshotAsIs(): EngineSnapshot {
    return this.#snapshot(false);
  }

  #snapshot(buildStatuses: boolean): EngineSnapshot {
    const o = this.#options;
    const shards = this.#sharding?.active === true ? this.#sharding.snapshotParts() : undefined;
    return {
      version: ENGINE_SNAPSHOT_VERSION,
      options: {
        seed: o.seed,
        tickSeconds: this.#clock.tickSeconds,
        controllers: { add: o.controllers.add.map((c) => c.name), disable: [...o.controllers.disable] },
        maxEvents: o.maxEvents,
        epoch: o.epoch,
      },
      clock: this.#clock.getState(),
      random: this.#random.getState(),
      ...(shards !== undefined ? { randomStreams: shards.randomStreams } : this.#random instanceof SimulationRandom && { randomStreams: this.#random.getStreamStates() }),
      store: this.#store.snapshot(buildStatuses),
      model: shards !== undefined ? shards.model : this.#model().snapshot(),
      manager: shards !== undefined ? { requeues: shards.requeues } : this.#manager.getState(),
    };
  }

  restore(snapshot: EngineSnapshot): void {
    this.#manager.refuseDuringTick("engine.restore()");
    // 1. check everything, changing nothing (getters or Proxy traps in a caller's object may throw)
    let checked: CheckedSnapshot;
    let commitStore: () => void;
    let model: unknown;
    try {
      const check = checkSnapshotSections(snapshot);
      if (check.checked === undefined) throw new SnapshotError(check.problems);
      checked = check.checked;
      commitStore = this.#store.prepareRestore(checked.store);
      model = snapshot.model;
    } catch (e) {
      if (isInstance(e, SnapshotError)) throw e;
      throw new SnapshotError([`the snapshot cannot be read: ${errorMessage(e)}`]);
    }
    // 2. the model checks its own part and restores it, or throws having changed nothing
    try {
      this.#model().restore(model);
    } catch (e) {
      throw new SnapshotError(isInstance(e, ModelSnapshotError) ? e.problems : [`model: ${errorMessage(e)}`]);
    }
    // 3. swap in the checked copies (nothing here can fail after the checks)
    commitStore();
    this.#clock.setState(checked.clock);
    this.#random.setState(checked.random);
    if (this.#random instanceof SimulationRandom) this.#random.setStreamStates(checked.seed, checked.randomStreams);
    this.#manager.setState(checked.manager);
    this.#options.seed = checked.seed;
    this.#options.epoch = checked.epoch;
    this.#options.tickSeconds = checked.clock.tickSeconds;
    this.#sharding?.reset();
  }

  get model(): MemoryModelReader {
    return this.#sharding?.active === true ? this.#sharding.model() : this.#model();
  }

  /**
   * The writable resource store, for the layers that write with Kubernetes semantics (the
   * server's create/replace/delete, the CLI's apply of files it has just validated). Embedders
   * write through {@link apply} and {@link delete}.
   */
  get resources(): MemoryStore {
    return this.#store;
  }

  #model(): MemoryModel {
    return requireModel(this.container);
  }
}
