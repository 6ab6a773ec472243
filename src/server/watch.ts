/**
 * The server's two kinds of stream: `?watch=true` on a collection or object (Kubernetes watch
 * events as JSON lines) and `/logs?follow=true` (log entries as JSON lines). Both go through the
 * {@link StreamHub}, which limits how many are open and how far each may fall behind.
 */
import type * as http from "node:http";
import type { Engine } from "../engine/engine.js";
import type { LogEntry } from "../engine/log-entry.js";
import { formatLogJson } from "../engine/log-format.js";
import { matchesLabelSelector, parseLabelSelector } from "../store/label-selector.js";
import type { LogBuffer } from "./log-buffer.js";
import type { ApiObject } from "./resources.js";
import type { ResourceRoute } from "./routes.js";
import type { StreamHub } from "./streams.js";

/** Each store event as a JSON line, made once however many watchers it goes to. */
const eventLines = new WeakMap<object, string>();

/** The JSON line of a watch event (cached per event object). */
export function watchLine(event: { type: string; object: unknown }): string {
  let line = eventLines.get(event);
  if (line === undefined) {
    line = JSON.stringify(event);
    eventLines.set(event, line);
  }
  return line;
}

/** Each log entry as a JSON line, made once however many followers it goes to. */
const entryLines = new WeakMap<LogEntry, string>();

/** The JSON line of a log entry (cached per entry). */
function logLine(entry: LogEntry): string {
  let line = entryLines.get(entry);
  if (line === undefined) {
    line = formatLogJson(entry);
    entryLines.set(entry, line);
  }
  return line;
}

/** Where a stream goes and whom it counts against. */
export interface StreamTarget {
  hub: StreamHub;
  res: http.ServerResponse;
  client: string;
  /** Headers of the 200 answer besides Content-Type. */
  headers: Record<string, string>;
}

/**
 * Watches `route`: the current objects as ADDED (like Kubernetes without a resourceVersion),
 * then every change that matches the route and `selector`.
 */
export function watchResources(target: StreamTarget, engine: Engine, route: ResourceRoute, selector: string | undefined): void {
  const parsed = selector === undefined || selector.trim() === "" ? undefined : parseLabelSelector(selector);
  const matches = (o: ApiObject): boolean =>
    (route.namespace === undefined || o.metadata.namespace === route.namespace) &&
    (route.name === undefined || o.metadata.name === route.name) &&
    (parsed === undefined || matchesLabelSelector(parsed, o.metadata.labels));
  const stream = target.hub.open(target.res, target.client, "watch", { ...target.headers, "Content-Type": "application/json" });
  for (const o of engine.store.list(route.kind, { namespace: route.namespace }) as readonly ApiObject[]) {
    if (matches(o)) stream.send(JSON.stringify({ type: "ADDED", object: o }));
  }
  const subscription = engine.store.watch(route.kind).subscribe({
    next: (event) => {
      if (matches(event.object as ApiObject)) stream.send(watchLine(event));
    },
    complete: () => stream.end(),
  });
  stream.onEnd(() => subscription.unsubscribe());
}

/** Follows the log: the kept entries at or after `sinceTick`, then every new one. */
export function followLogs(target: StreamTarget, logs: LogBuffer, sinceTick: number): void {
  const stream = target.hub.open(target.res, target.client, "logs", { ...target.headers, "Content-Type": "application/x-ndjson" });
  for (const e of logs.entries(sinceTick)) stream.send(logLine(e));
  const subscription = logs.added$.subscribe({ next: (e) => stream.send(logLine(e)), complete: () => stream.end() });
  stream.onEnd(() => subscription.unsubscribe());
}
