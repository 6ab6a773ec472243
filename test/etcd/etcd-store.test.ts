/**
 * The etcd store backend against a real, throwaway etcd (test/helpers/etcd-server.ts): one key
 * per object, as `etcdctl get --prefix` shows them, with resourceVersion = the key's mod
 * revision; a tick that writes more than 128 objects, committed in transactions under etcd's
 * per-transaction limit; a stop and a start on the same etcd that continue the simulation
 * exactly where an uninterrupted one would be; a cluster whose checkpoint and lists exceed one
 * etcd request or answer; and a key changed by another writer, which the next commit refuses
 * to overwrite.
 */
import * as crypto from "node:crypto";
import { createEngine } from "../../src/composition/create-engine.js";
import type { Engine, EngineSnapshot } from "../../src/engine/engine.js";
import { EtcdConflictError, EtcdStore, connectEtcd, etcdConnectionOptions, type EtcdConnection } from "../../src/etcd/index.js";
import { generateCluster } from "../../src/generate/cluster-generator.js";
import { loadFromEtcd, writeCheckpoint } from "../../src/etcd/checkpoint.js";
import { KeyLayout } from "../../src/etcd/keys.js";
import type { EtcdCall } from "../../src/etcd/ranges.js";
import { describeWithEtcd, startEtcd, type TestEtcd } from "../helpers/etcd-server.js";

const CLUSTER = `
apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: esx-01}
spec: {capacity: 8Gi}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: web-1, labels: {app: web}}
spec: {hostName: esx-01, memory: 6Gi, workload: {allocated: 90%, active: 80%}}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: db-1, namespace: team-a}
spec: {hostName: esx-01, memory: 6Gi, workload: {allocated: 90%, active: 80%}}
`;

/** A snapshot with what only differs by backend taken out: every resourceVersion and the store's counter. */
function comparable(snapshot: EngineSnapshot): unknown {
  return {
    ...snapshot,
    store: {
      uidCounter: snapshot.store.uidCounter,
      objects: snapshot.store.objects.map((o) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } })),
    },
  };
}

