/**
 * The server's URL space, Kubernetes-style:
 *
 * - `/apis/memplane.io/v1alpha1/hosts[/NAME]`, `…/guestosprofiles[/NAME]`, `…/scenarios[/NAME]`
 * - `/apis/memplane.io/v1alpha1/namespaces/NS/virtualmachines[/NAME]`, `/apis/memplane.io/v1alpha1/virtualmachines`
 * - `…/NAME/status` of every memplane.io kind: the status subresource
 * - `/api/v1/namespaces/NS/events[/NAME]`, `/api/v1/events`
 * - `/apply`, `/logs`, `/metrics`, `/healthz`.
 * - discovery: `/version`, `/api`, `/api/v1`, `/apis`, `/apis/memplane.io`, `/apis/memplane.io/v1alpha1`;
 *   OpenAPI: `/openapi/v2`, `/openapi/v3`, `/openapi/v3/apis/memplane.io/v1alpha1`, `/openapi/v3/api/v1`.
 * - `/clock` (GET, PATCH: pause, resume, speed) and `/clock/step` (POST `?ticks=N`): the simulated clock.
 * - `/explain/namespaces/NS/virtualmachines/NAME` and `/explain/hosts/NAME` (`?tick=N`): `memplane explain`.
 *
 * Paths are split before decoding, so an encoded `/` or `..` can never change which route matches;
 * every namespace must be a DNS-1123 label, every name follow its kind's rule (events: subdomains).
 * Which kinds live where comes from the kind registry (`KIND_INFO` in src/api/kinds.ts).
 */
import { ALL_KINDS, CORE_API_PATH, GROUP_API_PATH, KIND_INFO, kindPath } from "../api/kinds.js";
import type { Kind } from "../api/types.js";
import { discoveryDocument, type DiscoveryDocument } from "./discovery.js";
import { checkName, nameRule } from "./names.js";
import { openApiDocument, type OpenApiDocument } from "./openapi.js";
import { badRequest } from "./status.js";

/** The memplane API group prefix. */
export const GROUP_PREFIX = GROUP_API_PATH;
/** The core group prefix (events). */
export const CORE_PREFIX = CORE_API_PATH;

/** A resource route: a collection (no name) or one object. */
export interface ResourceRoute {
  type: "resource";
  kind: Kind;
  /** Namespace from the path; undefined for cluster-scoped kinds or the all-namespaces collection. */
  namespace?: string;
  name?: string;
  /** `…/NAME/status`: the object's status subresource (memplane.io kinds only). */
  subresource?: "status";
}

/** A fixed endpoint. */
export interface SpecialRoute {
  type: "apply" | "logs" | "metrics" | "healthz" | "clock" | "clockStep";
}

/** A discovery document (discovery.ts). */
export interface DiscoveryRoute {
  type: "discovery";
  document: DiscoveryDocument;
}

/** An OpenAPI document (openapi.ts). */
export interface OpenApiRoute {
  type: "openapi";
  document: OpenApiDocument;
}

/** Why a VM or host is where it is (`memplane explain`). */
export interface ExplainRoute {
  type: "explain";
  kind: "Host" | "VirtualMachine";
  namespace?: string;
  name: string;
}

/** What a path names. */
export type Route = ResourceRoute | SpecialRoute | ExplainRoute | DiscoveryRoute | OpenApiRoute;

/** The kinds served under a path prefix, by plural: cluster-scoped and namespaced (from the kind registry). */
function pluralsUnder(apiPath: string, namespaced: boolean): ReadonlyMap<string, Kind> {
  return new Map(ALL_KINDS.filter((k) => KIND_INFO[k].apiPath === apiPath && KIND_INFO[k].namespaced === namespaced).map((k) => [KIND_INFO[k].plural, k]));
}
const CLUSTER_KINDS = pluralsUnder(GROUP_API_PATH, false);
const GROUP_NAMESPACED = pluralsUnder(GROUP_API_PATH, true);
const CORE_NAMESPACED = pluralsUnder(CORE_API_PATH, true);

/** Decodes one path segment; a malformed escape is a 400. */
function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`malformed path segment ${JSON.stringify(segment)}`);
  }
}

