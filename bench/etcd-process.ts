/**
 * A throwaway etcd for `npm run bench:scale-out`: the machine's `etcd` on random free loopback
 * client and peer ports with a temporary data dir, removed when it stops (and killed when the
 * bench exits, however it exits). Its Prometheus `/metrics` are read before and after a measured
 * step ({@link readEtcdMetrics}). The same approach as test/helpers/etcd-server.ts, which the
 * build (tsconfig.json) does not include.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { installExitHook, live, liveDirs } from "./exit-reaper.js";

/** Thrown when no etcd executable is on PATH; its message names the fix. */
export class EtcdNotInstalledError extends Error {
  constructor() {
    super("etcd not found on PATH (nor in /usr/bin): install it (Debian/Ubuntu: apt-get install etcd-server) or put etcd on PATH");
    this.name = "EtcdNotInstalledError";
  }
}

/** The etcd executable: /usr/bin first, then PATH; undefined when there is none. */
export function findEtcdBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = ["/usr/bin", ...(env.PATH ?? "").split(path.delimiter).filter((d) => d !== "")];
  return dirs
    .map((dir) => path.join(dir, "etcd"))
    .find((file) => {
      try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
      } catch {
        return false;
      }
    });
}

/** A free loopback TCP port (the OS picks it; closed again before etcd binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** A running throwaway etcd. */
export interface BenchEtcd {
  /** What `serve --store` and `worker --store` take: `etcd://127.0.0.1:PORT`. */
  readonly url: string;
  /** `127.0.0.1:PORT`, for the etcd3 client. */
  readonly endpoint: string;
  /** The etcd process id (its CPU time is read from /proc). */
  readonly pid: number;
  /** Its `/metrics`, summed over labels, by metric name. */
  metrics(): Promise<Map<string, number>>;
  /** Stops etcd (SIGTERM, SIGKILL after 5 s) and removes its data dir. Safe to call twice. */
  destroy(): Promise<void>;
}

/** Parses Prometheus text: every sample's value summed by metric name (labels dropped). */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m === null) continue;
    const value = Number(m[2]);
    if (Number.isFinite(value)) out.set(m[1]!, (out.get(m[1]!) ?? 0) + value);
  }
  return out;
}

/** GETs `url` and resolves its body, or undefined when nothing answers within 2 s. */
async function get(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return await res.text();
  } catch {
    return undefined;
  }
}

/**
 * Starts a throwaway etcd (see the module comment). Its backend quota is 8 GiB, etcd's suggested
 * maximum, so that the 10 000-VM rows' status history fits without compaction.
 */
export async function startBenchEtcd(): Promise<BenchEtcd> {
  const binary = findEtcdBinary();
  if (binary === undefined) throw new EtcdNotInstalledError();
  installExitHook();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "memplane-bench-etcd-"));
  liveDirs.add(dataDir);
  const clientPort = await freePort();
  const peerPort = await freePort();
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const child = spawn(
    binary,
    [
      "--name", "memplane-bench",
      "--data-dir", dataDir,
      "--listen-client-urls", clientUrl,
      "--advertise-client-urls", clientUrl,
      "--listen-peer-urls", peerUrl,
      "--initial-advertise-peer-urls", peerUrl,
      "--initial-cluster", `memplane-bench=${peerUrl}`,
      "--quota-backend-bytes", String(8 * 2 ** 30),
      "--logger", "zap",
      "--log-level", "warn",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  live.add(child);
  let output = "";
  const keep = (chunk: Buffer): void => void (output = (output + chunk.toString()).slice(-4000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => live.delete(child));
  const destroy = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
    liveDirs.delete(dataDir);
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await destroy();
      throw new Error(`etcd exited while starting (code ${child.exitCode}, signal ${child.signalCode}):\n${output}`);
    }
    if (/"health":\s*"true"/.test((await get(`${clientUrl}/health`)) ?? "")) break;
    if (Date.now() > deadline) {
      await destroy();
      throw new Error(`etcd at ${clientUrl} was not healthy within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `etcd://127.0.0.1:${clientPort}`,
    endpoint: `127.0.0.1:${clientPort}`,
    pid: child.pid!,
    metrics: async () => {
      const text = await get(`${clientUrl}/metrics`);
      if (text === undefined) throw new Error(`etcd at ${clientUrl} did not answer /metrics`);
      return parseMetrics(text);
    },
    destroy,
  };
}

/** `after − before` of one metric (NaN when etcd does not export it). */
export function delta(before: Map<string, number>, after: Map<string, number>, name: string): number {
  const a = after.get(name);
  const b = before.get(name);
  return a === undefined || b === undefined ? Number.NaN : a - b;
}
