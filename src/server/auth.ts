/**
 * The server's bearer token: 32 random bytes as hex, written to `<state>/token` (mode 0600,
 * created exclusively, never through a link) at start unless the operator brings one
 * (`--token-file`). Every request but `/healthz` needs it. Tokens are compared in constant time:
 * both sides are hashed to equal-length digests before `crypto.timingSafeEqual`, so neither the
 * content nor the length of the expected token leaks through timing.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import type { IncomingMessage } from "node:http";
import { secretFileExposure } from "../state/secret-file.js";
import { HttpError } from "./status.js";

/** Name of the token file inside the state directory. */
export const TOKEN_FILE = "token";

/** Shortest token accepted from a `--token-file`. */
export const MIN_TOKEN_LENGTH = 16;

/** A fresh token: 32 crypto-random bytes, hex. */
export function generateToken(): string {
  return crypto.randomBytes(32).toString("hex");
}

/** `O_NOFOLLOW` where the platform has it (not on Windows, where 0 changes nothing). */
const O_NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

/**
 * Writes `token` to `file`, readable by the owner only (0600). The file is created exclusively
 * (`O_CREAT|O_EXCL|O_NOFOLLOW`), so the token never goes through a link: a symbolic link or
 * anything but a regular file at `file` is refused with an Error saying so, and an old regular
 * file (the last run's token) is removed first.
 */
export function writeTokenFile(file: string, token: string): void {
  let existing: fs.Stats | undefined;
  try {
    existing = fs.lstatSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw tokenWriteError(file, err);
  }
  if (existing?.isSymbolicLink()) {
    throw new Error(`refusing to write the token to ${file}: it is a symbolic link (remove it; the server creates the file itself)`);
  }
  if (existing !== undefined && !existing.isFile()) {
    throw new Error(`refusing to write the token to ${file}: it is not a regular file (remove it; the server creates the file itself)`);
  }
  let fd: number;
  try {
    if (existing !== undefined) fs.unlinkSync(file);
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | O_NOFOLLOW, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST" || code === "ELOOP") {
      throw new Error(`refusing to write the token to ${file}: something else created it while the server was starting (remove it and try again)`);
    }
    throw tokenWriteError(file, err);
  }
  try {
    fs.fchmodSync(fd, 0o600);
    fs.writeSync(fd, token + "\n");
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function tokenWriteError(file: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === "EACCES" || code === "EPERM" ? "permission denied" : code === "EROFS" ? "read-only file system" : (code ?? (err as Error).message);
  return new Error(`cannot write the token to ${file}: ${why}`);
}

/**
 * A warning when group or other users can read the token file `file` (its mode allows more than
 * the owner), undefined when only the owner can; nothing on Windows, where modes mean nothing.
 */
export function tokenFileWarning(file: string): string | undefined {
  const exposed = secretFileExposure(file);
  if (exposed?.readableBy !== undefined) return `token file ${file} is readable by ${exposed.readableBy} (${exposed.shown}): whoever can read it can change the simulation; chmod 600 ${file}`;
  if (exposed?.writableBy !== undefined) return `token file ${file} is writable by ${exposed.writableBy} (${exposed.shown}): whoever can write it can choose the token; chmod 600 ${file}`;
  return undefined;
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
