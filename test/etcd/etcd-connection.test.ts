/**
 * The etcd connection against a real, throwaway etcd (test/helpers/etcd-server.ts): plain, TLS
 * with a CA and a client certificate, user/password auth; each failure (unreachable, wrong CA,
 * plain client to a TLS server, wrong password, no permission) answered by one paragraph naming
 * the problem and no password; and a connection that lives through an etcd restart — calls fail
 * fast with the clear error while etcd is down and go through again after it is back.
 */
import { connectEtcd } from "../../src/etcd/connection.js";
import { etcdConnectionOptions, type EtcdConnectionOptions } from "../../src/etcd/options.js";
import { EtcdUnavailableError } from "../../src/etcd/errors.js";
import { describeWithEtcd, freePort, startEtcd, type TestEtcd } from "../helpers/etcd-server.js";

/** The error `promise` rejects with (fails when it resolves). */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a failure");
}

describeWithEtcd("etcd connection (plain)", () => {
  let etcd: TestEtcd;
  beforeAll(async () => {
    etcd = await startEtcd();
  });
  afterAll(async () => etcd?.destroy());

  test("connects, reads and writes under the prefix", async () => {
    const conn = await connectEtcd(etcdConnectionOptions({ store: etcd.url }, {}));
    try {
      await conn.guard.call("write a key", () => conn.client.put("/memplane/probe").value("ok").exec());
      expect(await conn.guard.call("read a key", () => conn.client.get("/memplane/probe").string())).toBe("ok");
      expect(etcd.etcdctl(["get", "/memplane/probe", "--print-value-only"]).trim()).toBe("ok");
    } finally {
      conn.close();
    }
  });

  test("nobody listening: a bounded, clear 'cannot reach' error", async () => {
    const port = await freePort();
    const err = await failure(connectEtcd({ ...etcdConnectionOptions({ store: `etcd://127.0.0.1:${port}` }, {}), probeTimeoutMs: 3000 }));
    expect(err).toBeInstanceOf(EtcdUnavailableError);
    expect((err as EtcdUnavailableError).problem).toMatch(/unreachable|timeout/);
    expect(err.message).toContain(`etcd://127.0.0.1:${port}`);
    expect(err.message).toMatch(/at start-up/);
  });

  test("a connection lives through an etcd restart: fast clear errors while down, calls go through after", async () => {
    const changes: string[] = [];
    const conn = await connectEtcd({ ...etcdConnectionOptions({ store: etcd.url }, {}), callTimeoutMs: 2000 }, (up, error) =>
      changes.push(up ? "up" : `down: ${error?.message}`),
    );
    try {
      await conn.guard.call("write", () => conn.client.put("/memplane/a").value("1").exec());
      await etcd.stop();
      const first = await failure(conn.guard.call("read /memplane/a", () => conn.client.get("/memplane/a").string()));
      expect(first).toBeInstanceOf(EtcdUnavailableError);
      expect(first.message).toContain(etcd.url);
      expect(conn.guard.up).toBe(false);
      // While down, calls fail at once without touching etcd.
      let touched = false;
      const second = await failure(
        conn.guard.call("read /memplane/a", async () => {
          touched = true;
          return "";
        }),
      );
      expect(touched).toBe(false);
      expect(second.message).toMatch(/^etcd at etcd:\/\/127\.0\.0\.1:\d+ is unavailable \(.+\): cannot read \/memplane\/a until it is back; memplane reconnects with back-off up to 5 s$/);
      await etcd.start();
      await conn.guard.whenUp();
      expect(await conn.guard.call("read", () => conn.client.get("/memplane/a").string())).toBe("1");
      expect(changes.map((c) => c.split(":")[0])).toEqual(["down", "up"]);
    } finally {
      conn.close();
    }
  });
});

describeWithEtcd("etcd connection (endpoints and hangs)", () => {
  let etcd: TestEtcd;
  beforeAll(async () => {
    etcd = await startEtcd();
  });
  afterAll(async () => {
    etcd?.thaw();
    await etcd?.destroy();
  });

  test("with several endpoints, one dead member does not stop the connection", async () => {
    const dead = await freePort();
    const conn = await connectEtcd(etcdConnectionOptions({ store: `etcd://127.0.0.1:${dead},${etcd.endpoint}` }, {}));
    try {
      for (let i = 0; i < 5; i++) await conn.guard.call("write", () => conn.client.put(`/memplane/multi-${i}`).value("ok").exec());
      expect(etcd.etcdctl(["get", "--prefix", "/memplane/multi-", "--keys-only"]).split("\n").filter((k) => k !== "")).toHaveLength(5);
    } finally {
      conn.close();
    }
  });

  test("a hung etcd (frozen, port still open): the call ends at its deadline with a timeout, it does not hang", async () => {
    const conn = await connectEtcd({ ...etcdConnectionOptions({ store: etcd.url }, {}), callTimeoutMs: 1000 });
    try {
      await etcd.freeze();
      const err = await failure(conn.guard.call("read /memplane/x", () => conn.client.get("/memplane/x").string()));
      expect(err).toBeInstanceOf(EtcdUnavailableError);
      expect((err as EtcdUnavailableError).problem).toBe("timeout");
      expect(err.message).toMatch(/^etcd at etcd:\/\/127\.0\.0\.1:\d+ is unavailable \(.*\): cannot read \/memplane\/x until it is back/);
      etcd.thaw();
      await conn.guard.whenUp();
      expect(await conn.guard.call("read", () => conn.client.get("/memplane/x").string())).toBeNull();
    } finally {
      etcd.thaw();
      conn.close();
    }
  });
});

