/**
 * Long-lived JSON-lines responses (watches and log follows), bounded three ways:
 *
 * - **How many**: at most `maxWatches` open at once and `maxWatchesPerClient` per client address;
 *   one more is a 429 `TooManyRequests` with `Retry-After`.
 * - **How far behind**: lines go to the socket while it takes them; after that they wait in the
 *   stream's own queue. A stream whose queue passes `maxStreamBufferBytes`, or the stream
 *   furthest behind when all queues together pass `maxStreamBufferTotalBytes`, is ended the way
 *   Kubernetes ends a watcher it gave up on: its queued events are dropped and the response ends
 *   cleanly after the bytes already handed to the socket, so the client re-lists and watches
 *   again.
 * - **How long it may take to leave**: an ended stream whose client still does not read is
 *   disconnected after `streamEndTimeoutMs`, freeing its socket.
 */
import type * as http from "node:http";
import type { ServerLimits } from "./limits.js";
import { HttpError } from "./status.js";

/** Lines written to the socket in one go when a queue drains. */
const FLUSH_CHUNK_BYTES = 64 * 1024;

/** The limits a {@link StreamHub} enforces. */
export type StreamLimits = Pick<ServerLimits, "maxWatches" | "maxWatchesPerClient" | "maxStreamBufferBytes" | "maxStreamBufferTotalBytes" | "streamEndTimeoutMs">;

/** What a stream carries: store watch events or log entries. */
export type StreamTopic = "watch" | "logs";

/** What the hub holds right now. */
export interface StreamStats {
  /** Streams whose connection is still open (ended ones included until their client has them). */
  watches: number;
  /** Of those, streams the server has ended that are still delivering their last bytes. */
  draining: number;
  /** Bytes waiting to be sent: the streams' queues plus what their sockets have not taken yet. */
  bufferedBytes: number;
}

/** The client a request counts against: its address, IPv4-mapped IPv6 as plain IPv4. */
export function clientKey(req: http.IncomingMessage): string {
  const address = req.socket.remoteAddress ?? "unknown";
  return address.startsWith("::ffff:") ? address.slice("::ffff:".length) : address;
}

/** One open stream: send lines; it ends itself when it falls too far behind. */
export class LiveStream {
  #queue: string[] = [];
  #queuedBytes = 0;
  #ended = false;
  #endTimer: NodeJS.Timeout | undefined;
  readonly #onEnd: (() => void)[] = [];

