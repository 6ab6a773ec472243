/**
 * The entry module of the simulation worker `serve` runs itself (local-worker.ts starts it, unless
 * `--no-local-worker`): a {@link SimulationWorker} on its own thread and etcd connection, so it
 * runs its shards while the server's main thread waits for them inside a tick.
 */
import { parentPort, workerData } from "node:worker_threads";
import { connectEtcd } from "../connection.js";
import type { EtcdConnectionOptions } from "../options.js";
import { errorText } from "./retrying.js";
import { logUnhandledRejections, threadLog } from "./thread-log.js";
import { SimulationWorker, type SimulationWorkerOptions } from "./worker.js";

const { connection, worker } = workerData as { connection: EtcdConnectionOptions; worker: Omit<SimulationWorkerOptions, "log"> };
const log = threadLog;
logUnhandledRejections();

try {
  const etcd = await connectEtcd(connection);
  const w = new SimulationWorker(etcd, { ...worker, log });
  await w.start();
  parentPort!.postMessage({ started: true });
  parentPort!.on("message", (m: { stop?: boolean }) => {
    if (m.stop !== true) return;
    void w.stop().finally(() => {
      etcd.close();
      parentPort!.postMessage({ stopped: true });
    });
  });
} catch (e) {
  parentPort!.postMessage({ failed: errorText(e) });
}
