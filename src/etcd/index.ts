/** The etcd store backend (docs/scale-out.md): keys, write-through, checkpoints, reads and watches from etcd. */
export { CompactedRevisionError, DEFAULT_CHECKPOINT_PERIOD_MS, DEFAULT_STATUS_PERIOD_MS, EtcdStore, type EtcdStoreOptions, type EtcdWatchEvent } from "./etcd-store.js";
export { DEFAULT_ETCD_PREFIX, KeyLayout } from "./keys.js";
export { DEFAULT_MAX_TXN_OPS, EtcdConflictError, type FlushResult } from "./write-through.js";
