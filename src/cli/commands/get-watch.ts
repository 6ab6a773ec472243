/**
 * `get -w`: print the table, then one row per object that changes (added, modified, or deleted —
 * a deleted object's last row), until Ctrl-C, SIGTERM or a closed stdout, exit 0. Locally the
 * state directory is re-read whenever `state.json` is replaced (polled every 200 ms, so it shows
 * what `step`, `apply` or `run --state` save in another shell); with `--server` the list is
 * re-read every second. Changes are whole saves: a `step --ticks 60` is one line per object.
 */
import * as fs from "node:fs";
import type { CliContext } from "../context.js";
import { pollUntilStopped } from "../poll-until-stopped.js";
import type { ResourceRequest } from "../kind-arg.js";
import { objectRef } from "../output/names.js";
import { columnWidths, renderRows } from "../output/table.js";
import type { Terminal } from "../terminal.js";
import { tableOf, type AnyObject, type GetOptions, type KindRead } from "./get.js";

/** How often a local watch looks at `state.json` (ms). */
export const WATCH_POLL_MS = 200;
/** How often a watch through `--server` re-reads the list (ms). */
export const REMOTE_WATCH_POLL_MS = 1000;

/** Where a watch reads from. */
export interface WatchSource {
  /** Reads the objects now. */
  read(): Promise<KindRead>;
  /** The local `state.json` (undefined through a server: poll the list instead). */
  stateFile?: string;
}

/** The identity of an object across reads. */
const keyOf = (o: AnyObject): string => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;

/** What identifies one version of `state.json` (it is replaced atomically on each save). */
function fileVersion(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.ino}:${st.mtimeMs}:${st.size}`;
  } catch {
    return "missing";
  }
}

/** Runs the watch until stopped. */
export async function watchObjects(ctx: CliContext, term: Terminal, request: ResourceRequest, opts: GetOptions, source: WatchSource): Promise<void> {
  let version = source.stateFile === undefined ? "" : fileVersion(source.stateFile);
  const first = await source.read();
  let seen = new Map(first.objects.map((o) => [keyOf(o), { object: o, json: JSON.stringify(o) }]));
  const { headers, rows } = tableOf(term, first.nowSeconds, request.kind, first.objects, opts);
  const widths = columnWidths(headers, rows);
  if (opts.output === "name") {
    term.out(first.objects.map((o) => objectRef(o.kind, o.metadata.name) + "\n").join(""));
  } else {
    term.out(renderRows([headers, ...rows], widths));
  }
  for (const line of first.missing) term.err(`Error from server (NotFound): ${line}\n`);

  const poll = async (): Promise<void> => {
    if (source.stateFile !== undefined) {
      const now = fileVersion(source.stateFile);
      if (now === version) return;
      version = now;
    }
    const next = await source.read();
    const current = new Map(next.objects.map((o) => [keyOf(o), { object: o, json: JSON.stringify(o) }]));
    const changed: AnyObject[] = [];
    for (const [key, entry] of current) if (seen.get(key)?.json !== entry.json) changed.push(entry.object);
    for (const [key, entry] of seen) if (!current.has(key)) changed.push(entry.object);
    seen = current;
    if (changed.length === 0) return;
    if (opts.output === "name") term.out(changed.map((o) => objectRef(o.kind, o.metadata.name) + "\n").join(""));
    else term.out(renderRows(tableOf(term, next.nowSeconds, request.kind, changed, opts).rows, widths));
  };
  await pollUntilStopped(poll, source.stateFile === undefined ? REMOTE_WATCH_POLL_MS : WATCH_POLL_MS, ctx);
}
