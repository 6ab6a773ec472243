/**
 * The built CLI as the scale-out bench runs it: long-running `memplane serve` and `memplane
 * worker` processes ({@link startCli}: wait for a line, read its CPU time, stop it), and one-shot
 * commands ({@link runCli}). Every process started here is killed when the bench exits.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { installExitHook, live } from "./exit-reaper.js";

/** The environment of every child: this one without MEMPLANE_* (the bench says what it wants), plus `extra`. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("MEMPLANE_")) env[k] = v;
  return { ...env, ...extra };
}

/** CPU time (user + system) of a live process — or of its main thread alone with `mainThread` — ms, from /proc (NaN where there is none). */
export function processCpuMs(pid: number, mainThread = false): number {
  try {
    const stat = fs.readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in USER_HZ (100 on Linux)
  } catch {
    return Number.NaN;
  }
}

/** A long-running CLI process. */
export interface CliProcess {
  readonly pid: number;
  /** Resolves the first match of `pattern` in its stdout + stderr (what came before included); rejects when it exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Its CPU time so far (all threads, or the main thread alone), ms. */
  cpuMs(mainThread?: boolean): number;
  /** The last 4 000 characters it wrote. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves how it ended (`exit 0`, `exit 1`, `SIGTRAP`, …) once it has exited. */
  stop(graceMs?: number): Promise<string>;
  /** How it ended, or undefined while it runs. */
  ended(): string | undefined;
}

/** Starts `node [nodeFlags] <cli> ...args` (see the module comment). */
export function startCli(cliPath: string, args: readonly string[], env: NodeJS.ProcessEnv, label: string, nodeFlags: readonly string[] = []): CliProcess {
  installExitHook();
  const child = spawn(process.execPath, [...nodeFlags, cliPath, ...args], { stdio: ["ignore", "pipe", "pipe"], env });
  live.add(child);
  let text = "";
  const listeners = new Set<() => void>();
  const take = (chunk: Buffer): void => {
    text = (text + chunk.toString()).slice(-4000);
    for (const l of listeners) l();
  };
  child.stdout!.on("data", take);
  child.stderr!.on("data", take);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => {
    live.delete(child);
    for (const l of listeners) l();
  });
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const ended = (): string | undefined => (child.signalCode !== null ? child.signalCode : child.exitCode !== null ? `exit ${child.exitCode}` : undefined);
  return {
    pid: child.pid!,
    waitFor: (pattern, timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`${label} did not print ${pattern} within ${timeoutMs / 1000} s:\n${text}`)), timeoutMs);
        const check = (): void => {
          const m = pattern.exec(text);
          if (m !== null) finish(m);
          else if (gone()) finish(new Error(`${label} exited (code ${child.exitCode}, signal ${child.signalCode}) before printing ${pattern}:\n${text}`));
        };
        const finish = (r: RegExpMatchArray | Error): void => {
          clearTimeout(timer);
          listeners.delete(check);
          if (r instanceof Error) reject(r);
          else resolve(r);
        };
        listeners.add(check);
        check();
      }),
    cpuMs: (mainThread = false) => processCpuMs(child.pid!, mainThread),
    output: () => text,
    stop: async (graceMs = 20_000) => {
      if (!gone()) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        await exited;
        clearTimeout(timer);
      }
      return ended()!;
    },
    ended,
  };
}

/** Runs `node <cli> ...args` to the end, stdout to `stdout` (a file descriptor, or ignored); rejects with its stderr when it fails. */
export function runCli(cliPath: string, args: readonly string[], env: NodeJS.ProcessEnv, stdout: number | "ignore" = "ignore"): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { stdio: ["ignore", stdout, "pipe"], env });
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`memplane ${args.join(" ")} exited ${code ?? signal}: ${stderr.trim().slice(0, 2000)}`));
    });
  });
}
