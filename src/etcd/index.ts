/**
 * memplane's link to etcd: connection options (options.ts) and the `etcd3` client (connection.ts), the errors
 * an operator sees (errors.ts), and the guard that bounds calls and reconnects with back-off
 * (guard.ts). The etcd store backend and (later) the sharded workers build on it.
 */
export * from "./options.js";
export * from "./connection.js";
export * from "./errors.js";
export * from "./guard.js";
