/**
 * A throwaway etcd for tests: {@link startEtcd} runs the machine's `etcd` (Debian's etcd-server
 * package: /usr/bin/etcd, 3.4 here) on random free loopback client and peer ports with a
 * temporary data dir, waits until it answers `/health`, and {@link TestEtcd.destroy} stops it and
 * removes the dir. Options turn on TLS (a CA, a server and a client certificate made with
 * `openssl` in a temp dir, client certificates required) and auth (a `root` user with the root
 * role plus a `memplane` user whose role may read and write the prefix, via `etcdctl`).
 * {@link TestEtcd.stop} / {@link TestEtcd.start} / {@link TestEtcd.restart} take it down and
 * bring it back on the same ports and data dir, for the etcd-restart tests.
 *
 * Every etcd started here is killed when the test process exits, also after a failed test that
 * never reached its `afterAll`. {@link etcdTestPlan} says whether etcd tests run: a missing etcd
 * skips them with the reason outside CI and fails them when `CI` is set (as `.ci/run` sets it;
 * `.ci/run` installs the Debian packages).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { isCi } from "./find-browser.js";
import { installExitHook, live, liveDirs } from "../../bench/exit-reaper.js";
import { freePort } from "../../bench/etcd-process.js";

/** The fix printed when etcd is missing. */
export const ETCD_FIX = "install it (Debian/Ubuntu: apt-get install etcd-server etcd-client) or put etcd and etcdctl on PATH";

/** The etcd and etcdctl executables on PATH (/usr/bin first), or undefined for a missing one. */
export function findEtcd(env: NodeJS.ProcessEnv = process.env): { etcd?: string; etcdctl?: string } {
  const dirs = ["/usr/bin", ...(env.PATH ?? "").split(":").filter((d) => d !== "")];
  const find = (name: string): string | undefined =>
    dirs.map((dir) => path.join(dir, name)).find((file) => {
      try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
      } catch {
        return false;
      }
    });
  return { etcd: find("etcd"), etcdctl: find("etcdctl") };
}

/** What an etcd test does on this machine: run, skip (with why), or fail (CI without etcd). */
export type EtcdTestPlan = { run: true } | { run: false; skip: boolean; why: string };

/** Decides whether etcd tests run: a missing etcd or etcdctl skips them outside CI and fails them in CI. */
export function etcdTestPlan(env: NodeJS.ProcessEnv = process.env): EtcdTestPlan {
  const found = findEtcd(env);
  const missing = [found.etcd ? undefined : "etcd", found.etcdctl ? undefined : "etcdctl"].filter((m) => m !== undefined);
  if (missing.length === 0) return { run: true };
  const why = `${missing.join(" and ")} not found on PATH; ${ETCD_FIX}`;
  return isCi(env) ? { run: false, skip: false, why: `CI is set, so etcd tests may not be skipped: ${why}` } : { run: false, skip: true, why };
}

/**
 * `describe` for a suite that needs a real etcd: runs it, skips it with the reason in its name
 * (and a warning), or — in CI without etcd — replaces it with one failing test naming the fix.
 */
export function describeWithEtcd(name: string, body: () => void): void {
  const plan = etcdTestPlan();
  if (plan.run) describe(name, body);
  else if (plan.skip) {
    console.warn(`${name}: etcd tests are SKIPPED: ${plan.why}`);
    describe.skip(`${name} [skipped: ${plan.why}]`, body);
  } else
    describe(name, () => {
      test("needs etcd", () => {
        throw new Error(plan.why);
      });
    });
}

/** Options of {@link startEtcd}. */
export interface TestEtcdOptions {
  /** Serve clients over TLS with certificates from a fresh test CA, client certificates required. */
  tls?: boolean;
  /** Enable auth: a `root` user and `user` whose role reads and writes keys under `prefix`. */
  auth?: { user: string; password: string; prefix: string };
  /** Extra etcd flags (e.g. `--quota-backend-bytes=…`). */
  extraArgs?: string[];
}

/** Files of the test CA and the certificates it signed. */
export interface TestCertificates {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A second, unrelated CA: a client trusting it must fail the handshake. */
  otherCa: string;
}

