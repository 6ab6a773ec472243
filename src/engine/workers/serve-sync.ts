/**
 * The worker side of the synchronous worker channel (`sync-worker.ts` is the main side): a
 * worker entry module calls {@link serveSync} once with its handlers, and the thread then answers
 * the main thread's requests one at a time, in order.
 */
import { isMainThread, workerData } from "node:worker_threads";
import { CHANNEL_KEY, SERVING_KEY, SIGNAL_ANSWERS, toWireError, type AnswerMessage, type ChannelData, type RequestMessage, type Transferable } from "./channel.js";

/** A request handler: takes the request's payload (a structured clone) and returns the answer, synchronously. */
export type SyncHandler = (payload: unknown) => unknown;

const SERVING_FLAG = Symbol.for(SERVING_KEY);

/** An answer with the transferables (ArrayBuffers) to move to the main thread instead of copying. */
export class TransferAnswer {
  constructor(
    /** The answer. */
    readonly value: unknown,
    /** Objects inside `value` to transfer; they are unusable in the worker afterwards. */
    readonly transfer: readonly Transferable[],
  ) {}
}

/** Wraps a handler's answer so that `transfer` (ArrayBuffers in it) moves to the main thread rather than being copied. */
export function withTransfer<T>(value: T, transfer: readonly Transferable[]): TransferAnswer {
  return new TransferAnswer(value, transfer);
}

function channel(): ChannelData {
  const found = isMainThread ? undefined : (workerData as Record<string, unknown> | null)?.[CHANNEL_KEY];
  if (found === undefined) {
    throw new Error("serveSync() must run in a worker thread started by SyncWorker.start() (no channel in workerData)");
  }
  return found as ChannelData;
}

/** The `workerData` given to `SyncWorker.start()` (also passed to the `init` handler). */
export function syncWorkerData<T = unknown>(): T {
  return channel().data as T;
}

function isThenable(value: unknown): boolean {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}

function run(handler: SyncHandler, method: string, payload: unknown, allowAsync = false): unknown {
  const value = handler(payload);
  if (isThenable(value) && !allowAsync) {
    (value as Promise<unknown>).then(undefined, () => undefined); // its rejection is not the thread's crash
    throw new Error(`the handler of "${method}" returned a promise; serveSync handlers must be synchronous`);
  }
  return value;
}

/**
 * Answers the main thread's requests with `handlers` (method name → synchronous handler) until the
 * thread ends. `handlers.init`, when present, runs once first with the `workerData` given to
 * `SyncWorker.start()` (it can also be called later like any method); if it throws at the start,
 * every request is answered with that error ("init failed: …").
 * A handler that throws, returns a promise or an answer that cannot be cloned answers an error;
 * an unknown method answers an error naming it. Call it once, from a worker entry module.
 *
 * With `options.async`, a handler may return a promise: the answer is sent when it settles, and
 * the thread's event loop runs meanwhile (a relay that does I/O for a blocked main thread).
 * Requests are still answered one at a time, in order.
 */
export function serveSync(handlers: Readonly<Record<string, SyncHandler>>, options: { async?: boolean } = {}): void {
  const { port, signal, data } = channel();
  const flags = globalThis as unknown as Record<symbol, boolean>;
  if (flags[SERVING_FLAG]) throw new Error("serveSync() was called twice in one worker thread");
  flags[SERVING_FLAG] = true;
  const answers = new Int32Array(signal);
  let initError: unknown;
  const init = Object.hasOwn(handlers, "init") ? handlers.init : undefined;
  if (init !== undefined) {
    try {
      run(init, "init", data);
    } catch (e) {
      initError = e;
    }
  }
  const send = (answer: AnswerMessage, transfer: readonly Transferable[] = []): void => {
    port.postMessage(answer, [...transfer]);
    Atomics.add(answers, SIGNAL_ANSWERS, 1);
    Atomics.notify(answers, SIGNAL_ANSWERS);
  };
  const answer = (id: number, method: string, value: unknown): void => {
    try {
      if (value instanceof TransferAnswer) send({ id, ok: true, value: value.value }, value.transfer);
      else send({ id, ok: true, value });
    } catch (e) {
      // postMessage threw before sending (DataCloneError): the answer could not cross
      send({ id, ok: false, error: toWireError(new Error(`the answer of "${method}" cannot be sent to the main thread: ${toWireError(e).message}`)) });
    }
  };
  port.on("message", (request: RequestMessage) => {
    const { id, method, payload } = request;
    let value: unknown;
    try {
      if (initError !== undefined) {
        const wire = toWireError(initError);
        const err = new Error(`init failed: ${wire.message}`);
        err.name = wire.name;
        throw err;
      }
      const handler = Object.hasOwn(handlers, method) ? handlers[method] : undefined;
      if (handler === undefined) throw new Error(`unknown method "${method}" (this worker answers: ${Object.keys(handlers).join(", ") || "nothing"})`);
      value = run(handler, method, payload, options.async === true);
    } catch (e) {
      send({ id, ok: false, error: toWireError(e) });
      return;
    }
    if (isThenable(value)) {
      (value as Promise<unknown>).then(
        (v) => answer(id, method, v),
        (e: unknown) => send({ id, ok: false, error: toWireError(e) }),
      );
      return;
    }
    answer(id, method, value);
  });
}
