/**
 * The entry module of the relay thread (pool.ts starts it): the {@link PoolCoordinator} with its
 * own etcd connection, answering the main thread's blocking calls asynchronously — the main
 * thread waits inside a synchronous `engine.step` while this thread talks to etcd.
 */
import { serveSync } from "../../engine/workers/serve-sync.js";
import { connectEtcd, type EtcdConnection } from "../connection.js";
import type { EtcdConnectionOptions } from "../options.js";
import { logUnhandledRejections, threadLog } from "./thread-log.js";
import { PoolCoordinator, type PoolCall, type PoolCoordinatorOptions } from "./coordinator.js";

/** What the main thread starts the relay with. */
export interface RelayStart {
  connection: EtcdConnectionOptions;
  pool: Omit<PoolCoordinatorOptions, "log">;
}

let etcd: EtcdConnection | undefined;
let coordinator: PoolCoordinator | undefined;
const log = threadLog;
logUnhandledRejections();

serveSync(
  {
    init: () => null,
    start: async (payload) => {
      const { connection, pool } = payload as RelayStart;
      etcd = await connectEtcd(connection, (up, error) => log(up ? "etcd is back; the simulation workers go on" : (error?.message ?? "etcd is unavailable")));
      coordinator = new PoolCoordinator(etcd, { ...pool, log });
      try {
        await coordinator.start();
      } catch (e) {
        etcd.close();
        throw e;
      }
      return null;
    },
    calls: (batch) => coordinator!.calls(batch as PoolCall[]),
    ready: async () => (coordinator === undefined ? "the simulation workers' coordinator has not started" : ((await coordinator.ready()) ?? null)),
    workers: () => coordinator?.workers() ?? [],
    close: async () => {
      await coordinator?.close();
      etcd?.close();
      return null;
    },
  },
  { async: true },
);
