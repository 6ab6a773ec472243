/**
 * stdout and stderr as the CLI writes them: when the reader goes away (`memplane get vms | head
 * -1` — EPIPE, or a reset socket) that is the end of output, not a crash. Later writes are
 * dropped, the command carries on (so `step` still saves the ticks it simulated) and exits 0,
 * as kubectl does. Any other write error (a full disk behind `> file`) is kept as the stream's
 * `failure` for the CLI to report with exit 1.
 */
import type { OutputStream } from "../terminal.js";

/** The error codes that mean "nobody reads this stream any more". */
const READER_GONE = new Set(["EPIPE", "ECONNRESET", "ERR_STREAM_DESTROYED"]);

/** True when `err` says the reader of a stream went away. */
export function isReaderGone(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && READER_GONE.has(code);
}

/** The parts of a Node writable stream (process.stdout) the wrapper uses. */
export type NodeOutput = OutputStream & {
  on(event: "error", listener: (err: NodeJS.ErrnoException) => void): unknown;
  destroyed?: boolean;
};

/** A stream that knows when its reader has gone; see the module comment. */
export class ReaderAwareStream implements OutputStream {
  private gone = false;
  /** The first write error that was not a closed reader (reported by the CLI as exit 1). */
  failure: NodeJS.ErrnoException | undefined;

  constructor(readonly inner: NodeOutput) {
    inner.on("error", (err) => {
      if (isReaderGone(err)) this.gone = true;
      else this.failure ??= err;
    });
  }

  /** True once nothing more can be written: the reader went away or the stream failed. */
  get closed(): boolean {
    // a failed synchronous write destroys the stream at once; its error event follows on the next tick
    return this.gone || this.failure !== undefined || this.inner.destroyed === true;
  }

  /** Is the stream a terminal? */
  get isTTY(): boolean | undefined {
    return this.inner.isTTY;
  }

  /** The terminal's width, when it is one. */
  get columns(): number | undefined {
    return (this.inner as { columns?: number }).columns;
  }

  /** Writes `chunk`, or drops it once the stream is closed (returning true: nothing to wait for). */
  write(chunk: string): boolean {
    if (this.closed) return true;
    return this.inner.write(chunk);
  }

  /** Listens on the underlying stream (`drain`, `error`), for writers that honour backpressure. */
  on(event: string, listener: (...args: never[]) => void): this {
    (this.inner as unknown as NodeJS.EventEmitter).on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** Listens once on the underlying stream. */
  once(event: string, listener: (...args: never[]) => void): this {
    (this.inner as unknown as NodeJS.EventEmitter).once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** Stops listening on the underlying stream. */
  off(event: string, listener: (...args: never[]) => void): this {
    (this.inner as unknown as NodeJS.EventEmitter).off(event, listener as (...args: unknown[]) => void);
    return this;
  }
}
