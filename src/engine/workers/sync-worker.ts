/**
 * Synchronous calls into worker threads: the main thread posts a request to each worker, lets
 * them work in parallel and blocks (`Atomics.wait`, allowed on Node's main thread) until every
 * answer is back, without returning to the event loop, so a synchronous `engine.step()` can spread
 * its work over threads. The worker side is `serve-sync.ts`; a worker entry is a built `.js` file
 * (`worker-entry.ts` finds it from sources and from `dist/`). It knows nothing of the engine.
 *
 * Mechanics: one `MessageChannel` per worker (the worker's port travels in `workerData`) and a
 * small `SharedArrayBuffer` of signal words. The worker posts its answer on the port, then adds 1
 * to the answer counter and `Atomics.notify`s; the main thread `Atomics.wait`s on the counter (a
 * sequence number, so a notify that comes before the wait is never lost), in 50 ms slices so it
 * notices a dead worker, and then takes the answer with `receiveMessageOnPort`. A bootstrap runs
 * before the entry module and sets the "dead" word (and the exit code) in the worker's
 * `process.on("exit")`: a worker that exits or dies of an uncaught error while answering makes
 * the waiting call throw at once, never hang. (A thread killed without running its exit hook — a
 * `resourceLimits` out-of-memory — is not detected.) Workers and ports are unref'd: live workers
 * never keep the process alive; a SyncWorker dropped without `terminate()` has its thread ended
 * when it is garbage-collected.
 *
 * Cost on the development machine (2 cores shared with other jobs, load 5–12, Node 20; medians
 * of `node dist/bench/worker-channel.js`): an empty call ≈ 7 µs round trip, `callAll` over two
 * workers ≈ 15 µs; a call carrying a 4 MiB ArrayBuffer ≈ 75–115 µs transferred (of which ≈ 45 µs
 * is allocating the buffer) vs ≈ 1.1–2 ms cloned; starting a worker until its first answer
 * ≈ 25–150 ms. Transfer big buffers, start workers once, keep per-tick calls few and coarse.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import {
  CHANNEL_KEY,
  SERVING_KEY,
  SIGNAL_ANSWERS,
  SIGNAL_DEAD,
  SIGNAL_EXIT_CODE,
  SIGNAL_WORDS,
  type AnswerMessage,
  type ChannelData,
  type FatalMessage,
  type Transferable,
  type WireError,
} from "./channel.js";

/** How long one `Atomics.wait` lasts before the waiting thread looks at the "dead" word again. */
const WAIT_SLICE_MS = 50;

/**
 * The worker's bootstrap, an ES module in a `data:` URL (so it loads the same whatever
 * `--input-type` the process was started with, which workers inherit): the exit hook, the
 * fatal-error report, then the entry module.
 */
function bootstrap(entry: URL): URL {
  const source = `import { workerData } from "node:worker_threads";
const channel = workerData[${JSON.stringify(CHANNEL_KEY)}];
const signal = new Int32Array(channel.signal);
process.on("exit", (code) => {
  Atomics.store(signal, ${SIGNAL_EXIT_CODE}, typeof code === "number" ? code : 0);
  Atomics.store(signal, ${SIGNAL_DEAD}, 1);
  Atomics.notify(signal, ${SIGNAL_ANSWERS});
});
const fatal = (e) => {
  try { channel.port.postMessage({ fatal: e instanceof Error ? e.name + ": " + e.message : String(e) }); } catch {}
};
process.on("uncaughtExceptionMonitor", fatal);
const entry = ${JSON.stringify(entry.href)};
try {
  await import(entry);
} catch (e) {
  const reason = e instanceof Error ? e.message : String(e);
  fatal(new Error("cannot load the worker entry " + entry + ": " + reason.replace(/ imported from data:\\S*/, "")));
  process.exit(1);
}
if (!globalThis[Symbol.for(${JSON.stringify(SERVING_KEY)})]) {
  fatal(new Error("the worker entry " + entry + " did not call serveSync()"));
  process.exit(1);
}
`;
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}

/** Ends the thread of a SyncWorker that was dropped without terminate(), so long-running processes do not collect idle threads. */
const reaper = new FinalizationRegistry<Worker>((worker) => void worker.terminate().catch(() => undefined));

function fromWire(wire: WireError): Error {
  const error = new Error(wire.message);
  error.name = wire.name;
  if (wire.stack !== undefined) error.stack = wire.stack;
  if (wire.details !== undefined) Object.assign(error, wire.details);
  return error;
}

