/**
 * What every command gets: the process's streams and environment, stdin on demand, and the
 * terminal (built after parsing, since `--no-color` may appear anywhere on the line).
 */
import { Terminal, type OutputStream } from "./terminal.js";

/** The CLI's view of the process. */
export interface CliContext {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: NodeJS.ProcessEnv;
  /** The command line as typed (for the lock file): e.g. `memplane step --ticks 5`. */
  readonly commandLine: string;
  /** Reads all of stdin (for `-f -`). */
  readStdin(): Promise<string>;
  /** The terminal with colour decided from `--no-color`, `NO_COLOR` and TTY-ness. */
  terminal(): Terminal;
}

/** Reads a stream to the end as UTF-8. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** Builds the context for the real process; `colorFlag` is read when the terminal is first needed. */
export function processContext(argv: readonly string[], colorFlag: () => boolean): CliContext {
  let terminal: Terminal | undefined;
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    commandLine: ["memplane", ...argv].join(" "),
    readStdin: () => readAll(process.stdin),
    terminal: () => (terminal ??= new Terminal(process.stdout, process.stderr, process.env, colorFlag())),
  };
}
