/**
 * The self-signed certificate of `memplane serve`'s HTTPS listener (src/server/tls-cert.ts): its
 * DER must be what OpenSSL accepts on every start, whatever the random serial number.
 */
import * as crypto from "node:crypto";
import * as tls from "node:tls";
import { integer, selfSignedCertificate } from "../../../src/server/tls-cert.js";

test("INTEGERs are minimal: no leading zero bytes, a zero byte before a set high bit", () => {
  const hex = (b: Buffer): string => b.toString("hex");
  expect(hex(integer(Buffer.from([0x00, 0x12])))).toBe("020112");
  expect(hex(integer(Buffer.from([0x00, 0x00, 0x80])))).toBe("02020080");
  expect(hex(integer(Buffer.from([0x80, 0x01])))).toBe("0203008001");
  expect(hex(integer(Buffer.from([0x7f])))).toBe("02017f");
  expect(hex(integer(Buffer.from([0x00])))).toBe("020100");
});

test("thousands of fresh certificates all load into a TLS context; each names localhost and the listen address and verifies with its own key", () => {
  // a random 16-byte serial starts with 0x00 once in 256 starts: OpenSSL refused half of those
  // ("illegal padding") before INTEGERs were made minimal — 3 000 starts miss that 0.3 % of the time
  const start = new Date(Date.UTC(2026, 11, 4));
  for (let i = 0; i < 3000; i++) {
    const { cert, key } = selfSignedCertificate(["10.0.0.7"], start);
    expect(() => tls.createSecureContext({ cert, key })).not.toThrow(); // what https.createServer does
  }
  const { cert, key } = selfSignedCertificate(["10.0.0.7"], start);
  const x509 = new crypto.X509Certificate(cert);
  expect(x509.subjectAltName).toContain("DNS:localhost");
  expect(x509.subjectAltName).toContain("IP Address:10.0.0.7");
  expect(x509.verify(crypto.createPublicKey(key))).toBe(true);
});
