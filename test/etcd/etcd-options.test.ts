/**
 * The etcd connection options as a user writes them: `--store etcd://…`/`etcds://…`, the prefix,
 * TLS files and user/password (never on the command line), each wrong combination answered by one
 * sentence that says what to write instead and never echoes a password.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EtcdOptionsError, etcdConnectionOptions, normalisePrefix, parseEtcdUrl, passwordFileWarning, redact } from "../../src/etcd/options.js";
import { backoffDelay } from "../../src/etcd/guard.js";
import { EtcdUnavailableError } from "../../src/etcd/errors.js";
import { toHttpError } from "../../src/server/answers.js";
import { Command } from "commander";
import { addEtcdOptions, etcdOptionsFromFlags } from "../../src/cli/etcd-options.js";
import { UsageError } from "../../src/cli/errors.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "memplane-etcd-opts-"));
const file = (name: string, text: string): string => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const wrong = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(EtcdOptionsError);
    return (err as Error).message;
  }
  throw new Error("expected an EtcdOptionsError");
};

describe("parseEtcdUrl", () => {
  test("one or more HOST:PORT endpoints; etcds:// selects TLS", () => {
    expect(parseEtcdUrl("etcd://127.0.0.1:2379")).toEqual({ endpoints: ["127.0.0.1:2379"], tls: false });
    expect(parseEtcdUrl("etcds://a.example:2379, b.example:2379,[::1]:2379/")).toEqual({
      endpoints: ["a.example:2379", "b.example:2379", "[::1]:2379"],
      tls: true,
    });
  });

  test("other schemes, missing ports and bad ports are refused with the expected shape", () => {
    expect(wrong(() => parseEtcdUrl("http://127.0.0.1:2379"))).toMatch(/not an etcd URL; expected etcd:\/\/HOST:PORT/);
    expect(wrong(() => parseEtcdUrl("etcd://127.0.0.1"))).toMatch(/"127.0.0.1" is not HOST:PORT/);
    expect(wrong(() => parseEtcdUrl("etcd://h:70000"))).toMatch(/not HOST:PORT/);
    expect(wrong(() => parseEtcdUrl("etcd://a:1,,b:2"))).toMatch(/"" is not HOST:PORT/);
  });

  test("credentials in the URL are refused without echoing the password", () => {
    const message = wrong(() => parseEtcdUrl("etcd://root:hunter2@127.0.0.1:2379"));
    expect(message).toMatch(/--etcd-user .*MEMPLANE_ETCD_PASSWORD/);
    expect(message).not.toContain("hunter2");
  });
});

describe("etcdConnectionOptions", () => {
  test("defaults: prefix /memplane, no TLS, no user", () => {
    expect(etcdConnectionOptions({ store: "etcd://127.0.0.1:2379" }, {})).toEqual({ endpoints: ["127.0.0.1:2379"], tls: false, prefix: "/memplane" });
  });

  test("the prefix is normalised and checked", () => {
    expect(normalisePrefix("/lab/a/")).toBe("/lab/a");
    expect(wrong(() => normalisePrefix("memplane"))).toMatch(/must be a key path like \/memplane/);
    expect(wrong(() => normalisePrefix("/a//b"))).toMatch(/key path/);
    expect(wrong(() => normalisePrefix("/"))).toMatch(/key path/);
  });

  test("TLS files need etcds://, and a client certificate needs its key", () => {
    const ca = file("ca.crt", "x");
    expect(wrong(() => etcdConnectionOptions({ store: "etcd://h:1", etcdCa: ca }, {}))).toMatch(/--etcd-ca given with the plain URL etcd:\/\/h:1; use etcds:\/\//);
    expect(wrong(() => etcdConnectionOptions({ store: "etcds://h:1", etcdCert: ca }, {}))).toMatch(/--etcd-cert and --etcd-key go together/);
    expect(wrong(() => etcdConnectionOptions({ store: "etcds://h:1", etcdCa: path.join(dir, "missing.crt") }, {}))).toMatch(/--etcd-ca .*missing.crt: no such readable file/);
    expect(etcdConnectionOptions({ store: "etcds://h:1", etcdCa: ca, etcdCert: ca, etcdKey: ca }, {})).toMatchObject({ tls: true, caFile: ca, certFile: ca, keyFile: ca });
  });

  test("the password comes from --etcd-password-file (first line) or MEMPLANE_ETCD_PASSWORD, never a flag", () => {
    const pw = file("pw", "s3cret-file\nignored\n");
    expect(etcdConnectionOptions({ store: "etcd://h:1", etcdUser: "memplane", etcdPasswordFile: pw }, { MEMPLANE_ETCD_PASSWORD: "from-env" })).toMatchObject({
      user: "memplane",
      password: "s3cret-file",
    });
    expect(etcdConnectionOptions({ store: "etcd://h:1", etcdUser: "memplane" }, { MEMPLANE_ETCD_PASSWORD: "from-env" })).toMatchObject({ password: "from-env" });
    expect(wrong(() => etcdConnectionOptions({ store: "etcd://h:1", etcdUser: "memplane" }, {}))).toMatch(/needs a password: set MEMPLANE_ETCD_PASSWORD or give --etcd-password-file/);
    expect(wrong(() => etcdConnectionOptions({ store: "etcd://h:1", etcdPasswordFile: pw }, {}))).toMatch(/--etcd-password-file needs --etcd-user/);
  });
});

test("reconnect back-off doubles from 250 ms to a 5 s cap", () => {
  expect([0, 1, 2, 3, 4, 5, 10, 100].map((a) => backoffDelay(a))).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
});

test("redact replaces every occurrence of every secret", () => {
  expect(redact("pw=abc; again abc", ["abc", undefined, ""])).toBe("pw=***; again ***");
});

test("the API server answers an etcd outage with 503 ServiceUnavailable and the message as is", () => {
  const err = toHttpError(new EtcdUnavailableError("unreachable", "cannot reach etcd at etcd://127.0.0.1:2379 while trying to list hosts", "connect ECONNREFUSED"));
  expect(err.toStatus()).toMatchObject({ code: 503, reason: "ServiceUnavailable", message: "cannot reach etcd at etcd://127.0.0.1:2379 while trying to list hosts" });
});

test("the CLI's --etcd-* flags become connection options; a wrong combination is a usage error (exit 2)", () => {
  const pw = file("cli-pw", "from-file\n");
  const cmd = addEtcdOptions(new Command("x").exitOverride()).option("--store <url>");
  cmd.parse(["--store", "etcd://127.0.0.1:2379", "--etcd-user", "memplane", "--etcd-password-file", pw], { from: "user" });
  const { store, ...flags } = cmd.opts<{ store: string }>();
  expect(etcdOptionsFromFlags(store, flags, {})).toEqual({ endpoints: ["127.0.0.1:2379"], tls: false, prefix: "/memplane", user: "memplane", password: "from-file" });
  let caught: unknown;
  try {
    etcdOptionsFromFlags("etcd://127.0.0.1:2379", { etcdPrefix: "/memplane", etcdUser: "memplane" }, {});
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(UsageError);
  expect((caught as UsageError).exitCode).toBe(2);
});

test("a password file others can read is warned about (chmod 600), without the password", () => {
  const pw = file("open-pw", "hunter2-open\n");
  fs.chmodSync(pw, 0o644);
  const warnings: string[] = [];
  etcdOptionsFromFlags("etcd://127.0.0.1:2379", { etcdUser: "memplane", etcdPasswordFile: pw }, {}, (m) => warnings.push(m));
  expect(warnings).toEqual([`etcd password file ${pw} is readable by other users (mode 0644): whoever can read it can log in to etcd as this user; chmod 600 ${pw}`]);
  fs.chmodSync(pw, 0o600);
  expect(passwordFileWarning(pw)).toBeUndefined();
});
