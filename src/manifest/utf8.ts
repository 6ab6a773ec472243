/**
 * Strict UTF-8 decoding for text that arrives as bytes (manifest files, stdin, request bodies):
 * an invalid sequence is an error that says where it is, never a silent U+FFFD.
 */

/**
 * Offset of the first byte that is not part of a valid UTF-8 sequence, or -1. Strict like the
 * decoder (RFC 3629): overlong forms, UTF-16 surrogates (ED A0..BF) and code points past
 * U+10FFFF are invalid, so the reported position is where decoding really failed.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    for (let j = 1; j < length; j++) if ((bytes[i + j]! & 0xc0) !== 0x80) return i;
    const second = bytes[i + 1]!;
    if ((b === 0xe0 && second < 0xa0) || (b === 0xed && second > 0x9f) || (b === 0xf0 && second < 0x90) || (b === 0xf4 && second > 0x8f)) return i;
    i += length;
  }
  return -1;
}

const strictDecoder = new TextDecoder("utf-8", { fatal: true });
const bomKeepingDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The text of `bytes`, or an Error `<what> is not valid UTF-8 (byte 0xff at line 2, byte 7)`
 * naming the first bad byte. A leading BOM is dropped, or kept with `keepBom` (the manifest
 * reader reports its position itself).
 */
export function decodeUtf8Strict(bytes: Uint8Array, what: string, options: { keepBom?: boolean } = {}): string {
  try {
    return (options.keepBom ? bomKeepingDecoder : strictDecoder).decode(bytes);
  } catch {
    const at = Math.max(firstInvalidUtf8(bytes), 0);
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at; i++) if (bytes[i] === 10) (line++, (lineStart = i + 1));
    const byte = bytes[at]?.toString(16).padStart(2, "0") ?? "??";
    throw new Error(`${what} is not valid UTF-8 (byte 0x${byte} at line ${line}, byte ${at - lineStart + 1})`);
  }
}
