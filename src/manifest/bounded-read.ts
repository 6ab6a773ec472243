/**
 * Reading a stream (standard input) under a byte limit: the bytes are kept only up to the limit,
 * and reading stops — the stream is destroyed — the moment the limit is passed, so an endless
 * producer (`yes "a: b" | memplane validate -f -`) gets an answer instead of filling memory.
 */

/** Thrown when a stream holds more than the limit: reading stopped there. */
export class InputTooLargeError extends Error {
  constructor(
    /** The limit in bytes. */
    readonly limit: number,
  ) {
    super(`input is larger than the limit of ${limit} bytes`);
    this.name = "InputTooLargeError";
  }
}

/** Reads `stream` to its end, or rejects with {@link InputTooLargeError} as soon as it passes `maxBytes`. */
export async function readStreamBounded(stream: AsyncIterable<Uint8Array | string>, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  // leaving the loop early (the throw) ends the iteration, which destroys a Node stream
  for await (const chunk of stream) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    size += bytes.length;
    if (size > maxBytes) throw new InputTooLargeError(maxBytes);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, size);
}
