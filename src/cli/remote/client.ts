/**
 * The CLI's client for a running `memplane serve` (`--server URL` or `$MEMPLANE_SERVER`): the
 * same operations a command does on a state directory, over the server's HTTP API. The token
 * (every request needs it, reads too) comes from `--token-file` or `$MEMPLANE_TOKEN`, else — for
 * a loopback server only — from `<state>/token`, where `serve` writes it, when that is a regular
 * file of the current user that nobody else may read or write. Failures
 * read like kubectl's:
 * `Error from server (NotFound): virtualmachines "x" not found in namespace "default"`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { kindPath } from "../../api/kinds.js";
import { epochProblem } from "../../api/timestamps.js";
import { isLoopback, TOKEN_FILE } from "../../server/auth.js";
import { DEFAULT_STATE_DIR } from "../../state/index.js";
import type { Kind, ManifestObject } from "../../api/types.js";
import type { ApplyOutcome } from "../../store/types.js";
import type { LogEntry } from "../../engine/log-entry.js";
import type { ClockChange, ClockStatus } from "../../server/clock-control.js";
import { serverError } from "../error-report.js";
import { CliError, UsageError } from "../errors.js";

/** How long one request may take before the CLI gives up (ms). */
export const REMOTE_TIMEOUT_MS = 30_000;

/** Flags a remote-capable command takes. */
export interface RemoteFlags {
  server?: string;
  tokenFile?: string;
  /** `--state DIR`: where a local `serve` left its token. */
  state?: string;
}

/** An object as the server returns it. */
export type RemoteObject = { kind: string; metadata: { name: string; namespace?: string; creationTimestamp?: string }; tick?: number };

/** An explanation as the server returns it. */
export interface RemoteExplanation {
  tick: number;
  text: string;
  records: unknown[];
  live: unknown[];
}

/** Objects plus the server's simulated time (for AGE columns). */
export interface RemoteRead<T> {
  value: T;
  /** Simulated seconds on the server when it answered. */
  nowSeconds: number;
  /** The simulation's epoch (`X-Memplane-Epoch`), when the server says. */
  epoch?: string;
}

/** The path of a kind's collection, or of one object: the kind registry's {@link kindPath}, shared with the server. */
export const remotePath: (kind: Kind, namespace: string | undefined, name?: string) => string = kindPath;

/** A client of one server. */
export class RemoteClient {
  private constructor(
    /** Base URL without a trailing slash. */
    readonly baseUrl: string,
    private readonly token: string | undefined,
    /** Why `<state>/token` was not used, for the Unauthorized hint. */
    private readonly tokenNote: string | undefined = undefined,
  ) {}

