/**
 * The loop behind `logs -f` and `get -w`: poll every few hundred milliseconds until Ctrl-C,
 * SIGTERM or a closed stdout (`… | head`), which all end the command normally. A poll that
 * fails, or a stdout that fails for another reason, rejects.
 */
import type { CliContext } from "./context.js";
import { isReaderGone } from "./output/reader-aware-stream.js";

/** Runs `poll` every `ms` (never two at once) until SIGINT, SIGTERM or a closed stdout; rejects if `poll` fails. */
export function pollUntilStopped(poll: () => void | Promise<void>, ms: number, ctx: CliContext): Promise<void> {
  return new Promise((resolve, reject) => {
    const stdout = ctx.stdout as Partial<NodeJS.WritableStream> & { closed?: boolean };
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const cleanUp = (): void => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      stdout.off?.("error", onError);
    };
    const stop = (): void => {
      cleanUp();
      resolve();
    };
    const fail = (err: unknown): void => {
      cleanUp();
      reject(err);
    };
    const onError = (err: NodeJS.ErrnoException): void => (isReaderGone(err) ? stop() : fail(err));
    const next = (): void => {
      timer = setTimeout(() => {
        if (stdout.closed === true) return stop(); // closed before this loop began listening
        let result: void | Promise<void>;
        try {
          result = poll();
        } catch (err) {
          return fail(err);
        }
        Promise.resolve(result).then(() => {
          if (!stopped) next();
        }, fail);
      }, ms);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    stdout.on?.("error", onError);
    next();
  });
}
