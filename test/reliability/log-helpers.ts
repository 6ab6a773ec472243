/**
 * Helpers for the log reliability tests: run the built CLI with a deadline (a command that
 * blocks is killed and reported, not waited for), read a state directory's committed log the
 * way the commit protocol defines it, and compare logs.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { LogEntry } from "../../src/engine/log-entry.js";
import { StateDirectory, parseLogLines } from "../../src/state/index.js";
import { BIN, ROOT } from "../cli/cli-harness.js";

/** What one bounded invocation produced. */
export interface BoundedResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The command was still running at the deadline and was SIGKILLed. */
  timedOut: boolean;
}

/** Runs `memplane ...args`, SIGKILLing it after `timeoutMs`. */
export function cli(args: readonly string[], env: Record<string, string | undefined> = {}, timeoutMs = 20_000): Promise<BoundedResult> {
  const merged: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined, MEMPLANE_STATE: undefined, ...env };
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: merged as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** Parses JSON-lines output (`--log-format json`) into entries. */
export function jsonLines(text: string): LogEntry[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as LogEntry);
}

/** True when `part` equals the last `part.length` entries of `whole`. */
export function isSuffix(part: readonly LogEntry[], whole: readonly LogEntry[]): boolean {
  if (part.length > whole.length) return false;
  const offset = whole.length - part.length;
  return part.every((e, i) => JSON.stringify(e) === JSON.stringify(whole[offset + i]));
}

/** Temp files (`.NAME.PID.tmp`) left in a directory. */
export function tempFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n.endsWith(".tmp"));
}

/**
 * Problems with a state directory at rest (no writer running): state.json must describe the log
 * exactly — the file is as long as the committed length and holds that many whole entries.
 */
export function restingProblems(dir: string): string[] {
  const sd = new StateDirectory(dir);
  const raw = JSON.parse(fs.readFileSync(sd.stateFile, "utf8")) as { tick: number; log: { entries: number; bytes: number } };
  const bytes = fs.existsSync(sd.logFile) ? fs.readFileSync(sd.logFile) : Buffer.alloc(0);
  const problems: string[] = [];
  if (bytes.length !== raw.log.bytes) problems.push(`log.jsonl has ${bytes.length} bytes, state.json commits ${raw.log.bytes}`);
  const parsed = parseLogLines(bytes.toString("utf8"), raw.tick);
  if (parsed.droppedLines + parsed.droppedUncommitted > 0) problems.push(`log.jsonl holds ${parsed.droppedLines} torn and ${parsed.droppedUncommitted} uncommitted lines`);
  if (parsed.entries.length !== raw.log.entries) problems.push(`log.jsonl holds ${parsed.entries.length} entries, state.json says ${raw.log.entries}`);
  const leftovers = tempFiles(dir);
  if (leftovers.length > 0) problems.push(`temp files left behind: ${leftovers.join(", ")}`);
  return problems;
}

/** Copies a state directory (a fresh one per scenario). */
export function copyState(from: string, to: string): string {
  fs.cpSync(from, to, { recursive: true });
  return to;
}

/** Path of the example whose balloon churn gives a few hundred log entries in a few hundred ticks. */
export const CHURN_EXAMPLE = path.join(ROOT, "manifests/examples/balloon-floor");
