/**
 * ReaderAwareStream: a reader that went away (EPIPE, reset, destroyed stream) closes the stream
 * quietly — writes are dropped and never wait for "drain" — while any other write error is kept
 * for the CLI to report.
 */
import { EventEmitter } from "node:events";
import { ReaderAwareStream, isReaderGone } from "../../../src/cli/output/reader-aware-stream.js";
import { Terminal } from "../../../src/cli/terminal.js";

/** A fake process.stdout that records writes. */
class FakeStdout extends EventEmitter {
  written: string[] = [];
  destroyed = false;
  isTTY = false;
  write(chunk: string): boolean {
    this.written.push(chunk);
    return false;
  }
}

/** An error with a code, as Node reports write failures. */
function failure(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`write ${code}`), { code });
}

test.each(["EPIPE", "ECONNRESET", "ERR_STREAM_DESTROYED"])("%s closes the stream and later writes are dropped", (code) => {
  const inner = new FakeStdout();
  const out = new ReaderAwareStream(inner);
  expect(out.write("first\n")).toBe(false); // passes the real backpressure through
  inner.emit("error", failure(code));
  expect(out.closed).toBe(true);
  expect(out.failure).toBeUndefined();
  expect(out.write("second\n")).toBe(true); // nothing to wait for
  expect(inner.written).toEqual(["first\n"]);
  expect(isReaderGone(failure(code))).toBe(true);
});

test("a stream destroyed by a failed synchronous write is closed before its error event arrives", () => {
  const inner = new FakeStdout();
  const out = new ReaderAwareStream(inner);
  inner.destroyed = true;
  expect(out.closed).toBe(true);
  out.write("dropped");
  expect(inner.written).toEqual([]);
});

test("any other write error is kept as the failure", () => {
  const inner = new FakeStdout();
  const out = new ReaderAwareStream(inner);
  inner.emit("error", failure("ENOSPC"));
  expect(out.failure?.code).toBe("ENOSPC");
  expect(out.closed).toBe(true);
  expect(isReaderGone(failure("ENOSPC"))).toBe(false);
});

test("the terminal stops printing once stdout is closed and says so", () => {
  const inner = new FakeStdout();
  const term = new Terminal(new ReaderAwareStream(inner), new FakeStdout(), {}, false);
  term.out("a\n");
  expect(term.outputClosed).toBe(false);
  inner.emit("error", failure("EPIPE"));
  term.out("b\n");
  expect(term.outputClosed).toBe(true);
  expect(inner.written).toEqual(["a\n"]);
});
