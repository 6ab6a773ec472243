/** The simulation worker `serve --store etcd://…` runs on a thread of its own (local-worker-thread.ts). */
import { Worker } from "node:worker_threads";
import type { EtcdConnectionOptions } from "../options.js";
import type { SimulationWorkerOptions } from "./worker.js";

/** A running local worker. */
export interface LocalWorker {
  /** Hands its shards back with checkpoints and ends the thread. */
  stop(): Promise<void>;
}

/** Starts the local worker; resolves once it has joined (rejects with why it could not). */
export function startLocalWorker(connection: EtcdConnectionOptions, worker: Omit<SimulationWorkerOptions, "log">): Promise<LocalWorker> {
  const thread = new Worker(new URL("./local-worker-thread.js", import.meta.url), { workerData: { connection, worker }, name: "memplane local worker" });
  return new Promise((resolve, reject) => {
    const onMessage = (m: { started?: boolean; failed?: string }): void => {
      if (m.failed !== undefined) {
        void thread.terminate();
        reject(new Error(`the local simulation worker could not start: ${m.failed}`));
        return;
      }
      if (m.started !== true) return;
      thread.off("message", onMessage);
      resolve({
        stop: () =>
          new Promise<void>((done) => {
            const timer = setTimeout(() => void thread.terminate().then(() => done()), 10_000);
            thread.on("message", (s: { stopped?: boolean }) => {
              if (s.stopped !== true) return;
              clearTimeout(timer);
              void thread.terminate().then(() => done());
            });
            thread.postMessage({ stop: true });
          }),
      });
    };
    thread.on("message", onMessage);
    thread.once("error", (e) => reject(e));
  });
}
