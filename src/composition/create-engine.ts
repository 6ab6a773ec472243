/**
 * The library's entry point (docs/library.md): `createEngine(options)` builds the composition
 * root — an inversify container with the engine's services, the memory model and the built-in
 * controllers — and returns the {@link Engine} over it.
 */
import "reflect-metadata";
import type { Engine } from "../engine/engine.js";
import { SimulationEngine } from "../engine/engine.js";
import { resolveEngineOptions, type EngineOptions } from "../engine/options.js";
import { DEFAULT_ENGINE_MODULES, createEngineContainer } from "./container.js";
import { TOKENS } from "../di/tokens.js";
import type { ControllerManager } from "../engine/manager.js";
import type { ResolvedEngineOptions } from "../engine/options.js";
import type { MemoryStore } from "../store/memory-store.js";
import { ShardedRunner, type ShardLinkFactory } from "./shards/sharded-runner.js";
import { MainThreadLink } from "./shards/main-thread-link.js";
import { ThreadLink } from "./shards/thread-link.js";

/**
 * Creates a simulation (docs/library.md). Options: `seed` (default 1), `tickSeconds` (default 1),
 * `controllers.add` / `controllers.disable`, `maxEvents` (default 1000). Throws a
 * ControllerRegistryError for a bad controller set and a RangeError for a bad option.
 */
export function createEngine(options: EngineOptions = {}): Engine {
  const resolved = resolveEngineOptions(options);
  const engine = new SimulationEngine(createEngineContainer(resolved, DEFAULT_ENGINE_MODULES));
  // shard 0 runs on the main thread, which would otherwise only wait; the others on worker threads
  attachWorkerThreads(engine, (index) => (index === 0 ? new MainThreadLink() : new ThreadLink(index)));
  return engine;
}

/**
 * Creates a simulation whose ticks always run on `shards` shards of hosts, each behind a link
 * `link` makes — shards on other processes (etcd/workers/: `memplane serve --store etcd://…`
 * with simulation workers). Same options and answers as {@link createEngine}.
 */
export function createShardedEngine(options: EngineOptions, shards: number, link: ShardLinkFactory): Engine {
  const resolved = resolveEngineOptions({ ...options, workers: shards });
  const engine = new SimulationEngine(createEngineContainer(resolved, DEFAULT_ENGINE_MODULES));
  attachWorkerThreads(engine, link, true);
  return engine;
}

/**
 * Lets `engine` run its ticks on shards of hosts as its `workers` option says (docs/library.md,
 * *Worker threads*), each shard behind a link `link` makes (worker threads; tests may pass
 * in-process links).
 */
export function attachWorkerThreads(engine: SimulationEngine, link: ShardLinkFactory, always = false): void {
  const c = engine.container;
  const options = c.get<ResolvedEngineOptions>(TOKENS.EngineOptions);
  const parts = { store: c.get<MemoryStore>(TOKENS.Store), manager: c.get<ControllerManager>(TOKENS.Manager), options };
  engine.attachSharding(new ShardedRunner(engine, parts, options.workers, link, always));
}
