/**
 * The live control plane behind `memplane serve`: a Kubernetes-like HTTP API over one engine,
 * ticking in (scaled) real time.
 *
 * Writes are serialised by construction: a tick (`engine.step(1)` from a timer) and a write
 * (run once its body has been read) are each one synchronous turn of the event loop, so they
 * can never interleave; every acknowledged write has been persisted before the answer goes out,
 * and a write that cannot be saved is rolled back (writes.ts). Every request but `/healthz`
 * needs the bearer token and a `Host` header naming this server (host-check.ts). Bodies are
 * capped; slow clients are cut off by header, request and keep-alive timeouts; connections,
 * watches and how far a watcher may fall behind are limited (limits.ts, streams.ts).
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { Engine } from "../engine/engine.js";
import type { LogEntry } from "../engine/log-entry.js";
import { formatLogJson } from "../engine/log-format.js";
import { applyValidated } from "../engine/apply-validated.js";
import { ExplainError, explainHost, explainVm } from "../explain/index.js";
import { isLoopback, requireToken } from "./auth.js";
import { readBody } from "./body.js";
import { ServerClock, parseStepTicks } from "./clock-control.js";
import { toHttpError } from "./answers.js";
import { discoveryAnswer } from "./discovery.js";
import { acceptsJson, openApiAnswer } from "./openapi.js";
import { hostAllowed, invalidAllowedHost } from "./host-check.js";
import { closeListener, createListener, listen } from "./listeners.js";
import { selfSignedCertificate } from "./tls-cert.js";
import { resolveLimits, type ServerLimits } from "./limits.js";
import { LogBuffer } from "./log-buffer.js";
import { PROMETHEUS_CONTENT_TYPE, renderMetrics } from "./metrics.js";
import { booleanParam, dryRunParam } from "./query.js";
import { parseBodyManifests } from "./resources.js";
import { parseRoute, type Route } from "./routes.js";
import { HttpError, badRequest, methodNotAllowed, notFound } from "./status.js";
import { StreamHub, clientKey, type StreamStats } from "./streams.js";
import { followLogs, type StreamTarget } from "./watch.js";
import { WatchHistory } from "./watch-history.js";
import { handleResource, type ResourceContext } from "./resource-requests.js";
import { WriteGate, storeOf } from "./writes.js";
import type { EtcdStore } from "../etcd/index.js";

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** The simulation to serve. */
  engine: Engine;
  /** The bearer token every request but `/healthz` must carry. */
  token: string;
  /** Address to bind (default 127.0.0.1). Anything but loopback needs `allowRemote`. */
  host?: string;
  /** Port (default 0: a free port). */
  port?: number;
  /** Allow binding a non-loopback address. */
  allowRemote?: boolean;
  /** More `Host` header values to answer besides localhost, IP addresses and `host`: `NAME`, `NAME:PORT` or `*`. */
  allowedHosts?: readonly string[];
  /** Simulated seconds per real second (default 1); 0 never ticks (embedders and tests step by hand). */
  speed?: number;
  /** Saves the simulation: after every acknowledged write, every `saveIntervalMs` when ticks ran, and on close. */
  persist?: () => void;
  /** Real milliseconds between periodic saves (default 10 000). */
  saveIntervalMs?: number;
  /** Log entries from before the server started (the saved log), for `/logs`. */
  logHistory?: readonly LogEntry[];
  /** Size, time and count limits. */
  limits?: Partial<ServerLimits>;
  /** Also serve HTTPS with a fresh self-signed certificate (default true): kubectl and client-go send a token only over TLS. */
  https?: boolean;
  /** Port of the HTTPS listener (default 0: a free port), on the same address as `host`. */
  httpsPort?: number;
  /** Told about a tick that threw, a failed save (the server carries on), or a rolled-back write. */
  onError?: (message: string) => void;
  /**
   * The etcd store backend the engine was loaded from (`serve --store etcd://…`): writes are
   * acknowledged once committed to etcd; lists, gets and watches are served from etcd. The
   * caller closes it after the server.
   */
  etcd?: EtcdStore;
  /**
   * Why a tick cannot start now, or undefined when it can (simulation workers on etcd: none has
   * joined, or etcd is down). The clock skips its ticks meanwhile; `POST /clock/step` answers 503
   * with the reason.
   */
  ready?: () => string | undefined;
}

