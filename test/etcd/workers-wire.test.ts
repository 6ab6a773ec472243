/**
 * The simulation workers' values in a real etcd (etcd/workers/wire.ts, keys.ts): a value over
 * etcd's request limit, even deflated, goes in parts and comes back whole, typed arrays and
 * Infinity included; a small value stays inline; a
 * write fenced on an owner key fails once another worker holds the key; the key layout parses
 * back.
 */
import * as crypto from "node:crypto";
import { connectEtcd, etcdConnectionOptions, type EtcdConnection } from "../../src/etcd/index.js";
import { MAX_REQUEST_VALUE_BYTES } from "../../src/etcd/ranges.js";
import { pad, SimKeys } from "../../src/etcd/workers/keys.js";
import { decode, encode, FenceLostError, putValue, readValue } from "../../src/etcd/workers/wire.js";
import { describeWithEtcd, startEtcd, type TestEtcd } from "../helpers/etcd-server.js";

describeWithEtcd("simulation workers' values in etcd", () => {
  let etcd: TestEtcd;
  let connection: EtcdConnection;
  const keys = new SimKeys("/wire");
  beforeAll(async () => {
    etcd = await startEtcd();
    connection = await connectEtcd(etcdConnectionOptions({ store: etcd.url, etcdPrefix: "/wire" }, {}));
  });
  afterAll(async () => {
    connection?.close();
    await etcd?.destroy();
  });

  it("writes a 3 MiB value in parts and reads it back whole", async () => {
    // random bytes do not deflate: 3 MiB of them still need parts
    const big = { noise: new Uint8Array(crypto.randomBytes(3 * 1024 * 1024)), numbers: new Float64Array(400_000).map((_, i) => i / 3), limit: Infinity, text: "x".repeat(100_000) };
    const key = keys.outbox(1, 2) + pad(7);
    const bytes = encode(big);
    await putValue(connection.client, key, keys.parts(1, 2, "out", 7), bytes, undefined);
    const parts = await connection.client.getAll().prefix(keys.parts(1, 2, "out", 7)).keys();
    expect(parts.length).toBeGreaterThanOrEqual(3);
    expect(parts.length).toBeLessThanOrEqual(Math.ceil(bytes.length / MAX_REQUEST_VALUE_BYTES));
    const stored = (await connection.client.get(key).buffer())!;
    const back = decode<typeof big>(await readValue(connection.client, stored));
    expect(back.limit).toBe(Infinity);
    expect(back.text).toBe(big.text);
    expect(Array.from(back.numbers.subarray(399_990))).toEqual(Array.from(big.numbers.subarray(399_990)));
    expect(Buffer.from(back.noise).equals(Buffer.from(big.noise))).toBe(true);
    expect(keys.parse(key)).toEqual({ run: 1, kind: "out", shard: 2, seq: 7 });
    // a small value is one key
    await putValue(connection.client, key, keys.parts(1, 2, "out", 7), encode({ small: [1, 2] }), undefined);
    expect(decode(await readValue(connection.client, (await connection.client.get(key).buffer())!))).toEqual({ small: [1, 2] });
  });

  it("refuses a write fenced on an owner key another worker now holds", async () => {
    const owner = keys.owner(1, 0);
    await connection.client.put(owner).value("w1");
    const fence = { key: owner, value: "w1" };
    await putValue(connection.client, keys.outbox(1, 0) + pad(1), keys.parts(1, 0, "out", 1), encode("first"), fence);
    await connection.client.put(owner).value("w2");
    await expect(putValue(connection.client, keys.outbox(1, 0) + pad(2), keys.parts(1, 0, "out", 2), encode("late"), fence)).rejects.toBeInstanceOf(FenceLostError);
    expect(await connection.client.get(keys.outbox(1, 0) + pad(2)).buffer()).toBeNull();
    expect(keys.parse(owner)).toEqual({ run: 1, kind: "owner", shard: 0, seq: 0 });
  });
});
