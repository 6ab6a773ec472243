/**
 * How memplane is told to reach etcd: the `etcd://HOST:PORT[,HOST:PORT…]` URL (`etcds://` for
 * TLS), the key prefix, TLS files and user/password become {@link EtcdConnectionOptions}
 * ({@link etcdConnectionOptions}), checked before anything connects. Light on purpose (no gRPC):
 * the CLI parses flags with it without loading the etcd client.
 *
 * TLS is chosen by the URL scheme, as Kubernetes' `--etcd-servers=https://…` does: `etcds://`
 * speaks TLS (trusting `--etcd-ca`, or the system's CAs without it, and presenting
 * `--etcd-cert`/`--etcd-key` when given); `etcd://` is plain gRPC, and TLS files with it are a
 * usage error rather than silently ignored. The password never comes from the command line: it
 * is read from `--etcd-password-file` (first line) or the `MEMPLANE_ETCD_PASSWORD` variable, and
 * {@link redact} scrubs it from every message.
 */
import * as fs from "node:fs";
import { secretFileExposure } from "../state/secret-file.js";

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

/**
 * A warning when group or others can read the password file (`chmod 600` fixes it), or
 * undefined; never the password itself.
 */
export function passwordFileWarning(file: string): string | undefined {
  const exposed = secretFileExposure(file);
  if (exposed?.readableBy === undefined) return undefined;
  return `etcd password file ${file} is readable by ${exposed.readableBy} (${exposed.shown}): whoever can read it can log in to etcd as this user; chmod 600 ${file}`;
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

/** `text` with every secret replaced by `***` (secrets shorter than 1 character are ignored). */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret === undefined || secret === "") continue;
    out = out.split(secret).join("***");
  }
  return out;
}

/** Where and as whom memplane talks to etcd — what error messages name (never a password). */
export interface EtcdTarget {
  /** `host:port` of each endpoint. */
  endpoints: readonly string[];
  tls: boolean;
  user?: string;
  prefix: string;
  /** Secrets to scrub from every message (the password). */
  secrets: readonly (string | undefined)[];
}

/** `etcd://a:2379,b:2379` (or `etcds://…`) as the user wrote it, without credentials. */
export function describeTarget(target: EtcdTarget): string {
  return `${target.tls ? "etcds" : "etcd"}://${target.endpoints.join(",")}`;
}
