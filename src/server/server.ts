/**
 * The live control plane behind `memplane serve`: a Kubernetes-like HTTP API over one engine,
 * ticking in (scaled) real time.
 *
 * Writes are serialised by construction: a tick (`engine.step(1)` from a timer) and a write
 * (run once its body has been read) are each one synchronous turn of the event loop, so they
 * can never interleave, and every acknowledged write has been persisted before the answer goes
 * out. Every method but GET/HEAD needs the bearer token; reads are open to loopback clients only
 * (remote readers need the token too). Bodies are capped, slow clients are cut off by header,
 * request and keep-alive timeouts, and slow watchers by a per-stream buffer cap.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { Subscription } from "rxjs";
import { KIND_INFO } from "../api/kinds.js";
import { createEngine, type Engine } from "../engine/engine.js";
import { RealTimeClock } from "../engine/clock.js";
import type { LogEntry } from "../engine/log-entry.js";
import { formatLogJson } from "../engine/log-format.js";
import { applyValidated } from "../engine/apply-validated.js";
import { ExplainError, explainHost, explainVm } from "../explain/index.js";
import { TOKENS } from "../di/tokens.js";
import { ManifestValidationError, formatManifestError } from "../manifest/index.js";
import { StoreError } from "../store/errors.js";
import type { MemoryStore } from "../store/memory-store.js";
import { matchesLabelSelector, parseLabelSelector } from "../store/label-selector.js";
import { isLoopback, requireToken } from "./auth.js";
import { DEFAULT_MAX_BODY_BYTES, readBody } from "./body.js";
import { LogBuffer } from "./log-buffer.js";
import { PROMETHEUS_CONTENT_TYPE, renderMetrics } from "./metrics.js";
import {
  type ApiObject,
  createResource,
  getResource,
  listResources,
  listResponse,
  notFoundMessage,
  parseBodyManifests,
  replaceResource,
} from "./resources.js";
import { GROUP_PREFIX, parseRoute, type ResourceRoute, type Route } from "./routes.js";
import { HttpError, badRequest, methodNotAllowed, notFound, successStatus } from "./status.js";

/** Request size and time limits. */
export interface ServerLimits {
  /** Largest request body (413 beyond). Default 1 MiB. */
  maxBodyBytes: number;
  /** Time to receive the request headers. Default 10 s. */
  headersTimeoutMs: number;
  /** Time to receive the whole request (headers and body). Default 30 s. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. Default 5 s. */
  keepAliveTimeoutMs: number;
  /** How often Node checks the header and request timeouts. Default 1 s. */
  connectionsCheckingIntervalMs: number;
  /** Bytes a watch or log follower may leave unread before it is cut off. Default 8 MiB. */
  maxStreamBufferBytes: number;
}

/** The default {@link ServerLimits}. */
export const DEFAULT_SERVER_LIMITS: Readonly<ServerLimits> = Object.freeze({
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  connectionsCheckingIntervalMs: 1_000,
  maxStreamBufferBytes: 8 * 1024 * 1024,
});

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** The simulation to serve. */
  engine: Engine;
  /** The bearer token writes must carry. */
  token: string;
  /** Address to bind (default 127.0.0.1). Anything but loopback needs `allowRemote`. */
  host?: string;
  /** Port (default 0: a free port). */
  port?: number;
  /** Allow binding a non-loopback address. */
  allowRemote?: boolean;
  /** Simulated seconds per real second (default 1); 0 never ticks (embedders and tests step by hand). */
  speed?: number;
  /** Saves the simulation: after every acknowledged write, every `saveIntervalMs` when ticks ran, and on close. */
  persist?: () => void;
  /** Real milliseconds between periodic saves (default 10 000). */
  saveIntervalMs?: number;
  /** Log entries from before the server started (the saved log), for `/logs`. */
  logHistory?: readonly LogEntry[];
  /** Size and time limits. */
  limits?: Partial<ServerLimits>;
  /** Told about a tick that threw or a failed save (the server carries on). */
  onError?: (message: string) => void;
}

/** A server listening. */
export interface RunningServer {
  /** `http://HOST:PORT`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The underlying Node server. */
  readonly httpServer: http.Server;
  /** Stops ticking, ends streams, closes connections and saves once more. Safe to call twice. */
  close(): Promise<void>;
}

