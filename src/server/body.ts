/**
 * Reading a request body with a size cap: a declared `Content-Length` over the cap is refused
 * before anything is read, and a chunked body is cut off the moment it passes the cap (413).
 * The body must be UTF-8: an invalid byte is a 400 naming its line, never a silent U+FFFD.
 */
import type { IncomingMessage } from "node:http";
import { decodeUtf8Strict } from "../manifest/utf8.js";
import { HttpError, badRequest } from "./status.js";

/** Default maximum request body: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** The 413 for a body over `limit` bytes. */
export function tooLarge(limit: number): HttpError {
  return new HttpError(413, "RequestEntityTooLarge", `the request body is larger than the limit of ${limit} bytes`, { Connection: "close" });
}

/** Reads the whole body as strict UTF-8; rejects with 413 when it is larger than `limit`, 400 when it is not UTF-8. */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (failed) return;
      try {
        resolve(decodeUtf8Strict(Buffer.concat(chunks), "the request body"));
      } catch (err) {
        reject(badRequest((err as Error).message));
      }
    });
    req.on("error", (err) => {
      if (!failed) reject(err);
      failed = true;
    });
  });
}
