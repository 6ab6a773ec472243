/**
 * How memplane connects to etcd: the `etcd://HOST:PORT[,HOST:PORT…]` URL (`etcds://` for TLS),
 * the key prefix, TLS files and user/password become {@link EtcdConnectionOptions}
 * ({@link etcdConnectionOptions}); {@link connectEtcd} makes the `etcd3` client with a deadline on
 * every call and checks at start-up, within a bounded time, that etcd answers a read under the
 * prefix — failing with one paragraph that names the problem (unreachable, TLS, authentication,
 * permission) and no password.
 *
 * TLS is chosen by the URL scheme, as Kubernetes' `--etcd-servers=https://…` does: `etcds://`
 * speaks TLS (trusting `--etcd-ca`, or the system's CAs without it, and presenting
 * `--etcd-cert`/`--etcd-key` when given); `etcd://` is plain gRPC, and TLS files with it are a
 * usage error rather than silently ignored. The password never comes from the command line: it
 * is read from `--etcd-password-file` (first line) or the `MEMPLANE_ETCD_PASSWORD` variable.
 */
import * as fs from "node:fs";
import { Etcd3, isRecoverableError, type IOptions } from "etcd3";
import { ExponentialBackoff, handleWhen, noop, retry, type IBackoff } from "cockatiel";
import { connectionProblem, describeTarget, redact, type EtcdTarget } from "./errors.js";
import { EtcdGuard, type EtcdGuardOptions } from "./guard.js";

/** The default key prefix: every memplane key lives under it. */
export const DEFAULT_ETCD_PREFIX = "/memplane";
/** The default deadline of one etcd call, in milliseconds. */
export const DEFAULT_CALL_TIMEOUT_MS = 5000;
/** The default bound of the start-up probe, in milliseconds. */
export const DEFAULT_PROBE_TIMEOUT_MS = 5000;
/** The environment variable holding the etcd password. */
export const PASSWORD_VARIABLE = "MEMPLANE_ETCD_PASSWORD";

/** Everything needed to connect to etcd. */
export interface EtcdConnectionOptions {
  /** `host:port` of each etcd endpoint. */
  endpoints: string[];
  /** True for `etcds://`: speak TLS. */
  tls: boolean;
  /** Key prefix, starting with `/`, without a trailing `/` (default `/memplane`). */
  prefix: string;
  /** PEM file of the CA that signed etcd's server certificate (TLS only). */
  caFile?: string;
  /** PEM client certificate and key presented to etcd (TLS only; both or neither). */
  certFile?: string;
  keyFile?: string;
  /** etcd user name and password (both or neither). */
  user?: string;
  password?: string;
  /** Deadline of each etcd call (default {@link DEFAULT_CALL_TIMEOUT_MS}). */
  callTimeoutMs?: number;
  /** Bound of the start-up probe (default {@link DEFAULT_PROBE_TIMEOUT_MS}). */
  probeTimeoutMs?: number;
}

/** A wrong `--store` URL or etcd flag: the CLI reports it as a usage error (exit 2). */
export class EtcdOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EtcdOptionsError";
  }
}

const URL_SHAPE = "etcd://HOST:PORT[,HOST:PORT…] (etcds://… for TLS)";

/** Parses `etcd://HOST:PORT[,HOST:PORT…]` or `etcds://…` into endpoints and the TLS switch. */
export function parseEtcdUrl(url: string): { endpoints: string[]; tls: boolean } {
  const scheme = /^(etcds?):\/\/(.*)$/i.exec(url.trim());
  if (!scheme) throw new EtcdOptionsError(`--store ${JSON.stringify(redactUrl(url))} is not an etcd URL; expected ${URL_SHAPE}`);
  const rest = scheme[2]!;
  if (rest.includes("@")) {
    throw new EtcdOptionsError(
      `--store ${JSON.stringify(redactUrl(url))} carries credentials in the URL; give the user with --etcd-user and the password in ${PASSWORD_VARIABLE} or --etcd-password-file`,
    );
  }
  const hosts = rest.replace(/\/+$/, "").split(",");
  const endpoints = hosts.map((raw) => {
    const host = raw.trim();
    const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(host);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
      throw new EtcdOptionsError(`--store ${JSON.stringify(url)}: ${JSON.stringify(host)} is not HOST:PORT; expected ${URL_SHAPE}`);
    }
    return `${m[1]}:${Number(m[2])}`;
  });
  return { endpoints, tls: scheme[1]!.toLowerCase() === "etcds" };
}

