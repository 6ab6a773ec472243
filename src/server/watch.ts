/**
 * The server's two kinds of stream: `?watch=true` on a collection or object (Kubernetes watch
 * events as JSON lines, resumable from a resourceVersion, with bookmarks and a timeout) and `/logs?follow=true` (log entries as JSON lines). Both go through the
 * {@link StreamHub}, which limits how many are open and how far each may fall behind.
 */
import type * as http from "node:http";
import { KIND_INFO } from "../api/kinds.js";
import type { Engine, EngineStore } from "../engine/engine.js";
import type { LogEntry } from "../engine/log-entry.js";
import { formatLogJson } from "../engine/log-format.js";
import { matchesLabelSelector, parseLabelSelector } from "../store/label-selector.js";
import type { LogBuffer } from "./log-buffer.js";
import type { ApiObject } from "./resources.js";
import { matchesFields, type FieldRequirement } from "./field-selector.js";
import type { ResourceRoute } from "./routes.js";
import type { StreamHub } from "./streams.js";
import type { WatchHistory } from "./watch-history.js";

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

/** How a watch starts, what it carries and when it ends (from the query: {@link watchOptions}). */
export interface WatchOptions {
  /** `labelSelector`. */
  labelSelector?: string;
  /** `fieldSelector`, parsed. */
  fields: readonly FieldRequirement[];
  /** `resourceVersion` to resume after; undefined (or 0) starts with the current objects as ADDED. */
  resourceVersion?: number;
  /** `allowWatchBookmarks`: send a BOOKMARK every `bookmarkIntervalMs` (and one before a timeout ends the watch). */
  bookmarks: boolean;
  /** `sendInitialEvents`: the current objects as ADDED, then a BOOKMARK marked `k8s.io/initial-events-end`. */
  sendInitialEvents: boolean;
  /** `timeoutSeconds` in milliseconds: the watch ends cleanly after it. */
  timeoutMs?: number;
  /** Real milliseconds between bookmarks. */
  bookmarkIntervalMs: number;
  /** Server-side printing (kubectl's `Accept: …;as=Table`): each event's object becomes a one-row Table. */
  asTable?: (object: ApiObject) => unknown;
}

/**
 * Watches `route`, Kubernetes-style. Without a resourceVersion (or with `0`) it starts with the
 * current objects as ADDED; with one it replays the changes after it from `history` (410 Gone,
 * before anything is sent, when they are no longer kept) and goes on with every change that
 * matches the route and the selectors. Bookmarks carry the store's resourceVersion, so a client
 * resumes from there even when nothing it watches changed.
 */
export function watchResources(target: StreamTarget, engine: Engine, history: WatchHistory, route: ResourceRoute, options: WatchOptions): void {
  const matches = watchMatcher(route, options);
  const resume = options.resourceVersion !== undefined && options.resourceVersion > 0 && !options.sendInitialEvents;
  const replay = resume ? history.since(options.resourceVersion!) : []; // 410 before the 200 goes out
  const stream = target.hub.open(target.res, target.client, "watch", { ...target.headers, "Content-Type": "application/json" });
  const store = engine.store as EngineStore & { readonly resourceVersion: number };
  const bookmark = (initialEventsEnd = false): void => stream.send(bookmarkLine(route, store.resourceVersion, initialEventsEnd));
  const line = eventLiner(options);
  if (resume) {
    for (const kept of replay) if (matches(kept.event.object as ApiObject)) stream.send(line(kept.event));
  } else {
    for (const o of engine.store.list(route.kind, { namespace: route.namespace }) as readonly ApiObject[]) {
      if (matches(o)) stream.send(line({ type: "ADDED", object: o }));
    }
    if (options.sendInitialEvents) bookmark(true);
  }
  const subscription = engine.store.watch(route.kind).subscribe({
    next: (event) => {
      if (matches(event.object as ApiObject)) stream.send(line(event));
    },
    complete: () => stream.end(),
  });
  startWatchTimers(stream, options, bookmark);
  stream.onEnd(() => subscription.unsubscribe());
}

/** Whether an object belongs to a watch of `route` with the options' selectors. */
export function watchMatcher(route: ResourceRoute, options: Pick<WatchOptions, "labelSelector" | "fields">): (o: ApiObject) => boolean {
  const parsed = options.labelSelector === undefined || options.labelSelector.trim() === "" ? undefined : parseLabelSelector(options.labelSelector);
  return (o) =>
    o.kind === route.kind &&
    (route.namespace === undefined || o.metadata.namespace === route.namespace) &&
    (route.name === undefined || o.metadata.name === route.name) &&
    (parsed === undefined || matchesLabelSelector(parsed, o.metadata.labels)) &&
    matchesFields(options.fields, o);
}

/** A BOOKMARK event's line at `resourceVersion` (marking the end of the initial events when asked). */
export function bookmarkLine(route: ResourceRoute, resourceVersion: number, initialEventsEnd = false): string {
  const metadata: Record<string, unknown> = { resourceVersion: String(resourceVersion) };
  if (initialEventsEnd) metadata.annotations = { "k8s.io/initial-events-end": "true" };
  return JSON.stringify({ type: "BOOKMARK", object: { kind: route.kind, apiVersion: KIND_INFO[route.kind].apiVersion, metadata } });
}

/** How a watch writes an event: as is, or as a one-row Table. */
export function eventLiner(options: Pick<WatchOptions, "asTable">): (event: { type: string; object: unknown }) => string {
  const table = options.asTable;
  return (event) => (table === undefined ? watchLine(event) : JSON.stringify({ type: event.type, object: table(event.object as ApiObject) }));
}

/** Bookmarks every interval (when asked) and the timeout that ends the watch cleanly; cleared when the stream ends. */
export function startWatchTimers(stream: { end(): void; onEnd(listener: () => void): void }, options: WatchOptions, bookmark: () => void): void {
  const timers: NodeJS.Timeout[] = [];
  if (options.bookmarks) timers.push(setInterval(() => bookmark(), options.bookmarkIntervalMs));
  if (options.timeoutMs !== undefined) {
    timers.push(
      setTimeout(() => {
        if (options.bookmarks) bookmark();
        stream.end();
      }, options.timeoutMs),
    );
  }
  for (const t of timers) t.unref();
  stream.onEnd(() => {
    for (const t of timers) clearTimeout(t);
  });
}

/** Follows the log: the kept entries at or after `sinceTick`, then every new one. */
export function followLogs(target: StreamTarget, logs: LogBuffer, sinceTick: number): void {
  const stream = target.hub.open(target.res, target.client, "logs", { ...target.headers, "Content-Type": "application/x-ndjson" });
  for (const e of logs.entries(sinceTick)) stream.send(logLine(e));
  const subscription = logs.added$.subscribe({ next: (e) => stream.send(logLine(e)), complete: () => stream.end() });
  stream.onEnd(() => subscription.unsubscribe());
}
