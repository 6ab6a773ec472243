/**
 * The etcd flags shared by every command that talks to etcd (`serve --store etcd://…` now, the
 * sharded `worker` later): `--etcd-prefix`, `--etcd-ca`, `--etcd-cert`, `--etcd-key`,
 * `--etcd-user` and `--etcd-password-file` (the password is never a flag: it comes from that file
 * or `MEMPLANE_ETCD_PASSWORD`). Parsing them loads no gRPC code.
 */
import type { Command } from "commander";
import {
  DEFAULT_ETCD_PREFIX,
  EtcdOptionsError,
  PASSWORD_VARIABLE,
  etcdConnectionOptions,
  passwordFileWarning,
  type EtcdConnectionOptions,
  type EtcdFlags,
} from "../etcd/options.js";
import { UsageError } from "./errors.js";

/** Adds the `--etcd-*` flags to `cmd` (see the module comment). */
export function addEtcdOptions(cmd: Command): Command {
  return cmd
    .option("--etcd-prefix <key>", `etcd key prefix every memplane key lives under (default ${DEFAULT_ETCD_PREFIX})`)
    .option("--etcd-ca <file>", "PEM CA certificate that signed etcd's server certificate (etcds:// only; default: the system's CAs)")
    .option("--etcd-cert <file>", "PEM client certificate to present to etcd (etcds:// only; with --etcd-key)")
    .option("--etcd-key <file>", "PEM private key of --etcd-cert")
    .option("--etcd-user <name>", `etcd user to log in as; the password comes from ${PASSWORD_VARIABLE} or --etcd-password-file, never the command line`)
    .option("--etcd-password-file <file>", "read the etcd user's password from the first line of FILE");
}

/**
 * The connection options for `store` and the parsed `--etcd-*` flags (as {@link addEtcdOptions}
 * named them); a wrong combination is a usage error (exit 2). `warn` hears about a password file
 * others can read.
 */
export function etcdOptionsFromFlags(store: string, flags: Omit<EtcdFlags, "store">, env: NodeJS.ProcessEnv, warn?: (message: string) => void): EtcdConnectionOptions {
  let options: EtcdConnectionOptions;
  try {
    options = etcdConnectionOptions({ ...flags, store }, env);
  } catch (err) {
    if (err instanceof EtcdOptionsError) throw new UsageError(err.message);
    throw err;
  }
  const warning = flags.etcdPasswordFile === undefined ? undefined : passwordFileWarning(flags.etcdPasswordFile);
  if (warning !== undefined) warn?.(warning);
  return options;
}
