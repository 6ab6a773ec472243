/**
 * The server's two listeners share one request handler: plain HTTP (memplane's own CLI, curl,
 * scrapers) and HTTPS with a self-signed certificate (tls-cert.ts), which Kubernetes clients need
 * because they send a kubeconfig's token only over TLS. Both get the same timeouts and
 * connection limit, and close the same way.
 */
import * as http from "node:http";
import * as https from "node:https";
import type { ServerLimits } from "./limits.js";
import type { ServerCertificate } from "./tls-cert.js";

/** A request handler of either listener. */
export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** Creates a plain HTTP listener, or an HTTPS one with `certificate`, with `limits` applied. */
export function createListener(limits: ServerLimits, handler: Handler, certificate?: ServerCertificate): http.Server {
  const options: http.ServerOptions = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.connectionsCheckingIntervalMs,
  };
  const server = certificate === undefined ? http.createServer(options, handler) : https.createServer({ ...options, key: certificate.key, cert: certificate.cert }, handler);
  server.timeout = 0; // watches may be quiet for long; the header/request/keep-alive timeouts guard the rest
  server.maxConnections = limits.maxConnections;
  return server;
}

/** Listens on `host:port`; rejects with the listen error (EADDRINUSE, …). */
export function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** Stops accepting, closes idle connections at once and the rest after a second. */
export function closeListener(server: http.Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 1000).unref();
  });
}
