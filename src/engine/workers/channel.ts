/**
 * What the two ends of the synchronous worker channel share: the layout of the signal words in
 * the `SharedArrayBuffer`, the key under which the channel travels in `workerData`, and the shape
 * of the messages on the port. The main side is `sync-worker.ts`, the worker side `serve-sync.ts`.
 */
import type { MessagePort, TransferListItem } from "node:worker_threads";

/** What a call or an answer can move to the other thread instead of copying (ArrayBuffers, MessagePorts). */
export type Transferable = TransferListItem;

/** Index of the answer counter: the worker adds 1 after posting each answer (a sequence number, so a notify that comes before the wait is never lost). */
export const SIGNAL_ANSWERS = 0;
/** Index of the "dead" word: the worker's `process.on("exit")` sets it to 1 as the thread ends. */
export const SIGNAL_DEAD = 1;
/** Index of the exit code the worker's exit hook recorded. */
export const SIGNAL_EXIT_CODE = 2;
/** How many 32-bit words the signal buffer has. */
export const SIGNAL_WORDS = 4;

/** The `Symbol.for` key of the global flag {@link serveSync} sets, which the bootstrap checks after loading the entry. */
export const SERVING_KEY = "memplane.serveSync.serving";

/** The `workerData` property that carries the channel (the caller's own data travels inside it). */
export const CHANNEL_KEY = "__memplaneSyncChannel";

/** The channel as it travels to the worker in `workerData[CHANNEL_KEY]`. */
export interface ChannelData {
  /** The worker's end of the request/answer port. */
  port: MessagePort;
  /** The signal words (an Int32Array view of it: {@link SIGNAL_ANSWERS}, {@link SIGNAL_DEAD}, {@link SIGNAL_EXIT_CODE}). */
  signal: SharedArrayBuffer;
  /** The caller's `workerData`, given to the worker's `init` handler. */
  data: unknown;
}

/** A request from the main thread. */
export interface RequestMessage {
  id: number;
  method: string;
  payload: unknown;
}

/** An error as it crosses the channel. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  /** The error's own enumerable properties with primitive values (`code`, `field`, …). */
  details?: Record<string, string | number | boolean | null>;
}

/** The worker's answer to one request. */
export type AnswerMessage = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };

/** What the worker's bootstrap posts just before the thread dies of an error outside a handler. */
export interface FatalMessage {
  fatal: string;
}

/** `value` as a {@link WireError}. */
export function toWireError(value: unknown): WireError {
  if (value instanceof Error) {
    const details: Record<string, string | number | boolean | null> = {};
    for (const [key, v] of Object.entries(value)) {
      if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") details[key] = v;
    }
    return {
      name: value.name,
      message: value.message,
      ...(value.stack !== undefined ? { stack: value.stack } : {}),
      ...(Object.keys(details).length > 0 ? { details } : {}),
    };
  }
  return { name: "Error", message: String(value) };
}
