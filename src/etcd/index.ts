/**
 * memplane's link to etcd: connection options (options.ts) and the `etcd3` client (connection.ts), the errors
 * an operator sees (errors.ts), and the guard that bounds calls and reconnects with back-off
 * (guard.ts); and the etcd store backend on it (docs/scale-out.md): keys, write-through,
 * checkpoints, reads and watches from etcd. The sharded workers (issue 17) build on both.
 */
export * from "./options.js";
export * from "./connection.js";
export * from "./errors.js";
export * from "./guard.js";
export { CompactedRevisionError, DEFAULT_CHECKPOINT_PERIOD_MS, DEFAULT_STATUS_PERIOD_MS, EtcdStore, type EtcdStoreOptions, type EtcdWatchEvent } from "./etcd-store.js";
export { KeyLayout } from "./keys.js";
export { DEFAULT_MAX_TXN_OPS, EtcdConflictError, type FlushResult } from "./write-through.js";