/** Parses a request path (without the query); undefined when nothing lives there (404). */
export function parseRoute(pathname: string): Route | undefined {
  const trimmed = pathname.length > 1 && pathname.endsWith("/") ? pathname.slice(0, -1) : pathname;
  switch (trimmed) {
    case "/apply":
      return { type: "apply" };
    case "/logs":
      return { type: "logs" };
    case "/metrics":
      return { type: "metrics" };
    case "/clock":
      return { type: "clock" };
    case "/clock/step":
      return { type: "clockStep" };
    case "/healthz":
    case "/readyz":
    case "/livez":
      return { type: "healthz" };
  }
  const document = discoveryDocument(trimmed);
  if (document !== undefined) return { type: "discovery", document };
  const openapi = openApiDocument(trimmed);
  if (openapi !== undefined) return { type: "openapi", document: openapi };
  const raw = trimmed.split("/").slice(1);
  if (raw.some((s) => s === "" || s === "." || s === "..")) return undefined;
  const segments = raw.map(decode);
  if (trimmed.startsWith(GROUP_PREFIX + "/")) return groupRoute(segments.slice(3));
  if (segments[0] === "explain") return explainRoute(segments.slice(1));
  if (trimmed.startsWith(CORE_PREFIX + "/")) return coreRoute(segments.slice(2));
  return undefined;
}

/** Routes under /apis/memplane.io/v1alpha1. */
function groupRoute(rest: string[]): Route | undefined {
  const [first, second, third] = rest;
  if (first === undefined) return undefined;
  const clusterKind = CLUSTER_KINDS.get(first);
  if (clusterKind && third === undefined) {
    return second === undefined ? { type: "resource", kind: clusterKind } : { type: "resource", kind: clusterKind, name: checkName(second, "name", nameRule(clusterKind)) };
  }
  if (clusterKind && second !== undefined && third === "status" && rest.length === 3) {
    return { type: "resource", kind: clusterKind, name: checkName(second, "name", nameRule(clusterKind)), subresource: "status" };
  }
  const [, , , , fifth, ...more] = rest;
  if (first === "namespaces" && fifth === "status" && more.length === 0) {
    const route = namespacedRoute(GROUP_NAMESPACED, rest.slice(0, 4));
    return route === undefined ? undefined : { ...(route as ResourceRoute), subresource: "status" };
  }
  return namespacedRoute(GROUP_NAMESPACED, rest);
}

/** `PLURAL` or `namespaces/NS/PLURAL[/NAME]` of a namespaced kind in `kinds`. */
function namespacedRoute(kinds: ReadonlyMap<string, Kind>, rest: string[]): Route | undefined {
  const [first, second, third, fourth, ...extra] = rest;
  if (first === undefined) return undefined;
  const all = kinds.get(first);
  if (all !== undefined && second === undefined) return { type: "resource", kind: all };
  const kind = third === undefined ? undefined : kinds.get(third);
  if (first === "namespaces" && second !== undefined && kind !== undefined && extra.length === 0) {
    const route: ResourceRoute = { type: "resource", kind, namespace: checkName(second, "namespace") };
    if (fourth !== undefined) route.name = checkName(fourth, "name", nameRule(kind));
    return route;
  }
  return undefined;
}

/** Routes under /explain. */
function explainRoute(rest: string[]): ExplainRoute | undefined {
  const [first, second, third, fourth, ...extra] = rest;
  if (first === "hosts" && second !== undefined && third === undefined) return { type: "explain", kind: "Host", name: checkName(second, "name") };
  if (first === "namespaces" && second !== undefined && third === "virtualmachines" && fourth !== undefined && extra.length === 0) {
    return { type: "explain", kind: "VirtualMachine", namespace: checkName(second, "namespace"), name: checkName(fourth, "name") };
  }
  return undefined;
}

/** Routes under /api/v1 (events only). */
function coreRoute(rest: string[]): Route | undefined {
  return namespacedRoute(CORE_NAMESPACED, rest);
}

/** The path of an object (or its collection when `name` is undefined): the kind registry's {@link kindPath}. */
export const resourcePath: (kind: Kind, namespace: string | undefined, name?: string) => string = kindPath;
