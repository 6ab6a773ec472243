/**
 * Watches served from etcd (`memplane serve --store etcd://…`): the same Kubernetes watch as
 * watch.ts — initial ADDED events or a resume from `resourceVersion`, selectors, bookmarks,
 * timeouts — but the events are etcd's, so a watch resumes from any revision etcd still has,
 * and one from a revision etcd has compacted is `410 Gone` (reason `Expired`), before anything
 * is sent, as with the file-backed server's history.
 */
import { CompactedRevisionError, type EtcdStore } from "../etcd/index.js";
import type { ApiObject } from "./resources.js";
import type { ResourceRoute } from "./routes.js";
import { HttpError } from "./status.js";
import { bookmarkLine, eventLiner, startWatchTimers, watchMatcher, type StreamTarget, type WatchOptions } from "./watch.js";

/** Watches `route` in etcd; resolves once the stream is open (rejects with a 410 when the revision was compacted). */
export async function watchFromEtcd(target: StreamTarget, etcd: EtcdStore, route: ResourceRoute, options: WatchOptions): Promise<void> {
  const matches = watchMatcher(route, options);
  const line = eventLiner(options);
  const resume = options.resourceVersion !== undefined && options.resourceVersion > 0 && !options.sendInitialEvents;
  let initial: readonly ApiObject[] = [];
  let from: number;
  if (resume) from = options.resourceVersion!;
  else {
    const listed = await etcd.list(route.kind, route.namespace);
    initial = listed.objects as unknown as ApiObject[];
    from = listed.revision;
  }
  let seen = from;
  const early: string[] = [];
  let send = (text: string): void => void early.push(text);
  let ended = false;
  let end = (): void => void (ended = true);
  let watch: Awaited<ReturnType<EtcdStore["watch"]>>;
  try {
    watch = await etcd.watch(
      route.kind,
      route.namespace,
      from,
      (event) => {
        seen = Math.max(seen, Number(event.object.metadata.resourceVersion));
        if (matches(event.object as unknown as ApiObject)) send(line(event));
      },
      () => end(),
    );
  } catch (err) {
    if (err instanceof CompactedRevisionError) throw new HttpError(410, "Expired", err.message);
    throw err;
  }
  const stream = target.hub.open(target.res, target.client, "watch", { ...target.headers, "Content-Type": "application/json" });
  stream.onEnd(watch.cancel);
  for (const o of initial) if (matches(o)) stream.send(line({ type: "ADDED", object: o }));
  const bookmark = (initialEventsEnd = false): void => stream.send(bookmarkLine(route, Math.max(seen, watch.revision()), initialEventsEnd));
  if (options.sendInitialEvents) bookmark(true);
  for (const text of early) stream.send(text);
  send = (text) => stream.send(text);
  end = () => stream.end();
  if (ended) return stream.end();
  startWatchTimers(stream, options, bookmark);
}