  /** The client for `--server`/`$MEMPLANE_SERVER`, or undefined when neither is set. */
  static fromFlags(flags: RemoteFlags, env: NodeJS.ProcessEnv): RemoteClient | undefined {
    const server = flags.server ?? (env.MEMPLANE_SERVER || undefined);
    if (server === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(server);
    } catch {
      throw new UsageError(`--server ${JSON.stringify(server)} is not a URL; expected e.g. http://127.0.0.1:8080`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`--server must be an http:// or https:// URL, got ${server}`);
    const baseUrl = url.toString().replace(/\/+$/, "");
    const token = readToken(flags.tokenFile, env);
    if (token !== undefined || !isLoopback(url.hostname.replace(/^\[|\]$/g, ""))) return new RemoteClient(baseUrl, token);
    const local = readStateToken(path.join(flags.state ?? (env.MEMPLANE_STATE || DEFAULT_STATE_DIR), TOKEN_FILE));
    return new RemoteClient(baseUrl, local.token, local.note);
  }

  /** Sends one request; resolves with the parsed JSON answer, or throws a kubectl-style CliError. */
  async request<T>(method: string, path: string, body?: unknown): Promise<{ value: T; headers: Headers }> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (this.token !== undefined) headers.Authorization = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REMOTE_TIMEOUT_MS),
      });
    } catch (err) {
      throw this.unreachable(err);
    }
    const text = await res.text();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new CliError(`the server at ${this.baseUrl} answered ${method} ${path} with HTTP ${res.status} and a body that is not JSON`);
    }
    if (!res.ok) throw this.failure(res.status, value);
    return { value: value as T, headers: res.headers };
  }

  /** A Status answer as the CLI reports it. */
  private failure(code: number, value: unknown): CliError {
    const status = value as { reason?: string; message?: string };
    const reason = status?.reason ?? `HTTP ${code}`;
    const message = status?.message ?? "no message";
    if (code === 401) {
      const hint = this.token === undefined ? `; set MEMPLANE_TOKEN or pass --token-file${this.tokenNote === undefined ? "" : ` (${this.tokenNote})`}` : "";
      return serverError(reason, message + hint);
    }
    return serverError(reason, message);
  }

  /**
   * Applies objects as `memplane apply`; `dryRun` changes nothing. Up to
   * {@link APPLY_BATCH_BYTES} of JSON go in one all-or-nothing request; a bigger apply (a
   * generated fleet) goes in such batches, in order, and a failed batch says how many objects
   * the batches before it applied (applying again finishes the job: apply is idempotent).
   */
  async apply(objects: readonly ManifestObject[], dryRun: boolean): Promise<ApplyOutcome[]> {
    const outcomes: ApplyOutcome[] = [];
    const batches = applyBatches(objects);
    for (const batch of batches) {
      try {
        const { value } = await this.request<{ items: ApplyOutcome[] }>("POST", dryRun ? "/apply?dryRun=All" : "/apply", batch);
        outcomes.push(...value.items);
      } catch (err) {
        if (outcomes.length === 0 || !(err instanceof CliError)) throw err;
        throw new CliError(
          `${err.message} (this apply went in ${batches.length} requests of at most ${APPLY_BATCH_BYTES / 1024} KiB; the ${outcomes.length} objects before the failed one were ${dryRun ? "checked" : "applied"}: fix the problem and apply again)`,
        );
      }
    }
    return outcomes;
  }

  /** One object, or undefined when the server says NotFound. */
  async get(kind: Kind, name: string, namespace: string | undefined): Promise<RemoteRead<RemoteObject | undefined>> {
    try {
      const { value, headers } = await this.request<RemoteObject>("GET", remotePath(kind, namespace, name));
      return { value, nowSeconds: simSeconds(headers), epoch: serverEpoch(headers) };
    } catch (err) {
      if (err instanceof CliError && err.message.startsWith("Error from server (NotFound)")) return { value: undefined, nowSeconds: 0 };
      throw err;
    }
  }

  /** Objects of a kind (one namespace, or all when `namespace` is undefined), optionally by label selector. */
  async list(kind: Kind, namespace: string | undefined, labelSelector: string | undefined): Promise<RemoteRead<RemoteObject[]>> {
    const query = labelSelector === undefined ? "" : `?labelSelector=${encodeURIComponent(labelSelector)}`;
    const { value, headers } = await this.request<{ items: RemoteObject[] }>("GET", remotePath(kind, namespace) + query);
    return { value: value.items, nowSeconds: simSeconds(headers), epoch: serverEpoch(headers) };
  }

  /** Why a VM or host is where it is (`memplane explain`), at the newest tick or at `tick`. */
  async explain(kind: "Host" | "VirtualMachine", name: string, namespace: string, tick: number | undefined): Promise<RemoteExplanation> {
    const path =
      kind === "Host" ? `/explain/hosts/${encodeURIComponent(name)}` : `/explain/namespaces/${encodeURIComponent(namespace)}/virtualmachines/${encodeURIComponent(name)}`;
    const { value } = await this.request<RemoteExplanation>("GET", tick === undefined ? path : `${path}?tick=${tick}`);
    return value;
  }

  /** Deletes an object; false when it did not exist. */
  /** The server's clock (`GET /clock`). */
  async clock(): Promise<ClockStatus> {
    return (await this.request<ClockStatus>("GET", "/clock")).value;
  }

  /** Pauses, resumes or re-speeds the server's clock (`PATCH /clock`). */
  async changeClock(change: ClockChange): Promise<ClockStatus> {
    return (await this.request<ClockStatus>("PATCH", "/clock", change)).value;
  }

  /** Steps the server's clock `ticks` ticks now (`POST /clock/step`); the server saves at once. */
  async stepClock(ticks: number): Promise<ClockStatus> {
    return (await this.request<ClockStatus>("POST", `/clock/step?ticks=${ticks}`)).value;
  }

  /**
   * Opens `GET /logs` from `sinceTick` (streaming with `follow`), with the token like every request;
   * undefined when `signal` aborted it first. An unreachable server or an error answer throws a CliError.
   */
  async openLogs(sinceTick: number, follow: boolean, signal: AbortSignal): Promise<Response | undefined> {
    const headers: Record<string, string> = { Accept: "application/x-ndjson" };
    if (this.token !== undefined) headers.Authorization = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}/logs?sinceTick=${sinceTick}${follow ? "&follow=true" : ""}`, { headers, signal });
    } catch (err) {
      if (signal.aborted) return undefined;
      throw this.unreachable(err);
    }
    if (!res.ok || !res.body) throw this.failure(res.status, await res.json().catch(() => undefined));
    return res;
  }

  /** The log entries of ticks ≥ `sinceTick` the server still holds (`GET /logs`). */
  async logsSince(sinceTick: number): Promise<LogEntry[]> {
    const res = await this.openLogs(sinceTick, false, AbortSignal.timeout(REMOTE_TIMEOUT_MS));
    if (res === undefined) throw new CliError(`the memplane server at ${this.baseUrl} did not answer GET /logs within ${REMOTE_TIMEOUT_MS / 1000} s`);
    return (await res.text())
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as LogEntry);
  }

  /** The CliError for a server that could not be reached. */
  private unreachable(err: unknown): CliError {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    return new CliError(`cannot reach the memplane server at ${this.baseUrl} (${why}); is \`memplane serve\` running?`);
  }

  async delete(kind: Kind, name: string, namespace: string | undefined): Promise<boolean> {
    try {
      await this.request("DELETE", remotePath(kind, namespace, name));
      return true;
    } catch (err) {
      if (err instanceof CliError && err.message.startsWith("Error from server (NotFound)")) return false;
      throw err;
    }
  }
}

