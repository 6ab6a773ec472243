/**
 * The requests on resource paths, as Kubernetes clients make them: `GET` (list with label and
 * field selectors, one object, or a watch), `POST` (create), `PUT` (replace), `PATCH` (merge or
 * JSON patch, or server-side apply), `DELETE` (with kubectl's `DeleteOptions` body: dry run, preconditions), and the
 * `/status` subresource (read-only: the simulation writes status).
 */
import type * as http from "node:http";
import type { Engine } from "../engine/engine.js";
import { readBody } from "./body.js";
import { matchesFields, parseFieldSelector } from "./field-selector.js";
import type { ServerLimits } from "./limits.js";
import { PATCH_TYPES, mediaType, patchResource, storedObject, unsupportedPatch } from "./patch-resource.js";
import { booleanParam, dryRunParam, resourceVersionParam, timeoutSecondsParam } from "./query.js";
import { builtinOrNotFound, createResource, getResource, listResources, listResponse, notFoundMessage, objectFromBody, replaceResource, withBuiltins, type ApiObject } from "./resources.js";
import type { ResourceRoute } from "./routes.js";
import { APPLY_PATCH_TYPE, fieldManagerParam, serverSideApply } from "./server-side-apply.js";
import { HttpError, badRequest, methodNotAllowed, notFound, successStatus } from "./status.js";
import { nowSinceDefaultEpoch } from "../api/timestamps.js";
import { toTable, wantsTable } from "./table.js";
import { watchResources, type StreamTarget } from "./watch.js";
import type { WatchHistory } from "./watch-history.js";
import { storeOf, type WriteGate } from "./writes.js";
import type { EtcdStore } from "../etcd/index.js";
import { matchesLabelSelector, parseLabelSelector } from "../store/label-selector.js";
import { watchFromEtcd } from "./etcd-watch.js";

/** What the resource handler needs from the server around it. */
export interface ResourceContext {
  engine: Engine;
  writes: WriteGate;
  history: WatchHistory;
  /** The etcd store backend: lists, gets and watches are served from etcd. Undefined for the file-backed server. */
  etcd?: EtcdStore;
  limits: ServerLimits;
  /** Answers `code` with `body` as JSON (a string as text). */
  send: (res: http.ServerResponse, code: number, body: unknown) => void;
  /** Where a watch of this request streams to. */
  streamTo: (req: http.IncomingMessage, res: http.ServerResponse) => StreamTarget;
}

const READ_METHODS = new Set(["GET", "HEAD"]);

/** kubectl's DeleteOptions, as far as memplane honours them. */
interface DeleteOptions {
  dryRun: boolean;
  uid?: string;
  resourceVersion?: string;
}