/** A running throwaway etcd. */
export interface TestEtcd {
  /** `host:port` of the client listener. */
  readonly endpoint: string;
  /** What `serve --store` takes: `etcd://host:port`, or `etcds://host:port` with TLS. */
  readonly url: string;
  readonly dataDir: string;
  readonly certificates?: TestCertificates;
  /** The root user's password when auth is on. */
  readonly rootPassword?: string;
  /** True while the etcd process is up. */
  running(): boolean;
  /** Runs etcdctl against this etcd (as root when auth is on); returns stdout, throws on failure. */
  etcdctl(args: string[]): string;
  /** Stops etcd (SIGTERM, then SIGKILL after 5 s), keeping its data dir and ports. */
  stop(): Promise<void>;
  /** Starts a stopped etcd again on the same ports and data dir and waits until it is healthy. */
  start(): Promise<void>;
  /**
   * Freezes etcd (SIGSTOP): it keeps its port open but answers nothing, like a hung member.
   * Resolves once every thread has stopped (a group stop is not instant on a loaded machine).
   */
  freeze(): Promise<void>;
  /** Lets a frozen etcd run again (SIGCONT). */
  thaw(): void;
  /** {@link stop} then {@link start}. */
  restart(): Promise<void>;
  /** Stops etcd and removes its temp dirs. Safe to call twice. */
  destroy(): Promise<void>;
}

export { freePort };