/** Options that make no sense (a non-loopback address without `allowRemote`, a bad speed). */
export class ServerOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ServerOptionsError";
  }
}

const READ_METHODS = new Set(["GET", "HEAD"]);

/**
 * Whether a request must carry the bearer token: every write does; reads do unless they come from
 * a loopback address; `/healthz` never does (load balancers and probes call it bare).
 */
export function needsToken(method: string, routeType: Route["type"], remoteAddress: string | undefined): boolean {
  if (!READ_METHODS.has(method)) return true;
  return routeType !== "healthz" && !isLoopback(remoteAddress);
}

/** True for `?watch=true` / `?watch=1` (and `?follow=…` alike). */
function flag(params: URLSearchParams, name: string): boolean {
  const v = params.get(name);
  return v !== null && v !== "false" && v !== "0";
}

/** Starts the API server; resolves once it listens. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const engine = options.engine;
  const limits: ServerLimits = { ...DEFAULT_SERVER_LIMITS, ...options.limits };
  const host = options.host ?? "127.0.0.1";
  if (!isLoopback(host) && !options.allowRemote) {
    throw new ServerOptionsError(`refusing to listen on ${host}, which is not a loopback address: pass --allow-remote to serve other machines`);
  }
  const speed = options.speed ?? 1;
  if (!Number.isFinite(speed) || speed < 0) throw new ServerOptionsError(`speed must be a number ≥ 0, got ${String(speed)}`);
  const store = engine.container.get<MemoryStore>(TOKENS.Store);
  const onError = options.onError ?? (() => undefined);
  const logs = new LogBuffer(options.logHistory ?? []);
  const logSubscription = engine.logs$.subscribe((entry) => logs.push(entry));
  const streams = new Set<http.ServerResponse>();
  let closing = false;
  let savedTick = engine.tick;

  const persist = (): void => {
    options.persist?.();
    savedTick = engine.tick;
  };

  const clock =
    speed > 0
      ? new RealTimeClock({
          tickSeconds: engine.options.tickSeconds,
          speed,
          step: () => {
            if (closing) return;
            try {
              engine.step(1);
            } catch (err) {
              onError(`tick ${engine.tick + 1} failed: ${(err as Error).message}`);
            }
          },
        })
      : undefined;

  const saveTimer = setInterval(() => {
    if (closing || engine.tick === savedTick) return;
    try {
      persist();
    } catch (err) {
      onError(`saving the state failed: ${(err as Error).message}`);
    }
  }, options.saveIntervalMs ?? 10_000);
  saveTimer.unref();

  /** Runs a write and persists it before it is acknowledged. */
  const write = <T>(change: () => T): T => {
    if (closing) throw new HttpError(503, "ServiceUnavailable", "the server is shutting down");
    const result = change();
    try {
      persist();
    } catch (err) {
      throw new HttpError(500, "InternalError", `the change was made but could not be saved: ${(err as Error).message}`);
    }
    return result;
  };

  const send = (res: http.ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void => {
    const text = typeof body === "string" ? body : JSON.stringify(body) + "\n";
    res.writeHead(code, {
      "Content-Type": typeof body === "string" ? "text/plain; charset=utf-8" : "application/json",
      "Content-Length": String(Buffer.byteLength(text)),
      "X-Memplane-Tick": String(engine.tick),
      "X-Memplane-Time-Seconds": String(engine.timeSeconds),
      ...headers,
    });
    res.end(text);
  };

  /** Opens a JSON-lines stream that is cut off when its reader falls too far behind. */
  const openStream = (res: http.ServerResponse, contentType: string): ((line: string) => void) => {
    res.writeHead(200, { "Content-Type": contentType, "Cache-Control": "no-cache", "X-Memplane-Tick": String(engine.tick) });
    res.flushHeaders();
    streams.add(res);
    res.on("close", () => streams.delete(res));
    return (line: string) => {
      if (res.destroyed || res.writableEnded) return;
      if (res.writableLength > limits.maxStreamBufferBytes) {
        res.destroy();
        return;
      }
      res.write(line + "\n");
    };
  };

  const watch = (res: http.ServerResponse, route: ResourceRoute, selector: string | undefined): void => {
    const parsed = selector === undefined || selector.trim() === "" ? undefined : parseLabelSelector(selector);
    const matches = (o: ApiObject): boolean =>
      (route.namespace === undefined || o.metadata.namespace === route.namespace) &&
      (route.name === undefined || o.metadata.name === route.name) &&
      (parsed === undefined || matchesLabelSelector(parsed, o.metadata.labels));
    const emit = openStream(res, "application/json");
    // like Kubernetes without a resourceVersion: the current objects as ADDED, then changes
    for (const o of engine.store.list(route.kind, { namespace: route.namespace }) as readonly ApiObject[]) {
      if (matches(o)) emit(JSON.stringify({ type: "ADDED", object: o }));
    }
    const subscription: Subscription = engine.store.watch(route.kind).subscribe({
      next: (event) => {
        if (matches(event.object as ApiObject)) emit(JSON.stringify(event));
      },
      complete: () => res.end(),
    });
    res.on("close", () => subscription.unsubscribe());
  };

  const followLogs = (res: http.ServerResponse, params: URLSearchParams): void => {
    const since = Number(params.get("sinceTick") ?? params.get("since-tick") ?? 0);
    if (!Number.isSafeInteger(since) || since < 0) throw badRequest("sinceTick must be a whole number of ticks ≥ 0");
    if (!flag(params, "follow")) {
      const body = logs.entries(since).map((e) => formatLogJson(e) + "\n").join("");
      res.writeHead(200, { "Content-Type": "application/x-ndjson", "Content-Length": String(Buffer.byteLength(body)), "X-Memplane-Tick": String(engine.tick) });
      res.end(body);
      return;
    }
    const emit = openStream(res, "application/x-ndjson");
    for (const e of logs.entries(since)) emit(formatLogJson(e));
    const subscription = logs.added$.subscribe({ next: (e) => emit(formatLogJson(e)), complete: () => res.end() });
    res.on("close", () => subscription.unsubscribe());
  };

  const handleResource = async (req: http.IncomingMessage, res: http.ServerResponse, route: ResourceRoute, params: URLSearchParams): Promise<void> => {
    const method = req.method ?? "GET";
    const path = (req.url ?? "").split("?")[0]!;
    const selector = params.get("labelSelector") ?? undefined;
    if (route.name === undefined) {
      if (READ_METHODS.has(method)) {
        if (flag(params, "watch")) return watch(res, route, selector);
        send(res, 200, listResponse(route.kind, listResources(engine, route, selector), store.resourceVersion));
        return;
      }
      if (method === "POST" && route.kind !== "Event") {
        const text = await readBody(req, limits.maxBodyBytes);
        send(res, 201, write(() => createResource(store, text, route)));
        return;
      }
      throw methodNotAllowed(method, path, route.kind === "Event" ? ["GET"] : ["GET", "POST"]);
    }
    const named = route as ResourceRoute & { name: string };
    if (READ_METHODS.has(method)) {
      if (flag(params, "watch")) return watch(res, route, selector);
      send(res, 200, getResource(engine, named));
      return;
    }
    if (method === "PUT" && route.kind !== "Event") {
      const text = await readBody(req, limits.maxBodyBytes);
      send(res, 200, write(() => replaceResource(store, text, named)));
      return;
    }
    if (method === "DELETE") {
      const deleted = write(() => store.delete(route.kind, named.name, route.namespace));
      if (!deleted) throw notFound(notFoundMessage(route.kind, named.name, route.namespace));
      send(res, 200, successStatus(route.kind, named.name));
      return;
    }
    throw methodNotAllowed(method, path, route.kind === "Event" ? ["GET", "DELETE"] : ["GET", "PUT", "DELETE"]);
  };

  const handleApply = async (req: http.IncomingMessage, res: http.ServerResponse, params: URLSearchParams): Promise<void> => {
    if (req.method !== "POST") throw methodNotAllowed(req.method ?? "", "/apply", ["POST"]);
    const text = await readBody(req, limits.maxBodyBytes);
    const objects = parseBodyManifests(text);
    if (objects.length === 0) throw badRequest("the request body holds no objects");
    const dryRun = params.get("dryRun") !== null;
    let items;
    if (dryRun) {
      if (closing) throw new HttpError(503, "ServiceUnavailable", "the server is shutting down");
      const scratch = createEngine({ seed: engine.options.seed, tickSeconds: engine.options.tickSeconds });
      scratch.restore(engine.snapshot());
      items = applyValidated(scratch, objects);
    } else {
      items = write(() => applyValidated(engine, objects));
    }
    send(res, 200, { apiVersion: "memplane.io/v1alpha1", kind: "ApplyResult", dryRun, items });
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const [pathname = "/", query = ""] = (req.url ?? "/").split("?", 2);
    const params = new URLSearchParams(query);
    const route = parseRoute(pathname);
    if (!route) throw notFound(`the server could not find the requested resource (${pathname})`);
    const method = req.method ?? "GET";
    if (needsToken(method, route.type, req.socket.remoteAddress)) requireToken(req, options.token);
    switch (route.type) {
      case "healthz":
        send(res, 200, "ok\n");
        return;
      case "metrics":
        if (!READ_METHODS.has(method)) throw methodNotAllowed(method, pathname, ["GET"]);
        res.writeHead(200, { "Content-Type": PROMETHEUS_CONTENT_TYPE });
        res.end(renderMetrics(engine.store, { ticks: engine.tick, timeSeconds: engine.timeSeconds, logEntries: logs.total }));
        return;
      case "logs":
        if (!READ_METHODS.has(method)) throw methodNotAllowed(method, pathname, ["GET"]);
        return followLogs(res, params);
      case "apply":
        return handleApply(req, res, params);
      case "discovery":
        send(res, 200, discovery());
        return;
      case "resource":
        return handleResource(req, res, route, params);
      case "explain": {
        if (!READ_METHODS.has(method)) throw methodNotAllowed(method, pathname, ["GET"]);
        const tickParam = params.get("tick");
        const tick = tickParam === null ? undefined : Number(tickParam);
        if (tick !== undefined && (!Number.isInteger(tick) || tick < 0)) throw badRequest(`tick must be a whole number, got ${JSON.stringify(tickParam)}`);
        try {
          const r = route.kind === "Host" ? explainHost(engine, route.name, tick) : explainVm(engine, route.name, route.namespace, tick);
          send(res, 200, { apiVersion: "memplane.io/v1alpha1", kind: "Explanation", tick: r.tick, text: r.text, records: r.records, live: r.live });
        } catch (err) {
          if (err instanceof ExplainError) throw err.reason === "NotFound" ? notFound(err.message) : badRequest(err.message);
          throw err;
        }
        return;
      }
    }
  };

  const server = http.createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: limits.connectionsCheckingIntervalMs,
    },
    (req, res) => {
      handle(req, res).catch((err: unknown) => {
        const error = toHttpError(err);
        if (error.code === 500) onError(`${req.method} ${req.url}: ${(err as Error).message}`);
        if (res.headersSent) {
          res.destroy();
          return;
        }
        send(res, error.code, error.toStatus(), { ...error.headers });
        if (error.code === 413) req.resume();
      });
    },
  );
  server.timeout = 0; // watches may be quiet for long; the header/request/keep-alive timeouts guard the rest

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    clearInterval(saveTimer);
    logSubscription.unsubscribe();
    throw err;
  }
  clock?.start();
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;

  let closed: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${address.port}`,
    host: address.address,
    port: address.port,
    httpServer: server,
    close: () =>
      (closed ??= (async () => {
        closing = true;
        clock?.stop();
        clearInterval(saveTimer);
        logSubscription.unsubscribe();
        logs.close();
        for (const res of streams) res.end();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 1000).unref();
        });
        options.persist?.();
      })()),
  };
}

/** What the API group serves, Kubernetes APIResourceList-style. */
function discovery(): object {
  const resources = (["Host", "VirtualMachine", "GuestOSProfile"] as const).map((kind) => ({
    name: KIND_INFO[kind].plural,
    singularName: KIND_INFO[kind].singular,
    namespaced: KIND_INFO[kind].namespaced,
    kind,
    shortNames: [...KIND_INFO[kind].shortNames],
    verbs: ["create", "delete", "get", "list", "update", "watch"],
  }));
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: GROUP_PREFIX.slice("/apis/".length), resources };
}

/** Maps anything a handler throws to an HTTP error. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof ManifestValidationError) return new HttpError(422, "Invalid", err.errors.map(formatManifestError).join("\n"));
  if (err instanceof StoreError) {
    const code = err.reason === "NotFound" ? 404 : err.reason === "AlreadyExists" || err.reason === "Conflict" ? 409 : 400;
    return new HttpError(code, err.reason, err.message);
  }
  return new HttpError(500, "InternalError", `internal error: ${(err as Error)?.message ?? String(err)}`);
}

