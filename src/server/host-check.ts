/**
 * The `Host` header check against DNS rebinding. A page on evil.example can make its own name
 * resolve to 127.0.0.1 and then read a loopback server as if same-origin; what gives it away is
 * the `Host` header, which still says evil.example. So a request is answered only when its Host
 * names this server:
 *
 * - `localhost`, any IP address literal (a rebinding attack needs a DNS name, and a page whose
 *   origin is an IP address of this server came from this server), or the host name the server
 *   was bound to — each at the server's port (no port means 80);
 * - or a name from the allow-list (`--allowed-hosts`): `NAME` at any port, `NAME:PORT` at that
 *   port only, `*` for every Host (turns the check off).
 *
 * A request without Host (HTTP/1.0) is answered: browsers always send one.
 */
import { isIP } from "node:net";

/** What a Host header is checked against. */
export interface HostRules {
  /** The port the server listens on. */
  port: number;
  /** The address or name the server was bound to (`--listen`). */
  bindHost: string;
  /** Extra names from `--allowed-hosts`: `NAME`, `NAME:PORT` or `*`. */
  allowedHosts: readonly string[];
}

/** A Host header split into a lower-case name (brackets and one trailing dot removed) and a port. */
export interface HostHeader {
  name: string;
  port: number | undefined;
}

/** Parses `name`, `name:port`, `[v6]` or `[v6]:port`; undefined when it is none of these. */
export function parseHostHeader(value: string): HostHeader | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s/@]+))(?::(\d{1,5}))?$/.exec(value.trim());
  if (!m) return undefined;
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (port !== undefined && port > 65535) return undefined;
  if (m[1] !== undefined && isIP(m[1]) !== 6) return undefined;
  const name = (m[1] ?? m[2]!).toLowerCase().replace(/\.$/, "");
  return name === "" ? undefined : { name, port };
}

/** A name of the server itself: localhost, an IP literal, or the bound name. */
function isOwnName(name: string, bindHost: string): boolean {
  const bound = bindHost.toLowerCase().replace(/^\[|\]$/g, "");
  return name === "localhost" || isIP(name) !== 0 || name === bound;
}

/** True when a request carrying this `Host` header may be answered (see the module comment). */
export function hostAllowed(header: string | undefined, rules: HostRules): boolean {
  if (header === undefined) return true;
  const host = parseHostHeader(header);
  if (host === undefined) return false;
  const port = host.port ?? 80;
  if (isOwnName(host.name, rules.bindHost) && port === rules.port) return true;
  for (const entry of rules.allowedHosts) {
    if (entry === "*") return true;
    const allowed = parseHostHeader(entry);
    if (allowed !== undefined && allowed.name === host.name && (allowed.port === undefined || allowed.port === port)) return true;
  }
  return false;
}

/** Checks each `--allowed-hosts` entry; returns an error message for the first bad one. */
export function invalidAllowedHost(entries: readonly string[]): string | undefined {
  for (const entry of entries) {
    if (entry !== "*" && parseHostHeader(entry) === undefined) {
      return `invalid allowed host ${JSON.stringify(entry)}: expected NAME, NAME:PORT, [IPv6]:PORT or *`;
    }
  }
  return undefined;
}