/** `url` with anything between `//` and `@` replaced, so a password typed into the URL is not echoed. */
function redactUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, "//***@");
}

/** Normalises `--etcd-prefix`: starts with `/`, no trailing `/`, no empty or `.` segments. */
export function normalisePrefix(prefix: string): string {
  const trimmed = prefix.trim().replace(/\/+$/, "");
  if (!trimmed.startsWith("/") || trimmed === "" || trimmed.split("/").slice(1).some((s) => s === "" || s === "." || s === "..")) {
    throw new EtcdOptionsError(`--etcd-prefix ${JSON.stringify(prefix)} must be a key path like /memplane or /memplane/lab-a`);
  }
  return trimmed;
}

/** The etcd flags as the CLI parsed them (all optional but `store`). */
export interface EtcdFlags {
  store: string;
  etcdPrefix?: string;
  etcdCa?: string;
  etcdCert?: string;
  etcdKey?: string;
  etcdUser?: string;
  etcdPasswordFile?: string;
}

/**
 * Builds {@link EtcdConnectionOptions} from the CLI's flags and the environment (the password
 * from `--etcd-password-file`, else `MEMPLANE_ETCD_PASSWORD`); throws {@link EtcdOptionsError}
 * on a wrong combination. Files are read here, so a missing file is reported before connecting.
 */
export function etcdConnectionOptions(flags: EtcdFlags, env: NodeJS.ProcessEnv = process.env): EtcdConnectionOptions {
  const { endpoints, tls } = parseEtcdUrl(flags.store);
  const prefix = normalisePrefix(flags.etcdPrefix ?? DEFAULT_ETCD_PREFIX);
  const tlsFlags = (["etcdCa", "etcdCert", "etcdKey"] as const).filter((f) => flags[f] !== undefined);
  if (!tls && tlsFlags.length > 0) {
    const names = tlsFlags.map((f) => "--" + f.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())).join(", ");
    throw new EtcdOptionsError(`${names} given with the plain URL ${flags.store}; use etcds://… to connect over TLS`);
  }
  if ((flags.etcdCert === undefined) !== (flags.etcdKey === undefined)) {
    throw new EtcdOptionsError("--etcd-cert and --etcd-key go together: give both (the client certificate and its private key) or neither");
  }
  for (const [flag, file] of [["--etcd-ca", flags.etcdCa], ["--etcd-cert", flags.etcdCert], ["--etcd-key", flags.etcdKey], ["--etcd-password-file", flags.etcdPasswordFile]] as const) {
    if (file !== undefined && !isReadableFile(file)) throw new EtcdOptionsError(`${flag} ${file}: no such readable file`);
  }
  let password: string | undefined;
  if (flags.etcdPasswordFile !== undefined) password = (fs.readFileSync(flags.etcdPasswordFile, "utf8").split(/\r?\n/)[0] ?? "");
  else if (env[PASSWORD_VARIABLE] !== undefined && env[PASSWORD_VARIABLE] !== "") password = env[PASSWORD_VARIABLE];
  if (flags.etcdUser !== undefined && password === undefined) {
    throw new EtcdOptionsError(`--etcd-user ${flags.etcdUser} needs a password: set ${PASSWORD_VARIABLE} or give --etcd-password-file (never on the command line)`);
  }
  if (flags.etcdUser === undefined && flags.etcdPasswordFile !== undefined) {
    throw new EtcdOptionsError("--etcd-password-file needs --etcd-user (the etcd user the password belongs to)");
  }
  return {
    endpoints,
    tls,
    prefix,
    ...(flags.etcdCa !== undefined && { caFile: flags.etcdCa }),
    ...(flags.etcdCert !== undefined && { certFile: flags.etcdCert, keyFile: flags.etcdKey }),
    ...(flags.etcdUser !== undefined && { user: flags.etcdUser, password }),
  };
}

function isReadableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** What error messages may say about `options` (endpoints, TLS, user, prefix — never the password). */
export function etcdTarget(options: EtcdConnectionOptions): EtcdTarget {
  return { endpoints: options.endpoints, tls: options.tls, user: options.user, prefix: options.prefix, secrets: [options.password] };
}

