/**
 * `<state>/serve.json`: where a running `memplane serve` answers (its HTTP and HTTPS URLs and the
 * HTTPS listener's self-signed certificate), written when it starts listening and removed when
 * it stops, so `memplane kubeconfig --state DIR` can point kubectl at it. Nothing secret is in
 * it (the token stays in `<state>/token`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomicSync } from "../state/index.js";

/** The endpoint file's name inside the state directory. */
export const ENDPOINT_FILE = "serve.json";

/** What the endpoint file records. */
export interface ServerEndpoint {
  /** `http://HOST:PORT`. */
  url: string;
  /** `https://HOST:PORT`. */
  httpsUrl: string;
  /** The HTTPS listener's certificate, PEM. */
  certificate: string;
  /** The serving process. */
  pid: number;
}

/** Records `endpoint` in `<dir>/serve.json` (atomically). */
export function writeEndpoint(dir: string, endpoint: ServerEndpoint): void {
  writeFileAtomicSync(path.join(dir, ENDPOINT_FILE), JSON.stringify(endpoint, null, 2) + "\n");
}

/** Removes `<dir>/serve.json` if it is there. */
export function removeEndpoint(dir: string): void {
  fs.rmSync(path.join(dir, ENDPOINT_FILE), { force: true });
}

/** The endpoint recorded in `<dir>/serve.json`; undefined when there is none; an Error naming the file when it is malformed. */
export function readEndpoint(dir: string): ServerEndpoint | undefined {
  const file = path.join(dir, ENDPOINT_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  let value: Partial<ServerEndpoint>;
  try {
    value = JSON.parse(text) as Partial<ServerEndpoint>;
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message}); restart memplane serve to rewrite it`);
  }
  for (const field of ["url", "httpsUrl", "certificate"] as const) {
    if (typeof value[field] !== "string") throw new Error(`${file}: ${field} must be a string; restart memplane serve to rewrite it`);
  }
  return value as ServerEndpoint;
}
