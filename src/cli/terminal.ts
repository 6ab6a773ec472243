/**
 * Where the CLI writes and whether it may colour: colour only when the stream is a TTY, never
 * with `NO_COLOR` (any non-empty value) or `--no-color`; `FORCE_COLOR` (non-empty, not `0`)
 * turns it on for a pipe, as most CLIs allow.
 */

/** A writable stream as the CLI needs it. */
export interface OutputStream {
  write(chunk: string): boolean;
  isTTY?: boolean;
  /** True once the reader has gone away (`| head`): what is written next is dropped. */
  readonly closed?: boolean;
}

/** Decides colour for one stream (see the module comment for the rules). */
export function shouldUseColor(stream: OutputStream, env: NodeJS.ProcessEnv, colorFlag: boolean): boolean {
  if (!colorFlag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0") return true;
  return stream.isTTY === true;
}

/** ANSI SGR colour codes used by tables and messages. */
export const ANSI_COLORS = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1 } as const;

/** Wraps `text` in an ANSI colour when `enabled`. */
export function paint(text: string, color: keyof typeof ANSI_COLORS, enabled: boolean): string {
  return enabled ? `\x1b[${ANSI_COLORS[color]}m${text}\x1b[0m` : text;
}

/** The CLI's two output streams with their colour decisions. */
export class Terminal {
  /** May stdout be coloured? */
  readonly color: boolean;
  /** May stderr be coloured? */
  readonly errColor: boolean;

  constructor(
    readonly stdout: OutputStream,
    readonly stderr: OutputStream,
    env: NodeJS.ProcessEnv,
    colorFlag: boolean,
  ) {
    this.color = shouldUseColor(stdout, env, colorFlag);
    this.errColor = shouldUseColor(stderr, env, colorFlag);
  }

  /**
   * True once stdout's reader has gone away (`memplane logs | head -1`): the end of output.
   * Commands stop formatting what nobody reads; work that is kept (a `step`) still finishes.
   */
  get outputClosed(): boolean {
    return this.stdout.closed === true;
  }

  /** Writes to stdout (nothing once it is closed). */
  out(text: string): void {
    if (!this.outputClosed) this.stdout.write(text);
  }

  /** Writes to stderr. */
  err(text: string): void {
    this.stderr.write(text);
  }

  /** Prints `warning: <message>` on stderr. */
  warn(message: string): void {
    this.stderr.write(`${paint("warning:", "yellow", this.errColor)} ${message}\n`);
  }
}
