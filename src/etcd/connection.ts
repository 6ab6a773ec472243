/**
 * The connected `etcd3` client: {@link createEtcdClient} makes it from
 * {@link EtcdConnectionOptions} with a deadline on every call, and {@link connectEtcd} checks at
 * start-up, within a bounded time, that etcd answers a read under the prefix — failing with one
 * paragraph that names the problem (unreachable, TLS, authentication, permission) and no
 * password — then hands back the client with an {@link EtcdGuard} for later calls.
 */
import * as fs from "node:fs";
import { Etcd3, isRecoverableError, type IOptions } from "etcd3";
import { ExponentialBackoff, handleWhen, noop, retry, type IBackoff } from "cockatiel";
import { connectionProblem } from "./errors.js";
import { EtcdGuard, type EtcdGuardOptions } from "./guard.js";
import { DEFAULT_CALL_TIMEOUT_MS, DEFAULT_PROBE_TIMEOUT_MS, describeTarget, etcdTarget, redact, type EtcdConnectionOptions } from "./options.js";

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
  if (options.tls) quietIpServerNameWarning();
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

let quieted = false;

/**
 * gRPC sets the TLS server name to the endpoint's host even when it is an IP address (etcds://
 * 127.0.0.1:2379), and Node then prints deprecation DEP0123 ("Setting the TLS ServerName to an IP
 * address is not permitted") on every start — noise an operator can do nothing about (Node
 * ignores that name anyway and checks the certificate's IP SAN). This drops that one warning.
 */
function quietIpServerNameWarning(): void {
  if (quieted) return;
  quieted = true;
  const emit = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const code = typeof rest[0] === "object" && rest[0] !== null ? (rest[0] as { code?: string }).code : rest[1];
    if (code === "DEP0123") return;
    (emit as (...args: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
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
