/**
 * A self-signed TLS certificate for the server's HTTPS listener, made at every start with
 * nothing but `node:crypto`: a fresh P-256 key, and an X.509 v3 certificate (DER built here,
 * signed ECDSA-SHA256) for `localhost`, 127.0.0.1, ::1 and the listen address, marked as its own
 * CA so a kubeconfig can trust it through `certificate-authority-data`.
 *
 * Why HTTPS at all: Kubernetes clients (kubectl, client-go, k9s) send a kubeconfig's bearer
 * token only over TLS, so without it every request of theirs would be Unauthorized. The key
 * never leaves the process; the certificate is public.
 */
import * as crypto from "node:crypto";
import { isIP } from "node:net";

/** A certificate and its private key, PEM. */
export interface ServerCertificate {
  cert: string;
  key: string;
}

/** DER length octets. */
function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One DER element: tag, length, contents. */
function der(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const seq = (...c: Buffer[]): Buffer => der(0x30, ...c);

/** An OBJECT IDENTIFIER from its dotted form. */
function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split(".").map(Number);
  const bytes = [40 * a + b];
  for (const n of rest) {
    const groups: number[] = [];
    for (let v = n; ; v = Math.floor(v / 128)) {
      groups.unshift(v & 0x7f);
      if (v < 128) break;
    }
    bytes.push(...groups.map((g, i) => (i < groups.length - 1 ? g | 0x80 : g)));
  }
  return der(0x06, Buffer.from(bytes));
}

/**
 * A positive INTEGER from big-endian bytes, in DER's minimal form: leading zero bytes dropped (a
 * random serial starting with 0x00 was "illegal padding" to OpenSSL, one start in 512), and a
 * zero byte added when the high bit is set.
 */
export function integer(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const minimal = bytes.subarray(start);
  return der(0x02, minimal[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal);
}

/** A `CN=…` name. */
function name(commonName: string): Buffer {
  return seq(der(0x31, seq(oid("2.5.4.3"), der(0x0c, Buffer.from(commonName, "utf8")))));
}

/** UTCTime (years 1950–2049). */
function utcTime(date: Date): Buffer {
  const p = (n: number): string => String(n).padStart(2, "0");
  const text = `${p(date.getUTCFullYear() % 100)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}Z`;
  return der(0x17, Buffer.from(text, "ascii"));
}

/** The subjectAltName entries: DNS names and IP addresses (IPv4 or IPv6). */
function altNames(hosts: readonly string[]): Buffer {
  const entries = hosts.map((h) => {
    const family = isIP(h);
    if (family === 4) return der(0x87, Buffer.from(h.split(".").map(Number)));
    if (family === 6) return der(0x87, ipv6Bytes(h));
    return der(0x82, Buffer.from(h, "ascii"));
  });
  return seq(...entries);
}

/** The 16 bytes of an IPv6 address. */
function ipv6Bytes(address: string): Buffer {
  const [head = "", tail = ""] = address.split("::");
  const part = (s: string): number[] => (s === "" ? [] : s.split(":").map((g) => parseInt(g, 16)));
  const front = part(head);
  const back = address.includes("::") ? part(tail) : [];
  const groups = [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** An extension: id, critical flag, DER value wrapped in an OCTET STRING. */
function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [der(0x01, Buffer.from([0xff]))] : []), der(0x04, value));
}

/**
 * A fresh self-signed certificate for `hosts` (names and IP addresses; localhost, 127.0.0.1 and
 * ::1 are always included), valid from a day before `now` for ten years.
 */
export function selfSignedCertificate(hosts: readonly string[], now: Date = new Date()): ServerCertificate {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  const names = [...new Set(["localhost", "127.0.0.1", "::1", ...hosts.filter((h) => h !== "" && h !== "0.0.0.0" && h !== "::")])];
  const ecdsaSha256 = seq(oid("1.2.840.10045.4.3.2"));
  const notBefore = new Date(now.getTime() - 86_400_000);
  const notAfter = new Date(Math.min(now.getTime() + 10 * 365 * 86_400_000, Date.UTC(2049, 11, 31)));
  const tbs = seq(
    der(0xa0, integer(Buffer.from([2]))),
    integer(crypto.randomBytes(16)),
    ecdsaSha256,
    name("memplane serve"),
    seq(utcTime(notBefore), utcTime(notAfter)),
    name("memplane serve"),
    publicKey.export({ type: "spki", format: "der" }),
    der(
      0xa3,
      seq(
        extension("2.5.29.19", true, seq(der(0x01, Buffer.from([0xff])))), // basicConstraints: CA (it signs itself)
        extension("2.5.29.15", true, der(0x03, Buffer.from([0x02, 0x84]))), // keyUsage: digitalSignature, keyCertSign
        extension("2.5.29.37", false, seq(oid("1.3.6.1.5.5.7.3.1"))), // extKeyUsage: serverAuth
        extension("2.5.29.17", false, altNames(names)),
      ),
    ),
  );
  const signature = crypto.sign("sha256", tbs, privateKey);
  const certificate = seq(tbs, ecdsaSha256, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const base64 = certificate.toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`,
    key: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
  };
}