/** A server listening. */
export interface RunningServer {
  /** `http://HOST:PORT`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The underlying Node server (plain HTTP). */
  readonly httpServer: http.Server;
  /** `https://HOST:PORT`: the same API over TLS, for Kubernetes clients (they send tokens only over TLS); undefined with `https: false`. */
  readonly httpsUrl?: string;
  /** The HTTPS listener's self-signed certificate (PEM), for a kubeconfig's `certificate-authority-data`. */
  readonly certificate?: string;
  /** How many watches and log follows are open, and how many bytes they hold unsent. */
  streamStats(): StreamStats;
  /** The simulated clock: status, pause/resume/speed (`change`), `step(ticks)` — what `/clock` serves. */
  readonly clock: ServerClock;
  /** Stops ticking, ends streams, closes connections and saves once more. Safe to call twice. */
  close(): Promise<void>;
}

/** Options that make no sense (a non-loopback address without `allowRemote`, a bad speed or limit). */
export class ServerOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ServerOptionsError";
  }
}

const READ_METHODS = new Set(["GET", "HEAD"]);

/**
 * Whether a request must carry the bearer token: every request does, reads included and
 * whatever address it comes from (a proxy on the same machine would make every client look
 * local), except a read of `/healthz`, which load balancers and probes call bare.
 */
export function needsToken(method: string, routeType: Route["type"]): boolean {
  return !(routeType === "healthz" && READ_METHODS.has(method));
}

