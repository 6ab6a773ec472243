/**
 * The server's two store backends for tests that must hold for both (parametrised, not copied):
 * the file-backed engine, and the engine kept in a throwaway etcd (test/helpers/etcd-server.ts)
 * under a fresh prefix per server. Tests that change the engine directly call `settle()` before
 * they expect a client to see the change: with etcd, that commits it as an API write would
 * (the status period would do it within 20 ms anyway).
 */
import type { Engine } from "../../src/engine/engine.js";
import { EtcdStore, connectEtcd, etcdConnectionOptions, type EtcdConnection } from "../../src/etcd/index.js";
import { startServer, type RunningServer, type ServerOptions } from "../../src/server/index.js";
import { etcdTestPlan, startEtcd, type TestEtcd } from "../helpers/etcd-server.js";

/** One backend's way to start, settle and expire a server's history. */
export interface StoreBackend {
  readonly name: "file" | "etcd";
  /** Starts a server on `engine` (with etcd: written to a fresh prefix first). */
  start(engine: Engine, options: Omit<ServerOptions, "engine">): Promise<RunningServer>;
  /** Makes what the test did to the engine directly visible to clients. */
  settle(): Promise<void>;
  /** The resourceVersion of the store's newest change (etcd: its current revision). */
  resourceVersion(engine: Engine): number;
  /** Forgets the history before now, so a watch from an older resourceVersion is 410 (file: through the `watchHistoryEvents` limit the test set). */
  expireHistory(): Promise<void>;
  /** Closes the server and what it holds. */
  stop(): Promise<void>;
  /** The etcd under the server (etcd backend only). */
  readonly etcd?: TestEtcd;
}

function fileBackend(): StoreBackend {
  let server: RunningServer | undefined;
  return {
    name: "file",
    async start(engine, options) {
      return (server = await startServer({ ...options, engine }));
    },
    settle: async () => undefined,
    resourceVersion: (engine) => (engine as unknown as { resources: { resourceVersion: number } }).resources.resourceVersion,
    expireHistory: async () => undefined,
    async stop() {
      await server?.close();
    },
  };
}

let prefixes = 0;

function etcdBackend(etcd: () => TestEtcd): StoreBackend {
  let server: RunningServer | undefined;
  let store: EtcdStore | undefined;
  let connection: EtcdConnection | undefined;
  return {
    name: "etcd",
    get etcd() {
      return etcd();
    },
    async start(engine, options) {
      connection = await connectEtcd(etcdConnectionOptions({ store: etcd().url, etcdPrefix: `/test-${process.pid}-${++prefixes}` }, {}));
      store = await EtcdStore.open(connection, engine, { statusPeriodMs: 20, checkpointPeriodMs: 60_000 });
      return (server = await startServer({ ...options, engine, etcd: store }));
    },
    async settle() {
      await store!.commit();
    },
    resourceVersion: () => Number(JSON.parse(etcd().etcdctl(["get", "/", "-w", "json"])).header.revision),
    async expireHistory() {
      await store!.commit();
      etcd().etcdctl(["compact", String(store!.revision)]);
    },
    async stop() {
      try {
        await server?.close();
        await store?.close();
      } finally {
        connection?.close();
      }
    },
  };
}

/**
 * `describe.each` over the backends: the file-backed server always; the etcd-backed one with a
 * throwaway etcd started once for the suite (skipped without etcd outside CI, failing in CI).
 */
export function describeEachBackend(name: string, body: (backend: () => StoreBackend) => void): void {
  describe(`${name} [file]`, () => {
    let backend: StoreBackend;
    beforeEach(() => void (backend = fileBackend()));
    afterEach(async () => backend.stop());
    body(() => backend);
  });
  const plan = etcdTestPlan();
  if (!plan.run && plan.skip) {
    describe.skip(`${name} [etcd: skipped: ${plan.why}]`, () => body(() => undefined as never));
    return;
  }
  describe(`${name} [etcd]`, () => {
    if (!plan.run) {
      test("needs etcd", () => {
        throw new Error(plan.why);
      });
      return;
    }
    let etcd: TestEtcd;
    let backend: StoreBackend;
    beforeAll(async () => void (etcd = await startEtcd()));
    afterAll(async () => etcd?.destroy());
    beforeEach(() => void (backend = etcdBackend(() => etcd)));
    afterEach(async () => backend.stop());
    body(() => backend);
  });
}
