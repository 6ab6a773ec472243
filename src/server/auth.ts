/**
 * The server's bearer token: 32 random bytes as hex, written to `<state>/token` (mode 0600) at
 * start unless the operator brings one (`--token-file`). Tokens are compared in constant time:
 * both sides are hashed to equal-length digests before `crypto.timingSafeEqual`, so neither the
 * content nor the length of the expected token leaks through timing.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import type { IncomingMessage } from "node:http";
import { HttpError } from "./status.js";

/** Name of the token file inside the state directory. */
export const TOKEN_FILE = "token";

/** Shortest token accepted from a `--token-file`. */
export const MIN_TOKEN_LENGTH = 16;

/** A fresh token: 32 crypto-random bytes, hex. */
export function generateToken(): string {
  return crypto.randomBytes(32).toString("hex");
}

/** Writes `token` to `file` readable by the owner only (0600, also when the file existed). */
export function writeTokenFile(file: string, token: string): void {
  fs.writeFileSync(file, token + "\n", { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

/** A token file's content, trimmed; a missing, empty or too short file is an Error with a readable message. */
export function readTokenFile(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`cannot read token file ${file}: ${code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : String(code)}`);
  }
  const token = text.trim();
  if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
    throw new Error(`token file ${file} must hold one token of at least ${MIN_TOKEN_LENGTH} characters without spaces`);
  }
  return token;
}

/** True when `candidate` equals `expected`, in time independent of where they differ. */
export function tokensEqual(candidate: string, expected: string): boolean {
  const a = crypto.createHash("sha256").update(candidate, "utf8").digest();
  const b = crypto.createHash("sha256").update(expected, "utf8").digest();
  return crypto.timingSafeEqual(a, b);
}

/** Throws 401 Unauthorized unless the request carries `Authorization: Bearer <token>`. */
export function requireToken(req: IncomingMessage, token: string): void {
  const header = req.headers.authorization;
  const match = typeof header === "string" ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  const challenge = { "WWW-Authenticate": 'Bearer realm="memplane"' };
  if (!match) {
    throw new HttpError(401, "Unauthorized", "this request needs a bearer token (Authorization: Bearer <token>); memplane serve writes it to <state>/token unless started with --token-file", challenge);
  }
  if (!tokensEqual(match[1]!, token)) throw new HttpError(401, "Unauthorized", "the bearer token is not valid", challenge);
}

/** True for loopback addresses (127.0.0.0/8, ::1, IPv4-mapped loopback, `localhost`). */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const a = address.toLowerCase();
  return a === "localhost" || a === "::1" || /^127\./.test(a) || /^::ffff:127\./.test(a);
}