  constructor(
    private readonly hub: StreamHub,
    private readonly res: http.ServerResponse,
    /** The client address it counts against. */
    readonly client: string,
    /** What it carries. */
    readonly topic: StreamTopic,
  ) {
    res.on("drain", () => this.#flush());
  }

  /** Bytes in this stream's queue. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** Bytes waiting: the queue plus what the socket has not taken. */
  get bufferedBytes(): number {
    return this.#queuedBytes + (this.res.destroyed ? 0 : this.res.writableLength);
  }

  /** True once ended (by the server, the client, or a limit). */
  get ended(): boolean {
    return this.#ended;
  }

  /** Runs `listener` once, when the stream ends for whatever reason (unsubscribe here). */
  onEnd(listener: () => void): void {
    if (this.#ended) listener();
    else this.#onEnd.push(listener);
  }

  /** Sends one line (the newline is added). Lines sent after the end are dropped. */
  send(line: string): void {
    if (this.#ended) return;
    if (this.#queue.length === 0 && !this.res.writableNeedDrain) {
      this.res.write(line + "\n");
      return;
    }
    const bytes = Buffer.byteLength(line) + 1;
    this.#queue.push(line);
    this.#queuedBytes += bytes;
    this.hub.queued(bytes);
    if (this.#queuedBytes > this.hub.limits.maxStreamBufferBytes) this.end();
    else this.hub.enforceBudget();
  }

  /**
   * Ends the stream: drops what is queued, ends the response after what the socket already has,
   * and disconnects a client that has not read that within the end timeout.
   */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#dropQueue();
    for (const listener of this.#onEnd.splice(0)) listener();
    if (this.res.destroyed) return;
    this.res.end();
    if (!this.res.writableFinished) {
      this.#endTimer = setTimeout(() => this.res.destroy(), this.hub.limits.streamEndTimeoutMs);
      this.#endTimer.unref();
    }
  }

  /** The connection is gone: forget everything. */
  closed(): void {
    if (this.#endTimer) clearTimeout(this.#endTimer);
    this.#ended = true;
    this.#dropQueue();
    for (const listener of this.#onEnd.splice(0)) listener();
  }

  #dropQueue(): void {
    this.hub.queued(-this.#queuedBytes);
    this.#queue = [];
    this.#queuedBytes = 0;
  }

  /** Hands queued lines to the socket while it takes them. */
  #flush(): void {
    while (!this.#ended && this.#queue.length > 0 && !this.res.writableNeedDrain) {
      let chunk = "";
      let count = 0;
      while (count < this.#queue.length && chunk.length < FLUSH_CHUNK_BYTES) chunk += this.#queue[count++] + "\n";
      this.#queue.splice(0, count);
      const bytes = Buffer.byteLength(chunk);
      this.#queuedBytes -= bytes;
      this.hub.queued(-bytes);
      this.res.write(chunk);
    }
  }
}

/** Admits, counts and bounds the server's streams. */
export class StreamHub {
  readonly #streams = new Set<LiveStream>();
  readonly #perClient = new Map<string, number>();
  #queuedTotal = 0;

  constructor(readonly limits: StreamLimits) {}

  /** Throws 429 when `client` may not open another stream (call before answering 200). */
  admit(client: string): void {
    const mine = this.#perClient.get(client) ?? 0;
    if (mine >= this.limits.maxWatchesPerClient) {
      throw tooMany(`too many watches from ${client}: at most ${this.limits.maxWatchesPerClient} per client may be open (close one, or raise --max-watches-per-client)`);
    }
    if (this.#streams.size >= this.limits.maxWatches) {
      throw tooMany(`too many watches: at most ${this.limits.maxWatches} may be open in total (try again later, or raise --max-watches)`);
    }
  }

  /** Admits the stream (429 when it may not open), answers 200 with `headers` and returns it. */
  open(res: http.ServerResponse, client: string, topic: StreamTopic, headers: Record<string, string>): LiveStream {
    this.admit(client);
    res.writeHead(200, { "Cache-Control": "no-cache", ...headers });
    res.flushHeaders();
    const stream = new LiveStream(this, res, client, topic);
    this.#streams.add(stream);
    this.#perClient.set(client, (this.#perClient.get(client) ?? 0) + 1);
    res.on("close", () => {
      stream.closed();
      if (!this.#streams.delete(stream)) return;
      const left = (this.#perClient.get(client) ?? 1) - 1;
      if (left > 0) this.#perClient.set(client, left);
      else this.#perClient.delete(client);
    });
    return stream;
  }

  /** Counts bytes entering (positive) or leaving (negative) the streams' queues. */
  queued(bytes: number): void {
    this.#queuedTotal += bytes;
  }

  /** Ends the streams furthest behind until all queues together fit the total budget. */
  enforceBudget(): void {
    while (this.#queuedTotal > this.limits.maxStreamBufferTotalBytes) {
      let worst: LiveStream | undefined;
      for (const s of this.#streams) if (!s.ended && (worst === undefined || s.queuedBytes > worst.queuedBytes)) worst = s;
      if (worst === undefined || worst.queuedBytes === 0) return;
      worst.end();
    }
  }

  /** Ends every open stream, or those of `topic` (watches after a rollback they saw happen). */
  endAll(topic?: StreamTopic): void {
    for (const s of this.#streams) if (topic === undefined || s.topic === topic) s.end();
  }

  /** What the streams hold now. */
  stats(): StreamStats {
    let bufferedBytes = 0;
    let draining = 0;
    for (const s of this.#streams) {
      bufferedBytes += s.bufferedBytes;
      if (s.ended) draining++;
    }
    return { watches: this.#streams.size, draining, bufferedBytes };
  }
}

function tooMany(message: string): HttpError {
  return new HttpError(429, "TooManyRequests", message, { "Retry-After": "1" });
}
