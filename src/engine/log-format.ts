/**
 * Reconciliation log formats (docs/library.md, *Log formats*): JSON lines for machines, aligned columns for
 * people. Quantities arrive as strings and are printed as they are.
 */
import type { LogEntry } from "./log-entry.js";
import { approx } from "../hypervisor/format.js";
import { quantityToPages } from "../api/quantity.js";

/** Options of {@link formatLogText}. */
export interface LogTextOptions {
  /** ANSI colours (the CLI decides: a TTY and no NO_COLOR). Default false. */
  color?: boolean;
  /** The current memory state of a host (`soft`, …), shown as `esx-01[soft]` when known. */
  hostState?: (host: string) => string | undefined;
}

const JSON_FIELDS: readonly (keyof LogEntry)[] = [
  "tick", "time", "controller", "kind", "namespace", "name", "host", "action", "from", "to", "reason", "message",
];

/** Characters JSON.stringify would escape in a string (quotes, backslash, controls, surrogates). */
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

/** A JSON string literal: as JSON.stringify writes it, without calling it for plain text. */
const jsonString = (s: string): string => (NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`);

const OPTIONAL_STRING_FIELDS = ["namespace", "host", "from", "to", "reason"] as const;

/** Whether every field has the type docs/library.md, *Log formats* gives it (the fast writer relies on it). */
function wellTyped(e: LogEntry): boolean {
  if (typeof e.tick !== "number" || !Number.isFinite(e.tick)) return false;
  if (typeof e.time !== "string" || typeof e.controller !== "string" || typeof e.kind !== "string") return false;
  if (typeof e.name !== "string" || typeof e.action !== "string" || typeof e.message !== "string") return false;
  for (const f of OPTIONAL_STRING_FIELDS) if (e[f] !== undefined && typeof e[f] !== "string") return false;
  return true;
}

/**
 * One JSON line in docs/library.md, *Log formats* field order; absent optional fields are omitted. Entries of the
 * expected shape are written field by field (≈ 3× JSON.stringify of a re-keyed copy, the
 * same text); anything else goes through JSON.stringify.
 */
export function formatLogJson(entry: LogEntry): string {
  if (!wellTyped(entry)) {
    const out: Record<string, unknown> = {};
    for (const field of JSON_FIELDS) {
      const value = entry[field];
      if (value !== undefined) out[field] = value;
    }
    return JSON.stringify(out);
  }
  const e = entry;
  let line = `{"tick":${e.tick},"time":${jsonString(e.time)},"controller":${jsonString(e.controller)},"kind":${jsonString(e.kind)}`;
  if (e.namespace !== undefined) line += `,"namespace":${jsonString(e.namespace)}`;
  line += `,"name":${jsonString(e.name)}`;
  if (e.host !== undefined) line += `,"host":${jsonString(e.host)}`;
  line += `,"action":${jsonString(e.action)}`;
  if (e.from !== undefined) line += `,"from":${jsonString(e.from)}`;
  if (e.to !== undefined) line += `,"to":${jsonString(e.to)}`;
  if (e.reason !== undefined) line += `,"reason":${jsonString(e.reason)}`;
  return `${line},"message":${jsonString(e.message)}}`;
}

/**
 * Entries `[start, end)` as JSON lines ({@link formatLogJson}), each ending in "\n": one string
 * for one write, which is how sinks write a tick's log (a write per entry costs a system call
 * per entry; see {@link LOG_WRITE_CHUNK} for how many to put in one string).
 */
export function toJsonLines(entries: readonly LogEntry[], start = 0, end = entries.length): string {
  let out = "";
  for (let i = start; i < end; i++) {
    out += formatLogJson(entries[i]!);
    out += "\n";
  }
  return out;
}

/**
 * Entries per string a sink writes (≈ 256 KiB of JSON): a busy tick of 100 000 VMs logs ≈ 80 000
 * entries, and one 24 MiB string for them would be allocated among the old objects, not the young.
 */
export const LOG_WRITE_CHUNK = 1024;

/**
 * Gathers entries' JSON lines as they come and calls `write` with every {@link LOG_WRITE_CHUNK}
 * of them, and with the rest at {@link flush}: a stream of entries never held together (a sink
 * following `logs$`) is written as an array of them is ({@link writeJsonLines}).
 */
export class JsonLineChunks {
  #lines = "";
  #count = 0;

  constructor(private readonly write: (lines: string, count: number) => void) {}

  /** Adds `entry`'s line; writes the chunk once it holds {@link LOG_WRITE_CHUNK} lines. */
  add(entry: LogEntry): void {
    this.#lines += formatLogJson(entry);
    this.#lines += "\n";
    if (++this.#count === LOG_WRITE_CHUNK) this.flush();
  }

  /** Writes the lines gathered since the last write (nothing when there are none). */
  flush(): void {
    if (this.#count === 0) return;
    const lines = this.#lines;
    const count = this.#count;
    this.#lines = "";
    this.#count = 0;
    this.write(lines, count);
  }
}

/** Calls `write` with entries as JSON lines, {@link LOG_WRITE_CHUNK} entries at a time. */
export function writeJsonLines(entries: readonly LogEntry[], write: (lines: string, count: number) => void): void {
  const chunks = new JsonLineChunks(write);
  for (const entry of entries) chunks.add(entry);
  chunks.flush();
}

/** Column widths of the text format (longer values push the line, they are never cut). */
export const LOG_TEXT_COLUMNS = { time: 8, host: 16, controller: 12, object: 28, action: 21 } as const;

const ANSI = {
  reset: "\u001b[0m",
  bold: "\u001b[1m",
  dim: "\u001b[2m",
  red: "\u001b[31m",
  green: "\u001b[32m",
  yellow: "\u001b[33m",
  blue: "\u001b[34m",
  magenta: "\u001b[35m",
  cyan: "\u001b[36m",
} as const;

type Colour = keyof typeof ANSI;

const STATE_COLOURS: Record<string, Colour> = { high: "green", clear: "cyan", soft: "yellow", hard: "red", low: "magenta" };

const ACTION_COLOURS: Record<string, Colour> = {
  ReconcileError: "red",
  AdmissionDenied: "red",
  Admitted: "green",
  PoweredOff: "dim",
  Restarted: "green",
  BalloonStalled: "yellow",
  GuestSwapping: "yellow",
  OverLimit: "yellow",
  SwapTargetChanged: "yellow",
  CompressionStarted: "yellow",
  BalloonTargetChanged: "cyan",
  EntitlementChanged: "blue",
};

/** `vm/ns/name`, `host/name`, `os/name` or `event/ns/name`. */
export function formatLogObject(entry: Pick<LogEntry, "kind" | "namespace" | "name">): string {
  const short: Record<string, string> = { VirtualMachine: "vm", Host: "host", GuestOSProfile: "os", Event: "event" };
  const prefix = short[entry.kind] ?? entry.kind.toLowerCase();
  return entry.namespace !== undefined ? `${prefix}/${entry.namespace}/${entry.name}` : `${prefix}/${entry.name}`;
}

/**
 * One human-readable line: time, host (with its state when known), controller, object,
 * action, `from → to`, then the message and reason.
 */
export function formatLogText(entry: LogEntry, options: LogTextOptions = {}): string {
  const color = options.color === true;
  const paint = (text: string, ...colours: (Colour | undefined)[]): string => {
    const codes = colours.filter((c): c is Colour => c !== undefined).map((c) => ANSI[c]).join("");
    return color && codes !== "" && text !== "" ? `${codes}${text}${ANSI.reset}` : text;
  };
  const pad = (text: string, width: number): string => " ".repeat(Math.max(0, width - text.length));

  const time = entry.time;
  const state = entry.host !== undefined ? options.hostState?.(entry.host) : undefined;
  const hostPlain = entry.host === undefined ? "-" : state !== undefined ? `${entry.host}[${state}]` : entry.host;
  const hostText =
    entry.host === undefined
      ? paint("-", "dim")
      : state !== undefined
        ? `${entry.host}[${paint(state, STATE_COLOURS[state])}]`
        : entry.host;
  const object = formatLogObject(entry);
  const actionColour = entry.action === "StateChanged" && entry.to !== undefined ? STATE_COLOURS[entry.to] : ACTION_COLOURS[entry.action];

  const columns = [
    pad(time, LOG_TEXT_COLUMNS.time) + paint(time, "dim"),
    hostText + pad(hostPlain, LOG_TEXT_COLUMNS.host),
    paint(entry.controller, "dim") + pad(entry.controller, LOG_TEXT_COLUMNS.controller),
    object + pad(object, LOG_TEXT_COLUMNS.object),
    paint(entry.action, actionColour, "bold") + pad(entry.action, LOG_TEXT_COLUMNS.action),
  ];
  let line = columns.join(" ") + " ";
  if (entry.from !== undefined || entry.to !== undefined) {
    line += `${readable(entry.from ?? "?")} → ${paint(readable(entry.to ?? "?"), "bold")}  `;
  }
  line += entry.message;
  if (entry.reason !== undefined) line += ` ${paint(`(${entry.reason})`, "dim")}`;
  return line.trimEnd();
}

const EXACT_QUANTITY = /^\d+(Ki|Mi|Gi|Ti|Pi|Ei)?$/;

/** Exact quantities (`162036Ki`) read as MiB/GiB in text logs (`158.2Mi`); JSON keeps them exact. */
function readable(value: string): string {
  if (!EXACT_QUANTITY.test(value)) return value;
  try {
    return approx(quantityToPages(value));
  } catch {
    return value;
  }
}
