/**
 * Helpers for tests that attack an in-process API server over real HTTP on 127.0.0.1: requests
 * with any header (a `Host` fetch would not let us set), streaming requests that never read,
 * and a VM manifest builder.
 */
import * as http from "node:http";

/** A token long enough for `readTokenFile`, used by the in-process servers. */
export const TEST_TOKEN = "t0k3n-for-attack-tests-0123456789";
/** The memplane API group prefix. */
export const G = "/apis/memplane.io/v1alpha1";
/** The Authorization header carrying {@link TEST_TOKEN}. */
export const AUTH = { Authorization: `Bearer ${TEST_TOKEN}` };

/** What a request answered. */
export interface Answer {
  code: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
}

/** Options of {@link request}. */
export interface RequestOptions {
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** Sends one request byte for byte (headers as given, `Host` included) and reads the whole answer. */
export function request(port: number, method: string, path: string, options: RequestOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method, headers: options.headers ?? {}, timeout: 20_000, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ code: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.end(options.body);
  });
}

/** A streaming response (a watch or a log follow) held open by the test. */
export interface OpenStream {
  code: number;
  /** Bytes received so far. */
  received(): number;
  /** The text received so far. */
  text(): string;
  /** Stops reading: the socket's buffers fill and the server has to buffer or give up. */
  pause(): void;
  /** Reads again. */
  resume(): void;
  /** Resolves with "end" when the server ended the stream cleanly, "reset" when the connection broke. */
  readonly finished: Promise<"end" | "reset">;
  /** Closes the connection from the client side. */
  close(): void;
}

/** Opens a streaming GET and resolves once the status line is in (the body keeps coming). */
export function openStream(port: number, path: string, headers: Record<string, string> = AUTH, options: { paused?: boolean } = {}): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method: "GET", headers, agent: false });
    req.on("error", reject);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finished = new Promise<"end" | "reset">((done) => {
        res.on("end", () => done(res.complete ? "end" : "reset"));
        res.on("aborted", () => done("reset"));
        res.on("error", () => done("reset"));
        res.on("close", () => done(res.complete ? "end" : "reset"));
      });
      res.on("data", (d: Buffer) => {
        chunks.push(d);
        size += d.length;
      });
      if (options.paused) res.pause();
      resolve({
        code: res.statusCode ?? 0,
        received: () => size,
        text: () => Buffer.concat(chunks).toString("utf8"),
        pause: () => res.pause(),
        resume: () => res.resume(),
        finished,
        close: () => req.destroy(),
      });
    });
    req.end();
  });
}

/** A VirtualMachine manifest on host esx-01. */
export function vmManifest(name: string, extra: { memory?: string; annotations?: Record<string, string>; labels?: Record<string, string> } = {}): object {
  const metadata: Record<string, unknown> = { name };
  if (extra.annotations) metadata.annotations = extra.annotations;
  if (extra.labels) metadata.labels = extra.labels;
  return { apiVersion: "memplane.io/v1alpha1", kind: "VirtualMachine", metadata, spec: { hostName: "esx-01", memory: extra.memory ?? "1Gi" } };
}

/** One host (esx-01, 64Gi) as YAML, for engines the tests fill. */
export const ONE_HOST = "apiVersion: memplane.io/v1alpha1\nkind: Host\nmetadata: {name: esx-01}\nspec: {capacity: 64Gi}\n";

/** Waits until `condition()` holds, polling every 10 ms; throws after `ms`. */
export async function until(condition: () => boolean, ms = 10_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Lets the event loop run (sockets drain, timers fire). */
export const pause = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms));