/** The server's simulated time from its `X-Memplane-Time-Seconds` header. */
/** The simulation's epoch from `X-Memplane-Epoch`, when it is a valid one (older servers do not send it). */
export function serverEpoch(headers: Headers): string | undefined {
  const epoch = headers.get("x-memplane-epoch") ?? undefined;
  return epoch !== undefined && epochProblem(epoch) === undefined ? epoch : undefined;
}

function simSeconds(headers: Headers): number {
  const n = Number(headers.get("x-memplane-time-seconds"));
  return Number.isFinite(n) ? n : 0;
}

/**
 * The token a local `serve` wrote to `file` (`<state>/token`), read only when it is a regular
 * file (not a symlink) owned by the current user that no one else may read or write; otherwise
 * no token, with a note saying why when the file exists.
 */
export function readStateToken(file: string): { token?: string; note?: string } {
  if (typeof process.getuid !== "function") return {};
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === "ENOENT" || code === "ENOTDIR" ? {} : { note: `${file} was not read: ${code === "ELOOP" ? "it is a symbolic link" : (err as Error).message}` };
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return { note: `${file} was not read: it is not a regular file` };
    if (st.uid !== process.getuid()) return { note: `${file} was not read: it belongs to another user` };
    if ((st.mode & 0o077) !== 0) return { note: `${file} was not read: others may read or write it (mode ${(st.mode & 0o777).toString(8)}; chmod 600 it)` };
    const token = fs.readFileSync(fd, "utf8").trim();
    return token === "" ? {} : { token };
  } finally {
    fs.closeSync(fd);
  }
}

/** The token from `--token-file` (preferred) or `$MEMPLANE_TOKEN`; undefined when neither. */
export function readToken(tokenFile: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (tokenFile !== undefined) {
    try {
      const token = fs.readFileSync(tokenFile, "utf8").trim();
      if (token === "") throw new CliError(`token file ${tokenFile} is empty`);
      return token;
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw new CliError(`cannot read token file ${tokenFile}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
    }
  }
  const token = env.MEMPLANE_TOKEN?.trim();
  return token ? token : undefined;
}

/** The most JSON one apply request carries (the server takes bodies of up to 1 MiB). */
export const APPLY_BATCH_BYTES = 512 * 1024;

/** `objects` in order, cut into runs of at most {@link APPLY_BATCH_BYTES} of JSON (an object bigger than that goes alone). */
export function applyBatches(objects: readonly ManifestObject[]): ManifestObject[][] {
  const batches: ManifestObject[][] = [];
  let batch: ManifestObject[] = [];
  let bytes = 2;
  for (const o of objects) {
    const size = Buffer.byteLength(JSON.stringify(o)) + 1;
    if (batch.length > 0 && bytes + size > APPLY_BATCH_BYTES) {
      batches.push(batch);
      batch = [];
      bytes = 2;
    }
    batch.push(o);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
