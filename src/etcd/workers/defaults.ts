/** The simulation workers' defaults, importable without loading etcd's client (for `--help`). */

/** A worker's lease, in seconds: how long its hosts wait after it died. */
export const DEFAULT_LEASE_TTL_SECONDS = 5;

/** A shard is checkpointed in etcd after every tick that is a multiple of this. */
export const DEFAULT_CHECKPOINT_TICKS = 10;