/** One line for logs: `etcd://127.0.0.1:2379 prefix /memplane (TLS, user memplane)`. */
export function describeEtcd(options: EtcdConnectionOptions): string {
  const extras = [options.tls ? "TLS" : undefined, options.user !== undefined ? `user ${options.user}` : undefined].filter((e) => e !== undefined);
  return `${describeTarget(etcdTarget(options))} prefix ${options.prefix}${extras.length > 0 ? ` (${extras.join(", ")})` : ""}`;
}

/**
 * The `etcd3` client for `options`: a deadline of `callTimeoutMs` on every unary call (and the
 * login), one try per endpoint (the {@link EtcdGuard} does the reconnecting), gRPC channel
 * reconnects backing off from 250 ms to 5 s, and keepalive pings so a dead etcd is noticed on
 * idle watch streams too.
 */
export function createEtcdClient(options: EtcdConnectionOptions): Etcd3 {
  const callTimeout = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const scheme = options.tls ? "https://" : "http://";
  const config: IOptions = {
    hosts: options.endpoints.map((e) => scheme + e),
    dialTimeout: callTimeout,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + callTimeout }),
    grpcOptions: {
      "grpc.initial_reconnect_backoff_ms": 250,
      "grpc.max_reconnect_backoff_ms": 5000,
      "grpc.keepalive_time_ms": 10_000,
      "grpc.keepalive_timeout_ms": 5000,
    },
    faultHandling: {
      host: () => noop,
      global: options.endpoints.length > 1 ? retry(handleWhen(isRecoverableError), { maxAttempts: options.endpoints.length - 1 }) : noop,
      // etcd3 types this as a backoff but calls `.next()` on it first, as on cockatiel 3's factories.
      watchBackoff: new ExponentialBackoff({ initialDelay: 250, maxDelay: 5000 }) as unknown as IBackoff<unknown>,
    },
  };
  if (options.tls && (options.caFile !== undefined || options.certFile !== undefined)) {
    config.credentials = {
      // Without --etcd-ca, gRPC trusts the system's CAs (a null root certificate).
      rootCertificate: (options.caFile !== undefined ? fs.readFileSync(options.caFile) : null) as Buffer,
      ...(options.certFile !== undefined && { certChain: fs.readFileSync(options.certFile), privateKey: fs.readFileSync(options.keyFile!) }),
    };
  }
  if (options.user !== undefined) config.auth = { username: options.user, password: options.password ?? "" };
  return new Etcd3(config);
}

/**
 * Checks that etcd answers a read under the prefix within `probeTimeoutMs`; throws an
 * {@link EtcdUnavailableError} naming the problem otherwise (never the password).
 */
export async function probeEtcd(client: Etcd3, options: EtcdConnectionOptions, when = "at start-up"): Promise<void> {
  const target = etcdTarget(options);
  const bound = options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${bound} ms (timed out)`)), bound);
  });
  try {
    await Promise.race([client.get(`${options.prefix}/`).options({ deadline: Date.now() + bound }).buffer(), timeout]);
  } catch (err) {
    throw (
      connectionProblem(err, target, when) ??
      new Error(redact(`etcd at ${describeTarget(target)} answered the start-up read with an error: ${(err as Error)?.message ?? String(err)}`, target.secrets))
    );
  } finally {
    clearTimeout(timer);
  }
}

/** A connected etcd client, the options it was made from, and the guard to run calls through. */
export interface EtcdConnection {
  readonly client: Etcd3;
  readonly options: EtcdConnectionOptions;
  /** Runs etcd calls under a deadline and reconnects with back-off while etcd is down. */
  readonly guard: EtcdGuard;
  /** Stops the guard and closes the client (its channels and watches). */
  close(): void;
}

/**
 * Creates the client and probes it (see {@link probeEtcd}); on failure the client is closed and
 * the {@link EtcdUnavailableError} thrown, so a caller can print it and exit 1. `onChange` hears
 * when etcd goes down and comes back later (for a log line).
 */
export async function connectEtcd(options: EtcdConnectionOptions, onChange?: EtcdGuardOptions["onChange"]): Promise<EtcdConnection> {
  const client = createEtcdClient(options);
  try {
    await probeEtcd(client, options);
  } catch (err) {
    client.close();
    throw err;
  }
  const guard = new EtcdGuard({
    target: etcdTarget(options),
    probe: () => probeEtcd(client, options, "while reconnecting"),
    callTimeoutMs: options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
    ...(onChange !== undefined && { onChange }),
  });
  return {
    client,
    options,
    guard,
    close: () => {
      guard.close();
      client.close();
    },
  };
}