/** Parses a DELETE body (empty, or a `DeleteOptions` object); other fields (propagationPolicy, grace period) mean nothing here. */
function deleteOptions(text: string): DeleteOptions {
  if (text.trim() === "") return { dryRun: false };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest(`the DeleteOptions body is not valid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw badRequest("the DELETE body must be a DeleteOptions object");
  const o = value as { dryRun?: unknown; preconditions?: { uid?: unknown; resourceVersion?: unknown } | null };
  if (o.dryRun !== undefined && (!Array.isArray(o.dryRun) || o.dryRun.some((v) => v !== "All"))) throw badRequest('DeleteOptions.dryRun must be ["All"] or []');
  const p = o.preconditions ?? {};
  if (typeof p !== "object" || (p.uid !== undefined && typeof p.uid !== "string") || (p.resourceVersion !== undefined && typeof p.resourceVersion !== "string")) {
    throw badRequest("DeleteOptions.preconditions must be { uid?: string, resourceVersion?: string }");
  }
  return { dryRun: Array.isArray(o.dryRun) && o.dryRun.length > 0, uid: p.uid as string | undefined, resourceVersion: p.resourceVersion as string | undefined };
}

/** Answers one request on a resource path. */
export async function handleResource(ctx: ResourceContext, req: http.IncomingMessage, res: http.ServerResponse, route: ResourceRoute, params: URLSearchParams): Promise<void> {
  const { engine, writes, limits, send } = ctx;
  const method = req.method ?? "GET";
  const path = (req.url ?? "").split("?")[0]!;
  const labelSelector = params.get("labelSelector") ?? undefined;
  if (READ_METHODS.has(method)) {
    const fields = parseFieldSelector(params.get("fieldSelector") ?? "", route.kind);
    const table = route.subresource === undefined && wantsTable(req.headers.accept);
    const now = (): number => nowSinceDefaultEpoch(engine.timeSeconds, engine.options.epoch);
    if (route.subresource === undefined && booleanParam(params, "watch")) {
      const watch = ctx.etcd === undefined ? watchResources.bind(undefined, ctx.streamTo(req, res), engine, ctx.history) : watchFromEtcd.bind(undefined, ctx.streamTo(req, res), ctx.etcd);
      return watch(route, {
        labelSelector,
        fields,
        resourceVersion: resourceVersionParam(params),
        bookmarks: booleanParam(params, "allowWatchBookmarks"),
        sendInitialEvents: booleanParam(params, "sendInitialEvents"),
        timeoutMs: timeoutSecondsParam(params),
        bookmarkIntervalMs: limits.watchBookmarkIntervalMs,
        ...(table && { asTable: (o: unknown) => toTable(route.kind, [o], now(), String(storeOf(engine).resourceVersion)) }),
      });
    }
    const read = ctx.etcd === undefined ? memoryRead(engine, route, labelSelector) : await etcdRead(ctx.etcd, route, labelSelector);
    const objects = read.objects?.filter((o) => matchesFields(fields, o));
    if (table) {
      // server-side printing: the columns `memplane get` prints (src/printing/)
      send(res, 200, toTable(route.kind, objects ?? [read.object!], now(), String(read.resourceVersion)));
    } else if (objects !== undefined) send(res, 200, listResponse(route.kind, objects, read.resourceVersion));
    else send(res, 200, read.object);
    return;
  }
  const writable = route.kind !== "Event";
  if (route.subresource === "status") {
    throw new HttpError(405, "MethodNotAllowed", `the status of ${path.split("/").slice(-3, -1).join("/")} is written by the simulation's controllers and cannot be changed: change its spec instead`, {
      Allow: "GET",
    });
  }
  if (route.name === undefined) {
    if (method !== "POST" || !writable) throw methodNotAllowed(method, path, writable ? ["GET", "POST"] : ["GET"]);
    const dryRun = dryRunParam(params);
    const object = objectFromBody(await readBody(req, limits.maxBodyBytes), route);
    send(res, 201, await writes.run(dryRun, (e) => createResource(storeOf(e), object, route)));
    return;
  }
  const named = { ...route, name: route.name };
  if (method === "PUT" && writable) {
    const dryRun = dryRunParam(params);
    const object = objectFromBody(await readBody(req, limits.maxBodyBytes), route);
    send(res, 200, await writes.run(dryRun, (e) => replaceResource(storeOf(e), object)));
    return;
  }
  if (method === "PATCH" && writable) {
    const type = mediaType(req.headers["content-type"]);
    if (!(PATCH_TYPES as readonly string[]).includes(type)) throw unsupportedPatch(type, PATCH_TYPES);
    const dryRun = dryRunParam(params);
    const fieldManager = fieldManagerParam(params);
    if (type === APPLY_PATCH_TYPE) {
      if (fieldManager === undefined) throw badRequest("PATCH requests with apply content type (server-side apply) must name a fieldManager: ?fieldManager=NAME");
      const force = booleanParam(params, "force");
      const text = await readBody(req, limits.maxBodyBytes);
      const existed = engine.store.get(route.kind, named.name, route.namespace) !== undefined;
      send(res, existed ? 200 : 201, await writes.run(dryRun, (e) => serverSideApply(storeOf(e), named, text, { name: fieldManager, force })));
      return;
    }
    const text = await readBody(req, limits.maxBodyBytes);
    send(res, 200, await writes.run(dryRun, (e) => patchResource(storeOf(e), named, type, text, fieldManager)));
    return;
  }
  if (method === "DELETE") {
    const options = deleteOptions(await readBody(req, limits.maxBodyBytes));
    const deleted = await writes.run(dryRunParam(params) || options.dryRun, (e) => {
      const store = storeOf(e);
      if (options.uid !== undefined || options.resourceVersion !== undefined) {
        const current = storedObject(store, named) as { metadata: { uid?: string; resourceVersion?: string } };
        if (options.uid !== undefined && options.uid !== current.metadata.uid) {
          throw new HttpError(409, "Conflict", `Precondition failed: UID in precondition: ${options.uid}, UID in object meta: ${current.metadata.uid ?? ""}`);
        }
        if (options.resourceVersion !== undefined && options.resourceVersion !== current.metadata.resourceVersion) {
          throw new HttpError(409, "Conflict", `Precondition failed: ResourceVersion in precondition: ${options.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion ?? ""}`);
        }
      }
      return store.delete(route.kind, named.name, route.namespace);
    });
    if (!deleted) throw notFound(notFoundMessage(route.kind, named.name, route.namespace));
    send(res, 200, successStatus(route.kind, named.name));
    return;
  }
  throw methodNotAllowed(method, path, writable ? ["GET", "PUT", "PATCH", "DELETE"] : ["GET", "DELETE"]);
}

/** What a read found: the list (for a collection) or the object, and the resourceVersion of the answer. */
interface ReadResult {
  objects?: readonly ApiObject[];
  object?: ApiObject;
  resourceVersion: number;
}

/** A read from the engine's store (the file-backed server). */
function memoryRead(engine: Engine, route: ResourceRoute, labelSelector: string | undefined): ReadResult {
  // the version is read after the objects: reading builds stale statuses (status on demand),
  // which moves it, and a watch resumed from it must not replay those builds
  if (route.name === undefined) {
    const objects = listResources(engine, route, labelSelector);
    return { objects, resourceVersion: storeOf(engine).resourceVersion };
  }
  const object = getResource(engine, { ...route, name: route.name });
  return { object, resourceVersion: storeOf(engine).resourceVersion };
}

/** A read from etcd: the objects as committed, stamped with their mod revisions. */
async function etcdRead(etcd: EtcdStore, route: ResourceRoute, labelSelector: string | undefined): Promise<ReadResult> {
  if (route.name === undefined) {
    const listed = await etcd.list(route.kind, route.namespace);
    const selector = labelSelector === undefined || labelSelector.trim() === "" ? undefined : parseLabelSelector(labelSelector);
    const objects = (listed.objects as unknown as ApiObject[]).filter((o) => selector === undefined || matchesLabelSelector(selector, o.metadata.labels));
    return { objects: withBuiltins(route, objects, labelSelector), resourceVersion: listed.revision };
  }
  const found = (await etcd.get(route.kind, route.name, route.namespace)) as unknown as ApiObject | undefined;
  return { object: found ?? builtinOrNotFound({ ...route, name: route.name }), resourceVersion: etcd.revision };
}
