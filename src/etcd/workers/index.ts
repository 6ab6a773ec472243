/** Simulation workers on etcd (docs/scale-out.md, *Simulation workers*): the worker, the engine's pool of shards, the local worker. */
export { SimulationWorker, type SimulationWorkerOptions } from "./worker.js";
export { DEFAULT_CHECKPOINT_TICKS, DEFAULT_LEASE_TTL_SECONDS } from "./defaults.js";
export { WorkerPool, ShardCallError } from "./pool.js";
export { startLocalWorker, type LocalWorker } from "./local-worker.js";
export { SimKeys } from "./keys.js";