/** Starts the API server; resolves once it listens. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const engine = options.engine;
  const host = options.host ?? "127.0.0.1";
  if (!isLoopback(host) && !options.allowRemote) {
    throw new ServerOptionsError(`refusing to listen on ${host}, which is not a loopback address: pass --allow-remote to serve other machines`);
  }
  const speed = options.speed ?? 1;
  if (!Number.isFinite(speed) || speed < 0) throw new ServerOptionsError(`speed must be a number ≥ 0, got ${String(speed)}`);
  let limits: ServerLimits;
  try {
    limits = resolveLimits(options.limits);
  } catch (err) {
    throw new ServerOptionsError((err as Error).message);
  }
  const allowedHosts = options.allowedHosts ?? [];
  const badHost = invalidAllowedHost(allowedHosts);
  if (badHost !== undefined) throw new ServerOptionsError(badHost);
  const store = storeOf(engine);
  const onError = options.onError ?? (() => undefined);
  const logs = new LogBuffer(options.logHistory ?? []);
  const logSubscription = engine.logs$.subscribe((entry) => logs.push(entry));
  const hub = new StreamHub(limits);
  const history = new WatchHistory(store, limits.watchHistoryEvents);
  let closing = false;
  let savedTick = engine.tick;
  let listeningPort = 0;

  const persist = options.persist
    ? (): void => {
        options.persist!();
        savedTick = engine.tick;
      }
    : undefined;
  const etcd = options.etcd;
  const writes = new WriteGate(engine, {
    persist,
    durable: etcd === undefined ? undefined : () => etcd.commit(),
    closing: () => closing,
    rolledBack: (reason) => {
      onError(`a write was rolled back because saving it failed: ${reason}`);
      history.reset(); // nobody may resume from a resourceVersion that was undone
      hub.endAll("watch"); // watchers saw events that were undone: make them re-list
    },
  });

  let notReady: string | undefined;
  /** Why ticks wait (said once per new reason on stderr), or undefined when they can run. */
  const waitingFor = (): string | undefined => {
    const why = options.ready?.();
    if (why !== undefined && why !== notReady) onError(`ticks wait: ${why}`);
    else if (why === undefined && notReady !== undefined) onError("ticks go on");
    notReady = why;
    return why;
  };

  const clock = new ServerClock(engine, speed, () => {
    if (closing || waitingFor() !== undefined) return;
    try {
      engine.step(1);
    } catch (err) {
      onError(`tick ${engine.tick + 1} failed: ${(err as Error).message}`);
    }
  });

  const saveTimer = setInterval(() => {
    if (closing || engine.tick === savedTick || !persist) return;
    try {
      persist(); // ticks are not acknowledged to anyone: a failed save is retried at the next interval
    } catch (err) {
      onError(`saving the state failed (retrying in ${options.saveIntervalMs ?? 10_000} ms): ${(err as Error).message}`);
    }
  }, options.saveIntervalMs ?? 10_000);
  saveTimer.unref();

  const clockHeaders = (): Record<string, string> => ({
    "X-Memplane-Tick": String(engine.tick),
    "X-Memplane-Time-Seconds": String(engine.timeSeconds),
    "X-Memplane-Epoch": engine.options.epoch,
  });

  const send = (res: http.ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void => {
    const text = typeof body === "string" ? body : JSON.stringify(body) + "\n";
    res.writeHead(code, {
      "Content-Type": typeof body === "string" ? "text/plain; charset=utf-8" : "application/json",
      "Content-Length": String(Buffer.byteLength(text)),
      ...clockHeaders(),
      ...headers,
    });
    res.end(text);
  };

  const streamTo = (req: http.IncomingMessage, res: http.ServerResponse): StreamTarget => ({ hub, res, client: clientKey(req), headers: clockHeaders() });

  const serveLogs = (req: http.IncomingMessage, res: http.ServerResponse, params: URLSearchParams): void => {
    const since = Number(params.get("sinceTick") ?? params.get("since-tick") ?? 0);
    if (!Number.isSafeInteger(since) || since < 0) throw badRequest("sinceTick must be a whole number of ticks ≥ 0");
    if (booleanParam(params, "follow")) return followLogs(streamTo(req, res), logs, since);
    const body = logs.entries(since).map((e) => formatLogJson(e) + "\n").join("");
    res.writeHead(200, { "Content-Type": "application/x-ndjson", "Content-Length": String(Buffer.byteLength(body)), ...clockHeaders() });
    res.end(body);
  };

  const resourceContext: ResourceContext = { engine, writes, history, etcd, limits, send: (res, code, body) => send(res, code, body), streamTo };

  const handleApply = async (req: http.IncomingMessage, res: http.ServerResponse, params: URLSearchParams): Promise<void> => {
    if (req.method !== "POST") throw methodNotAllowed(req.method ?? "", "/apply", ["POST"]);
    const dryRun = dryRunParam(params);
    const objects = parseBodyManifests(await readBody(req, limits.maxBodyBytes));
    if (objects.length === 0) throw badRequest("the request body holds no objects");
    const items = await writes.run(dryRun, (e) => applyValidated(e, objects));
    send(res, 200, { apiVersion: "memplane.io/v1alpha1", kind: "ApplyResult", dryRun, items });
  };

  const handleExplain = (res: http.ServerResponse, route: Extract<Route, { type: "explain" }>, params: URLSearchParams): void => {
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
  };

  /** `/clock`: GET the clock, PATCH `{"paused"}`/`{"speed"}`; `/clock/step`: POST `?ticks=N`, saved at once. */
  const handleClock = async (req: http.IncomingMessage, res: http.ServerResponse, route: Route, params: URLSearchParams): Promise<void> => {
    const method = req.method ?? "GET";
    if (route.type === "clockStep") {
      if (method !== "POST") throw methodNotAllowed(method, "/clock/step", ["POST"]);
      const ticks = parseStepTicks(params.get("ticks"));
      if (closing) throw new HttpError(503, "ServiceUnavailable", "the server is shutting down");
      const why = waitingFor();
      if (why !== undefined) throw new HttpError(503, "ServiceUnavailable", `cannot step now: ${why}`);
      clock.step(ticks);
      try {
        persist?.();
      } catch (err) {
        onError(`saving the state failed (retrying in ${options.saveIntervalMs ?? 10_000} ms): ${(err as Error).message}`);
      }
      if (etcd !== undefined) {
        try {
          await etcd.commit(); // what the ticks wrote is in etcd before the answer, so a read after the step sees it
        } catch (err) {
          throw new HttpError(503, "ServiceUnavailable", `stepped ${ticks} tick${ticks === 1 ? "" : "s"}, but committing their status to etcd failed (retried with the next status period): ${(err as Error).message}`);
        }
      }
      send(res, 200, clock.status());
      return;
    }
    if (READ_METHODS.has(method)) return send(res, 200, clock.status());
    if (method !== "PATCH" && method !== "PUT") throw methodNotAllowed(method, "/clock", ["GET", "PATCH"]);
    const text = await readBody(req, limits.maxBodyBytes);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
    }
    send(res, 200, clock.change(body));
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const [pathname = "/", query = ""] = (req.url ?? "/").split("?", 2);
    const params = new URLSearchParams(query);
    const route = parseRoute(pathname);
    if (!route) throw notFound(`the server could not find the requested resource (${pathname})`);
    const method = req.method ?? "GET";
    if (route.type !== "healthz" && !hostAllowed(req.headers.host, { port: req.socket.localPort ?? listeningPort, bindHost: host, allowedHosts })) {
      throw forbiddenHost(req.headers.host);
    }
    if (needsToken(method, route.type)) requireToken(req, options.token);
    if (route.type !== "resource" && route.type !== "apply" && route.type !== "clock" && route.type !== "clockStep" && !READ_METHODS.has(method)) {
      throw methodNotAllowed(method, pathname, ["GET"]);
    }
    switch (route.type) {
      case "healthz":
        send(res, 200, "ok\n");
        return;
      case "metrics":
        res.writeHead(200, { "Content-Type": PROMETHEUS_CONTENT_TYPE });
        res.end(renderMetrics(engine.store, { ticks: engine.tick, timeSeconds: engine.timeSeconds, logEntries: logs.total }));
        return;
      case "logs":
        return serveLogs(req, res, params);
      case "apply":
        return handleApply(req, res, params);
      case "discovery":
        send(res, 200, discoveryAnswer(route.document, req.headers.host ?? `${host}:${listeningPort}`));
        return;
      case "openapi":
        if (!acceptsJson(req.headers.accept)) throw new HttpError(406, "NotAcceptable", `${pathname} is served as application/json only`);
        send(res, 200, openApiAnswer(route.document));
        return;
      case "resource":
        return handleResource(resourceContext, req, res, route, params);
      case "explain":
        return handleExplain(res, route, params);
      case "clock":
      case "clockStep":
        return handleClock(req, res, route, params);
    }
  };

  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
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
  };
  const server = createListener(limits, handler);
  const certificate = options.https === false ? undefined : selfSignedCertificate([host]);
  const secure = certificate === undefined ? undefined : createListener(limits, handler, certificate);

  try {
    await listen(server, options.port ?? 0, host);
    if (secure) await listen(secure, options.httpsPort ?? 0, host);
  } catch (err) {
    clearInterval(saveTimer);
    logSubscription.unsubscribe();
    history.close();
    await closeListener(server);
    throw err;
  }
  clock.start();
  const address = server.address() as AddressInfo;
  listeningPort = address.port;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const securePort = secure ? (secure.address() as AddressInfo).port : undefined;

  let closed: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${address.port}`,
    httpsUrl: securePort === undefined ? undefined : `https://${shownHost}:${securePort}`,
    certificate: certificate?.cert,
    host: address.address,
    port: address.port,
    httpServer: server,
    streamStats: () => hub.stats(),
    clock,
    close: () =>
      (closed ??= (async () => {
        closing = true;
        clock.stop();
        clearInterval(saveTimer);
        logSubscription.unsubscribe();
        history.close();
        logs.close();
        hub.endAll();
        await Promise.all([closeListener(server), secure ? closeListener(secure) : undefined]);
        options.persist?.();
      })()),
  };
}

/** The 403 for a request whose Host header names another server (DNS rebinding). */
function forbiddenHost(header: string | undefined): HttpError {
  const shown = header === undefined ? "" : header.length > 100 ? header.slice(0, 100) + "…" : header;
  return new HttpError(
    403,
    "Forbidden",
    `the Host header ${JSON.stringify(shown)} does not name this server (localhost or an IP address at its port); to serve a name, start memplane serve with --allowed-hosts NAME`,
  );
}
