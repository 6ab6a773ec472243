/**
 * What goes wrong between memplane and etcd, in words an operator can act on: each failure is one
 * paragraph naming the endpoints and the problem (unreachable, TLS, authentication, permission,
 * timeout) and how to fix it — and never a credential: every message passes through
 * {@link redact}.
 */
import {
  ClientClosedError,
  EtcdAuthenticationFailedError,
  EtcdPermissionDeniedError,
  GRPCDeadlineExceededError,
  GRPCUnauthenticatedError,
  isRecoverableError,
} from "etcd3";
import { StoreError } from "../store/errors.js";
import { describeTarget, redact, type EtcdTarget } from "./options.js";

/** Why etcd cannot serve memplane right now. */
export type EtcdProblem = "unreachable" | "timeout" | "tls" | "auth" | "permission" | "quota" | "closed";

/**
 * etcd cannot serve the request: it is down or unreachable, the TLS handshake or the login
 * failed, or the call hit its deadline. The API server answers it with 503 ServiceUnavailable
 * (reason `ServiceUnavailable`); `serve` exits 1 with it when etcd is unreachable at start.
 */
export class EtcdUnavailableError extends StoreError {
  readonly reason = "ServiceUnavailable";
  constructor(
    /** The kind of failure. */
    readonly problem: EtcdProblem,
    message: string,
    /** The underlying cause in a few words (e.g. `connect ECONNREFUSED 127.0.0.1:2379`), redacted. */
    readonly detail: string = "",
  ) {
    super(message);
    this.name = "EtcdUnavailableError";
  }
}

const TLS_WORDS = /certificate|ssl|tls|handshake|self[- ]signed|unable to (get|verify)|wrong version number|alert|x509|EPROTO/i;

/**
 * The useful part of a gRPC/etcd3 error message: `14 UNAVAILABLE: No connection established.
 * Last error: Error: connect ECONNREFUSED 127.0.0.1:2379. Resolution note: ` becomes
 * `connect ECONNREFUSED 127.0.0.1:2379`.
 */
export function detailOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text
    .replace(/^\d+ [A-Z_]+: /, "")
    .replace(/^No connection established\. Last error: (Error: )?/, "")
    .replace(/\.? ?Resolution note: .*$/s, "")
    .trim();
}

/**
 * True when `err` means etcd could not be reached or did not answer in time — a failure that a
 * reconnect can cure (as opposed to a refused login or a store-level answer).
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof EtcdUnavailableError) return err.problem === "unreachable" || err.problem === "timeout" || err.problem === "tls";
  if (!(err instanceof Error)) return false;
  return isRecoverableError(err) || err instanceof GRPCDeadlineExceededError || /deadline exceeded|timed out|ECONNREFUSED|ECONNRESET|No connection established|UNAVAILABLE/i.test(err.message);
}

/**
 * Turns what the etcd client threw into an {@link EtcdUnavailableError} naming the problem, or
 * returns undefined when `err` is not a connection problem (a store-level answer the caller
 * handles itself). The message is redacted.
 */
export function connectionProblem(err: unknown, target: EtcdTarget, when: string): EtcdUnavailableError | undefined {
  if (err instanceof EtcdUnavailableError) return err;
  const where = describeTarget(target);
  const detail = redact(detailOf(err), target.secrets);
  const make = (problem: EtcdProblem, text: string): EtcdUnavailableError => new EtcdUnavailableError(problem, redact(text, target.secrets), detail);
  const as = target.user !== undefined ? ` as user "${target.user}"` : "";
  if (err instanceof EtcdAuthenticationFailedError) {
    return make(
      "auth",
      `etcd at ${where} refused the login${as} ${when}: wrong user name or password; check --etcd-user and the password in MEMPLANE_ETCD_PASSWORD or --etcd-password-file`,
    );
  }
  if (err instanceof GRPCUnauthenticatedError || /user name is empty|authentication is (required|enabled)/i.test(detail)) {
    return make("auth", `etcd at ${where} requires authentication ${when} (${detail}); give --etcd-user and a password in MEMPLANE_ETCD_PASSWORD or --etcd-password-file`);
  }
  if (err instanceof EtcdPermissionDeniedError) {
    return make(
      "permission",
      `etcd at ${where} denied user "${target.user ?? "(none)"}" access to keys under ${target.prefix} ${when}; grant its role read and write on the prefix ` +
        `(etcdctl role grant-permission ROLE --prefix=true readwrite ${target.prefix})`,
    );
  }
  if (/database space exceeded/i.test(detail)) {
    return make(
      "quota",
      `etcd at ${where} is out of space ${when}: its database reached --quota-backend-bytes and it refuses writes until an operator compacts and defragments it ` +
        `and disarms the NOSPACE alarm (etcdctl compact, etcdctl defrag, etcdctl alarm disarm; see docs/scale-out.md, "Compaction and quota")`,
    );
  }
  if (err instanceof ClientClosedError) return make("closed", `the etcd client for ${where} is closed ${when}`);
  if (!(err instanceof Error) || !isTransient(err)) return undefined;
  if (TLS_WORDS.test(detail)) {
    return make(
      "tls",
      `the TLS handshake with etcd at ${where} failed ${when} (${detail}); check that the URL scheme matches the server ` +
        `(etcds:// for TLS, etcd:// for plain) and that --etcd-ca signed the server's certificate and --etcd-cert/--etcd-key are a client certificate it trusts`,
    );
  }
  if (err instanceof GRPCDeadlineExceededError || /deadline exceeded|timed out/i.test(detail)) {
    return make("timeout", `etcd at ${where} did not answer in time ${when} (${detail}); is it running and reachable, and is the URL scheme right (etcds:// for TLS, etcd:// for plain)?`);
  }
  const scheme = target.tls ? " (if it serves plain gRPC, write etcd:// instead of etcds://)" : " (if it serves TLS, write etcds:// for TLS)";
  return make("unreachable", `cannot reach etcd at ${where} ${when} (${detail}); is etcd running and listening there${scheme}?`);
}