/** A worker thread answering synchronous calls. */
export class SyncWorker {
  private readonly signal: Int32Array;
  private nextId = 1;
  /** Requests posted, as an int32 that wraps like the worker's `Atomics.add` on the answer counter. */
  private posted = 0;
  private outstanding: { id: number; method: string } | undefined;
  /** Why calls fail at once: the worker was terminated or has exited. */
  private closed: string | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    signal: SharedArrayBuffer,
    /** The worker's thread id (as `threadId` inside it). */
    readonly threadId: number,
  ) {
    this.signal = new Int32Array(signal);
  }

  /**
   * Starts a worker thread on `entry` (a built `.js` module that calls `serveSync`; see
   * `workerEntryUrl`). `workerData` (structured-cloned) goes to the worker's `init` handler and
   * `syncWorkerData()`. Returns at once; the first call waits for the thread to be ready.
   */
  static start(entry: URL, workerData: unknown, options: { name?: string } = {}): SyncWorker {
    const { port1, port2 } = new MessageChannel();
    const signal = new SharedArrayBuffer(SIGNAL_WORDS * Int32Array.BYTES_PER_ELEMENT);
    const channel: ChannelData = { port: port2, signal, data: workerData };
    const worker = new Worker(bootstrap(entry), {
      workerData: { [CHANNEL_KEY]: channel },
      transferList: [port2],
      ...(options.name !== undefined ? { name: options.name } : {}),
    });
    worker.unref();
    port1.unref();
    // the thread's errors are reported through the channel; without a listener they would crash the process
    worker.on("error", () => undefined);
    const sync = new SyncWorker(worker, port1, signal, worker.threadId);
    reaper.register(sync, worker, sync);
    return sync;
  }

  /** Sends a request; returns at once. At most one request outstanding per worker. */
  post(method: string, payload: unknown, transfer: readonly Transferable[] = []): void {
    this.checkUsable(method);
    if (this.outstanding !== undefined) {
      throw new Error(`worker thread ${this.threadId} already has a request outstanding ("${this.outstanding.method}"): wait() for it before posting "${method}"`);
    }
    const id = this.nextId;
    this.port.postMessage({ id, method, payload }, [...transfer]); // throws DataCloneError before anything is sent
    this.nextId += 1;
    this.posted = (this.posted + 1) | 0;
    this.outstanding = { id, method };
  }

  /** Blocks (Atomics.wait) until the outstanding request's answer arrives; returns it or throws. */
  wait<T>(): T {
    const request = this.outstanding;
    if (request === undefined) {
      this.checkUsable("wait");
      throw new Error(`worker thread ${this.threadId}: wait() without a request outstanding (post() one first)`);
    }
    for (;;) {
      const answered = Atomics.load(this.signal, SIGNAL_ANSWERS);
      if (answered === this.posted) break; // one request at a time: the counter is posted - 1 or posted
      if (Atomics.load(this.signal, SIGNAL_DEAD) !== 0) {
        // the counter moves before the exit hook runs: an answer sent just before the end still counts
        if (Atomics.load(this.signal, SIGNAL_ANSWERS) === this.posted) break;
        this.outstanding = undefined;
        throw new Error(this.died(`while answering "${request.method}"`));
      }
      Atomics.wait(this.signal, SIGNAL_ANSWERS, answered, WAIT_SLICE_MS);
    }
    this.outstanding = undefined;
    const answer = this.nextAnswer();
    if (answer === undefined || answer.id !== request.id) {
      this.close(`worker thread ${this.threadId} lost its channel`);
      throw new Error(`worker thread ${this.threadId}: the answer to "${request.method}" is missing from the channel`);
    }
    if (!answer.ok) throw fromWire(answer.error);
    return answer.value as T;
  }

  /** post + wait. */
  call<T>(method: string, payload: unknown, transfer?: readonly Transferable[]): T {
    this.post(method, payload, transfer);
    return this.wait<T>();
  }

  /** Ends the thread (synchronously marks it closed; later calls throw a clear Error). */
  terminate(): void {
    if (this.closed !== undefined && this.closed.endsWith("was terminated")) return;
    this.close(`worker thread ${this.threadId} was terminated`);
    reaper.unregister(this);
    this.worker.terminate().catch(() => undefined);
  }

  private close(reason: string): void {
    this.closed = reason;
    this.outstanding = undefined;
    this.port.close();
  }

  /** The next answer on the port, skipping a bootstrap's fatal report. */
  private nextAnswer(): AnswerMessage | undefined {
    for (;;) {
      const received = receiveMessageOnPort(this.port);
      if (received === undefined) return undefined;
      const message = received.message as AnswerMessage | FatalMessage;
      if (!("fatal" in message)) return message;
    }
  }

  /** Marks the worker dead and says so: "worker thread N exited (code C) <when>[: <fatal error>]". */
  private died(when: string): string {
    let fatal = "";
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) {
      const message = m.message as AnswerMessage | FatalMessage;
      if ("fatal" in message) fatal = `: ${message.fatal}`;
    }
    const code = Atomics.load(this.signal, SIGNAL_EXIT_CODE);
    const text = `worker thread ${this.threadId} exited (code ${code}) ${when}${fatal}`;
    this.close(`worker thread ${this.threadId} has exited (code ${code})${fatal}`);
    return text;
  }

  private checkUsable(method: string): void {
    if (this.closed !== undefined) throw new Error(`${this.closed}; cannot call "${method}"`);
    if (Atomics.load(this.signal, SIGNAL_DEAD) !== 0) throw new Error(this.died(`before "${method}" was sent`));
  }
}

/**
 * Posts `method` with `payloads[i]` to `workers[i]`, then waits for each: the calls run in
 * parallel. Returns the answers in the workers' order; if any call fails, waits for the others
 * and then throws the first failure. `transfers[i]`, when given, lists payload i's transferables.
 */
export function callAll<T>(
  workers: readonly SyncWorker[],
  method: string,
  payloads: readonly unknown[],
  transfers: readonly (readonly Transferable[] | undefined)[] = [],
): T[] {
  if (payloads.length !== workers.length) {
    throw new Error(`callAll("${method}"): ${payloads.length} payload(s) for ${workers.length} worker(s)`);
  }
  const failures: unknown[] = []; // by worker index
  let posted = 0;
  for (; posted < workers.length; posted++) {
    try {
      workers[posted]!.post(method, payloads[posted], transfers[posted] ?? []);
    } catch (e) {
      failures[posted] = e;
      break;
    }
  }
  const answers: T[] = [];
  for (let i = 0; i < posted; i++) {
    try {
      answers.push(workers[i]!.wait<T>());
    } catch (e) {
      failures[i] = e;
    }
  }
  const first = failures.findIndex((_, i) => i in failures);
  if (first >= 0) throw failures[first];
  return answers;
}
export type { Transferable } from "./channel.js";