describeWithEtcd("etcd store", () => {
  let etcd: TestEtcd;
  let prefixes = 0;
  const open: { store: EtcdStore; connection: EtcdConnection }[] = [];
  beforeAll(async () => void (etcd = await startEtcd()));
  afterAll(async () => {
    for (const o of open) o.connection.close();
    await etcd?.destroy();
  });

  const freshPrefix = (): string => `/store-test-${++prefixes}`;
  /** Opens `engine` on `prefix`; the status and checkpoint periods are long, so only the test's commits write. */
  const openOn = async (engine: Engine, prefix: string, maxOpsPerTxn?: number): Promise<EtcdStore> => {
    const connection = await connectEtcd(etcdConnectionOptions({ store: etcd.url, etcdPrefix: prefix }, {}));
    const store = await EtcdStore.open(connection, engine, { statusPeriodMs: 600_000, checkpointPeriodMs: 600_000, maxOpsPerTxn });
    open.push({ store, connection });
    return store;
  };
  const closeStore = async (store: EtcdStore): Promise<void> => {
    await store.close();
    open.find((o) => o.store === store)!.connection.close();
  };

  test("one key per object under the prefix; the value holds spec and status, and resourceVersion is the key's mod revision", async () => {
    const prefix = freshPrefix();
    const engine = createEngine({ seed: 2 });
    engine.apply(CLUSTER);
    const store = await openOn(engine, prefix);
    engine.step(3);
    await store.commit();
    const keys = etcd.etcdctl(["get", "--prefix", `${prefix}/objects/`, "--keys-only"]).split("\n").filter((l) => l !== "");
    const objectKeys = [
      `${prefix}/objects/hosts/-/esx-01`,
      `${prefix}/objects/virtualmachines/default/web-1`,
      `${prefix}/objects/virtualmachines/team-a/db-1`,
    ];
    expect(keys.filter((k) => !k.includes("/events/"))).toEqual(objectKeys);
    expect(keys.filter((k) => k.includes("/events/")).length).toBe(engine.store.list("Event").length);
    expect(keys.length).toBe(3 + engine.store.list("Event").length);
    const engineKeys = etcd.etcdctl(["get", "--prefix", `${prefix}/engine/`, "--keys-only"]).split("\n").filter((l) => l !== "");
    expect(engineKeys).toEqual([`${prefix}/engine/checkpoint`, expect.stringMatching(new RegExp(`^${prefix}/engine/checkpoint-parts/\\d+/000000$`))]);

    const answer = JSON.parse(etcd.etcdctl(["get", `${prefix}/objects/virtualmachines/default/web-1`, "-w", "json"]));
    const kv = answer.kvs[0];
    const value = JSON.parse(Buffer.from(kv.value, "base64").toString());
    expect(value.metadata.resourceVersion).toBeUndefined();
    const cached = engine.store.get("VirtualMachine", "web-1", "default")!;
    expect(cached.metadata.resourceVersion).toBe(String(kv.mod_revision));
    expect(value.spec).toEqual(cached.spec);
    expect(value.status).toEqual(cached.status);
    expect(value.status.phase).toBe("Running");
    const listed = await store.list("VirtualMachine");
    expect(listed.objects.map((o) => `${o.metadata.namespace}/${o.metadata.name}@${o.metadata.resourceVersion}`)).toEqual(
      engine.store.list("VirtualMachine").map((o) => `${o.metadata.namespace}/${o.metadata.name}@${o.metadata.resourceVersion}`),
    );
    await closeStore(store);
  });

  test("a tick that writes more than 128 objects is committed in transactions of at most 128 operations", async () => {
    const prefix = freshPrefix();
    const engine = createEngine({ seed: 4 });
    engine.apply(generateCluster({ hosts: 6, vmsPerHost: 30, seed: 4 }));
    const store = await openOn(engine, prefix);
    const first = await store.commit(); // the first start wrote the objects already
    expect(first.writes).toBe(0);
    engine.step(1);
    const before = store.revision;
    const tick = await store.commit();
    expect(tick.writes).toBeGreaterThan(128);
    expect(tick.transactions).toBe(Math.ceil(tick.writes / 128));
    expect(tick.revision).toBe(before + tick.transactions);
    // every VM's status as the tick left it is in etcd
    const listed = await store.list("VirtualMachine");
    expect(listed.objects).toHaveLength(180);
    for (const o of listed.objects) expect(o).toEqual(engine.store.get("VirtualMachine", o.metadata.name, o.metadata.namespace));
    await closeStore(store);

    // the per-transaction limit is configurable (etcd's --max-txn-ops)
    const small = createEngine({ seed: 4 });
    small.apply(generateCluster({ hosts: 1, vmsPerHost: 10, seed: 4 }));
    const chunked = await openOn(small, freshPrefix(), 4);
    small.step(1);
    const result = await chunked.commit();
    expect(result.transactions).toBe(Math.ceil(result.writes / 4));
    await closeStore(chunked);
  });

  test("stopping and starting on the same etcd continues the cluster, the simulated time and the model exactly", async () => {
    const prefix = freshPrefix();
    const reference = createEngine({ seed: 9 });
    reference.apply(CLUSTER);
    reference.step(40);

    const first = createEngine({ seed: 9 });
    first.apply(CLUSTER);
    const store = await openOn(first, prefix);
    first.step(25);
    await closeStore(store); // commits and checkpoints

    const second = createEngine({ seed: 1 }); // the checkpoint's seed wins
    const reopened = await openOn(second, prefix);
    expect(second.tick).toBe(25);
    expect(second.options.seed).toBe(9);
    second.step(15);
    expect(comparable(second.snapshot())).toEqual(comparable(reference.snapshot()));
    await closeStore(reopened);
  });

  test("a cluster bigger than one etcd request or answer: the checkpoint goes in parts, lists and the load read in pages", async () => {
    const prefix = freshPrefix();
    const first = createEngine({ seed: 6 });
    first.apply(generateCluster({ hosts: 20, vmsPerHost: 100, seed: 6 }));
    const store = await openOn(first, prefix);
    first.step(3);
    await closeStore(store);
    const parts = etcd.etcdctl(["get", "--prefix", `${prefix}/engine/checkpoint-parts/`, "--keys-only"]).split("\n").filter((l) => l !== "");
    expect(parts.length).toBeGreaterThanOrEqual(1);
    expect(new Set(parts.map((k) => k.split("/").slice(0, -1).join("/"))).size).toBe(1); // only the newest generation is kept
    expect(JSON.parse(etcd.etcdctl(["get", `${prefix}/engine/checkpoint`, "--print-value-only"]))).toMatchObject({ encoding: "deflate-raw" }); // ≈ 4 MB of JSON, deflated

    const second = createEngine({ seed: 6 });
    const reopened = await openOn(second, prefix);
    expect(JSON.stringify(comparable(second.snapshot()))).toBe(JSON.stringify(comparable(first.snapshot())));
    const listed = await reopened.list("VirtualMachine");
    expect(listed.objects).toHaveLength(2000);
    expect(listed.objects.map((o) => o.metadata.name)).toEqual(second.store.list("VirtualMachine").map((o) => o.metadata.name));
    second.step(1);
    await closeStore(reopened);
  });

  test("a checkpoint over 4 MiB even deflated is written in parts and read a few at a time; one written before deflating still loads", async () => {
    const prefix = freshPrefix();
    const connection = await connectEtcd(etcdConnectionOptions({ store: etcd.url, etcdPrefix: prefix }, {}));
    try {
      const call: EtcdCall = (_, fn) => fn();
      const keys = new KeyLayout(prefix);
      // random bytes do not deflate: 6 MiB of them, as base64 in a JSON text, stay over 4 MiB
      const noise = crypto.randomBytes(6 * 1024 * 1024).toString("base64");
      await writeCheckpoint(connection.client, call, keys, JSON.stringify({ noise }), 1);
      const parts = etcd.etcdctl(["get", "--prefix", `${prefix}/engine/checkpoint-parts/`, "--keys-only"]).split("\n").filter((l) => l !== "");
      expect(parts.length).toBeGreaterThan(4);
      expect(((await loadFromEtcd(connection.client, call, keys)).checkpoint as unknown as { noise: string }).noise).toBe(noise);
      // the format before: plain JSON parts, a head without an encoding
      etcd.etcdctl(["put", keys.checkpointPart(2, 0), JSON.stringify({ old: true })]);
      etcd.etcdctl(["put", `${prefix}/engine/checkpoint`, JSON.stringify({ generation: 2, parts: 1 })]);
      expect((await loadFromEtcd(connection.client, call, keys)).checkpoint).toEqual({ old: true });
    } finally {
      connection.close();
    }
  });

  test("a key another writer changed is not overwritten: the commit fails with a conflict naming it, and writes nothing", async () => {
    const prefix = freshPrefix();
    const engine = createEngine({ seed: 2 });
    engine.apply(CLUSTER);
    const store = await openOn(engine, prefix);
    const key = `${prefix}/objects/virtualmachines/default/web-1`;
    const theirs = etcd.etcdctl(["get", key, "--print-value-only"]).trim().replace('"memory":"6Gi"', '"memory":"5Gi"');
    etcd.etcdctl(["put", key, theirs]);
    const hostBefore = etcd.etcdctl(["get", `${prefix}/objects/hosts/-/esx-01`, "-w", "json"]);
    engine.step(2); // writes web-1's status (and the host's) in one transaction
    const err = await store.commit().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EtcdConflictError);
    expect((err as Error).message).toContain(key);
    expect(etcd.etcdctl(["get", key, "--print-value-only"]).trim()).toBe(theirs);
    expect(JSON.parse(etcd.etcdctl(["get", `${prefix}/objects/hosts/-/esx-01`, "-w", "json"])).kvs).toEqual(JSON.parse(hostBefore).kvs);
    open.find((o) => o.store === store)!.connection.close();
  });
});
