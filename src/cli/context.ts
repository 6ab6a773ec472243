/**
 * What every command gets: the process's streams and environment, stdin on demand, and the
 * terminal (built after parsing, since `--no-color` may appear anywhere on the line).
 */
import { readStreamBounded } from "../manifest/bounded-read.js";
import { ReaderAwareStream } from "./output/reader-aware-stream.js";
import { Terminal, type OutputStream } from "./terminal.js";

/** The CLI's view of the process. */
export interface CliContext {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: NodeJS.ProcessEnv;
  /** The command line as typed (for the lock file): e.g. `memplane step --ticks 5`. */
  readonly commandLine: string;
  /**
   * Reads stdin (for `-f -`) to its end, or rejects with `InputTooLargeError` as soon as it passes
   * `maxBytes` (reading stops there). The bytes are decoded by the manifest reader.
   */
  readStdin(maxBytes: number): Promise<Uint8Array>;
  /** The terminal with colour decided from `--no-color`, `NO_COLOR` and TTY-ness. */
  terminal(): Terminal;
}

/**
 * Builds the context for the real process; `colorFlag` is read when the terminal is first needed.
 * Both streams treat a reader that went away as the end of output (see ReaderAwareStream).
 */
export function processContext(argv: readonly string[], colorFlag: () => boolean): CliContext {
  let terminal: Terminal | undefined;
  const stdout = new ReaderAwareStream(process.stdout);
  const stderr = new ReaderAwareStream(process.stderr);
  return {
    stdout,
    stderr,
    env: process.env,
    commandLine: ["memplane", ...argv].join(" "),
    readStdin: (maxBytes) => readStreamBounded(process.stdin, maxBytes),
    terminal: () => (terminal ??= new Terminal(stdout, stderr, process.env, colorFlag())),
  };
}