function openssl(args: string[], cwd: string): void {
  const result = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${result.stderr || result.error?.message}`);
}

/** A CA, a server certificate for 127.0.0.1/localhost and a client certificate, made with openssl in a temp dir. */
export function makeCertificates(): TestCertificates {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "memplane-etcd-tls-"));
  const ca = (name: string): void => {
    openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.crt`], dir);
  };
  ca("ca");
  ca("other-ca");
  const sign = (name: string, cn: string, ext: string): void => {
    fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
    openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${cn}`, "-keyout", `${name}.key`, "-out", `${name}.csr`], dir);
    openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", `${name}.ext`, "-out", `${name}.crt`], dir);
  };
  sign("server", "localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n");
  sign("client", "memplane", "extendedKeyUsage=clientAuth\n");
  const file = (name: string): string => path.join(dir, name);
  return {
    dir,
    ca: file("ca.crt"),
    serverCert: file("server.crt"),
    serverKey: file("server.key"),
    clientCert: file("client.crt"),
    clientKey: file("client.key"),
    otherCa: file("other-ca.crt"),
  };
}

/** GET /health until it answers `"health":"true"` or `timeoutMs` passes. */
async function waitHealthy(url: string, certs: TestCertificates | undefined, child: ChildProcess, log: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const once = (): Promise<boolean> =>
    new Promise((resolve) => {
      const options = certs ? { ca: fs.readFileSync(certs.ca), cert: fs.readFileSync(certs.clientCert), key: fs.readFileSync(certs.clientKey), timeout: 2000 } : { timeout: 2000 };
      const req = (certs ? https : http).get(`${url}/health`, options, (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve(/"health":\s*"true"/.test(body)));
      });
      req.on("error", () => resolve(false));
      req.on("timeout", () => req.destroy());
    });
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`etcd exited while starting (code ${child.exitCode}, signal ${child.signalCode}):\n${log()}`);
    if (await once()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`etcd at ${url} was not healthy within ${timeoutMs} ms:\n${log()}`);
}

/** Starts a throwaway etcd (see the module comment); call `destroy()` in afterAll. */
export async function startEtcd(options: TestEtcdOptions = {}): Promise<TestEtcd> {
  const found = findEtcd();
  if (!found.etcd || !found.etcdctl) throw new Error(`etcd and etcdctl are needed: ${ETCD_FIX}`);
  const etcdBinary = found.etcd;
  const etcdctlBinary = found.etcdctl;
  installExitHook();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "memplane-etcd-data-"));
  liveDirs.add(dataDir);
  const certificates = options.tls ? makeCertificates() : undefined;
  if (certificates) liveDirs.add(certificates.dir);
  const clientPort = await freePort();
  const peerPort = await freePort();
  const scheme = certificates ? "https" : "http";
  const clientUrl = `${scheme}://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const endpoint = `127.0.0.1:${clientPort}`;
  const args = [
    "--name", "memplane-test",
    "--data-dir", dataDir,
    "--listen-client-urls", clientUrl,
    "--advertise-client-urls", clientUrl,
    "--listen-peer-urls", peerUrl,
    "--initial-advertise-peer-urls", peerUrl,
    "--initial-cluster", `memplane-test=${peerUrl}`,
    "--logger", "zap",
    "--log-level", "warn",
    ...(certificates
      ? ["--cert-file", certificates.serverCert, "--key-file", certificates.serverKey, "--trusted-ca-file", certificates.ca, "--client-cert-auth"]
      : []),
    ...(options.extraArgs ?? []),
  ];
  let child: ChildProcess | undefined;
  let output = "";
  const rootPassword = options.auth ? `root-${Math.random().toString(36).slice(2)}` : undefined;
  let authEnabled = false;

  const launch = async (): Promise<void> => {
    output = "";
    const started = spawn(etcdBinary, args, { stdio: ["ignore", "pipe", "pipe"] });
    child = started;
    live.add(started);
    started.on("exit", () => live.delete(started));
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-8000);
    };
    started.stdout!.on("data", keep);
    started.stderr!.on("data", keep);
    await waitHealthy(clientUrl, certificates, started, () => output);
  };

  const etcdctl = (commandArgs: string[], asRoot = true): string => {
    const tlsArgs = certificates ? ["--cacert", certificates.ca, "--cert", certificates.clientCert, "--key", certificates.clientKey] : [];
    const userArgs = asRoot && rootPassword !== undefined && authEnabled ? ["--user", `root:${rootPassword}`] : [];
    const result = spawnSync(etcdctlBinary, ["--endpoints", clientUrl, "--dial-timeout", "5s", "--command-timeout", "10s", ...tlsArgs, ...userArgs, ...commandArgs], {
      encoding: "utf8",
      env: { ...process.env, ETCDCTL_API: "3" },
    });
    if (result.status !== 0) throw new Error(`etcdctl ${commandArgs[0] ?? ""} failed: ${result.stderr || result.error?.message}`);
    return result.stdout;
  };

  const stop = async (): Promise<void> => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    running.kill("SIGCONT");
    running.kill("SIGTERM");
    const timer = setTimeout(() => running.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };

  const removeDirs = (): void => {
    for (const dir of [dataDir, certificates?.dir]) {
      if (dir === undefined) continue;
      fs.rmSync(dir, { recursive: true, force: true });
      liveDirs.delete(dir);
    }
  };

  try {
    await launch();
    if (options.auth) {
      const { user, password, prefix } = options.auth;
      etcdctl(["user", "add", `root:${rootPassword}`, "--interactive=false"]);
      etcdctl(["role", "add", "root"]);
      etcdctl(["user", "grant-role", "root", "root"]);
      etcdctl(["role", "add", user]);
      etcdctl(["role", "grant-permission", user, "--prefix=true", "readwrite", prefix]);
      etcdctl(["user", "add", `${user}:${password}`, "--interactive=false"]);
      etcdctl(["user", "grant-role", user, user]);
      etcdctl(["auth", "enable"]);
      authEnabled = true;
    }
  } catch (err) {
    await stop();
    removeDirs();
    throw err;
  }

  return {
    endpoint,
    url: `${certificates ? "etcds" : "etcd"}://${endpoint}`,
    dataDir,
    certificates,
    rootPassword,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    etcdctl: (commandArgs) => etcdctl(commandArgs),
    stop,
    start: launch,
    freeze: async () => {
      const frozen = child;
      if (!frozen?.pid) return;
      frozen.kill("SIGSTOP");
      const stopped = (): boolean =>
        fs
          .readdirSync(`/proc/${frozen.pid}/task`)
          .every((task) => /^\d+ \(.*\) [tT] /.test(fs.readFileSync(`/proc/${frozen.pid}/task/${task}/stat`, "utf8")));
      for (let i = 0; i < 100 && process.platform === "linux" && !stopped(); i++) await new Promise((r) => setTimeout(r, 50));
    },
    thaw: () => void child?.kill("SIGCONT"),
    restart: async () => {
      await stop();
      await launch();
    },
    destroy: async () => {
      await stop();
      removeDirs();
    },
  };
}