describeWithEtcd("etcd connection (TLS)", () => {
  let etcd: TestEtcd;
  beforeAll(async () => {
    etcd = await startEtcd({ tls: true });
  });
  afterAll(async () => etcd?.destroy());

  const tlsOptions = (ca: string): EtcdConnectionOptions => ({
    ...etcdConnectionOptions({ store: etcd.url, etcdCa: ca, etcdCert: etcd.certificates!.clientCert, etcdKey: etcd.certificates!.clientKey }, {}),
    probeTimeoutMs: 4000,
  });

  test("etcds:// with the CA and a client certificate connects", async () => {
    expect(etcd.url).toMatch(/^etcds:\/\//);
    const conn = await connectEtcd(tlsOptions(etcd.certificates!.ca));
    try {
      await conn.guard.call("write", () => conn.client.put("/memplane/tls").value("yes").exec());
      expect(etcd.etcdctl(["get", "/memplane/tls", "--print-value-only"]).trim()).toBe("yes");
    } finally {
      conn.close();
    }
  });

  test("a CA that did not sign the server's certificate fails the handshake, named as TLS", async () => {
    const err = await failure(connectEtcd(tlsOptions(etcd.certificates!.otherCa)));
    expect(err).toBeInstanceOf(EtcdUnavailableError);
    expect((err as EtcdUnavailableError).problem).toBe("tls");
    expect(err.message).toMatch(/^the TLS handshake with etcd at etcds:\/\/127\.0\.0\.1:\d+ failed at start-up \(.+\); check .*--etcd-ca/);
  });

  test("a plain etcd:// client against the TLS server fails clearly", async () => {
    const err = await failure(connectEtcd({ ...etcdConnectionOptions({ store: `etcd://${etcd.endpoint}` }, {}), probeTimeoutMs: 3000 }));
    expect(err).toBeInstanceOf(EtcdUnavailableError);
    expect(err.message).toMatch(/etcds:\/\/ for TLS/);
  });
});

describeWithEtcd("etcd connection (user and password)", () => {
  const password = "pw-Zq81-never-printed";
  let etcd: TestEtcd;
  beforeAll(async () => {
    etcd = await startEtcd({ auth: { user: "memplane", password, prefix: "/memplane" } });
  });
  afterAll(async () => etcd?.destroy());

  test("the right password connects and may write under the prefix", async () => {
    const conn = await connectEtcd(etcdConnectionOptions({ store: etcd.url, etcdUser: "memplane" }, { MEMPLANE_ETCD_PASSWORD: password }));
    try {
      await conn.guard.call("write", () => conn.client.put("/memplane/auth").value("ok").exec());
      expect(etcd.etcdctl(["get", "/memplane/auth", "--print-value-only"]).trim()).toBe("ok");
    } finally {
      conn.close();
    }
  });

  test("a wrong password fails as a refused login, and no message carries the password", async () => {
    const wrongPassword = `${password}-typo`;
    const err = await failure(connectEtcd(etcdConnectionOptions({ store: etcd.url, etcdUser: "memplane" }, { MEMPLANE_ETCD_PASSWORD: wrongPassword })));
    expect(err).toBeInstanceOf(EtcdUnavailableError);
    expect((err as EtcdUnavailableError).problem).toBe("auth");
    expect(err.message).toMatch(/refused the login as user "memplane" at start-up: wrong user name or password/);
    expect(`${err.message}\n${err.stack}\n${JSON.stringify(err)}`).not.toContain(password);
  });

  test("no user at all: told that etcd requires authentication", async () => {
    const err = await failure(connectEtcd(etcdConnectionOptions({ store: etcd.url }, {})));
    expect(err).toBeInstanceOf(EtcdUnavailableError);
    expect((err as EtcdUnavailableError).problem).toBe("auth");
  });

  test("a prefix outside the user's role: permission denied, with the etcdctl fix", async () => {
    const err = await failure(connectEtcd(etcdConnectionOptions({ store: etcd.url, etcdUser: "memplane", etcdPrefix: "/other" }, { MEMPLANE_ETCD_PASSWORD: password })));
    expect((err as EtcdUnavailableError).problem).toBe("permission");
    expect(err.message).toMatch(/grant-permission ROLE --prefix=true readwrite \/other/);
    expect(err.message).not.toContain(password);
  });
});

describeWithEtcd("etcd connection (quota)", () => {
  let etcd: TestEtcd;
  beforeAll(async () => {
    etcd = await startEtcd({ extraArgs: ["--quota-backend-bytes=1048576"] });
  });
  afterAll(async () => etcd?.destroy());

  test("a full etcd (NOSPACE alarm) is named as such, with the operator's fix", async () => {
    const conn = await connectEtcd(etcdConnectionOptions({ store: etcd.url }, {}));
    try {
      const value = "x".repeat(100_000);
      let err: Error | undefined;
      // etcd checks the quota against the database size it last committed, so it may take a few more writes than 1 MiB.
      for (let i = 0; i < 300 && err === undefined; i++) {
        err = await conn.guard.call("write a status", () => conn.client.put(`/memplane/big-${i}`).value(value).exec()).then(
          () => undefined,
          (e: Error) => e,
        );
      }
      expect(err).toBeInstanceOf(EtcdUnavailableError);
      expect((err as EtcdUnavailableError).problem).toBe("quota");
      expect(err!.message).toMatch(/is out of space while trying to write a status: .*etcdctl alarm disarm/);
      // Not a connection problem: the guard does not start reconnecting, reads still work.
      expect(conn.guard.up).toBe(true);
      expect(await conn.guard.call("read", () => conn.client.get("/memplane/big-0").string())).toBe(value);
    } finally {
      conn.close();
    }
  });
});
