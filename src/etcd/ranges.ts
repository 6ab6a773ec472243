/**
 * etcd's size limits, and reads and writes that stay under them: a request may carry at most
 * `--max-request-bytes` (1.5 MiB by default) and an answer at most the client's 4 MiB gRPC
 * message, so large prefixes are read in pages at one revision and large values are split.
 */
import { Range, type Etcd3, type IKeyValue } from "etcd3";

/** Bytes of values one transaction or put carries at most: under etcd's default 1.5 MiB request limit. */
export const MAX_REQUEST_VALUE_BYTES = 1024 * 1024;
/** Keys per page of a prefix read (≈2 KB per object: ≈1 MB per answer, under gRPC's 4 MiB). */
export const PAGE_KEYS = 500;

/** Runs one etcd call (through the connection's guard). */
export type EtcdCall = <T>(what: string, fn: () => Promise<T>) => Promise<T>;

/** Keys per page when reading values of up to {@link MAX_REQUEST_VALUE_BYTES} each (checkpoint parts): 3 MiB per answer. */
export const PAGE_PARTS = 3;

/** Every key under `prefix` at one revision (the current one unless given), read in pages of `pageKeys` keys. */
export async function rangePrefix(client: Etcd3, call: EtcdCall, prefix: string, at?: number, pageKeys = PAGE_KEYS): Promise<{ kvs: IKeyValue[]; revision: number }> {
  const end = Range.prefix(prefix).end;
  let start = Buffer.from(prefix);
  let revision = at;
  const kvs: IKeyValue[] = [];
  for (;;) {
    const from = start;
    const page = await call("read keys", () => {
      const builder = client.getAll().inRange({ start: from, end }).limit(pageKeys);
      return (revision === undefined ? builder : builder.revision(revision)).exec();
    });
    revision ??= Number(page.header.revision);
    kvs.push(...page.kvs);
    if (!page.more || page.kvs.length === 0) return { kvs, revision };
    start = Buffer.concat([page.kvs[page.kvs.length - 1]!.key, Buffer.from([0])]);
  }
}

/** `bytes` cut into parts of at most {@link MAX_REQUEST_VALUE_BYTES} (joined again before decoding). */
export function splitBytes(bytes: Buffer, maxBytes = MAX_REQUEST_VALUE_BYTES): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += maxBytes) parts.push(bytes.subarray(i, i + maxBytes));
  return parts.length === 0 ? [Buffer.alloc(0)] : parts;
}
