/**
 * Kubernetes discovery, the documents a client such as kubectl reads before anything else:
 * `/version`, `/api` (`APIVersions`), `/apis` (`APIGroupList`), `/apis/memplane.io` (`APIGroup`)
 * and the `APIResourceList`s of `/api/v1` (events) and `/apis/memplane.io/v1alpha1` (memplane's
 * kinds: plural, singular and short names, categories, scope, verbs, the status subresource).
 * Everything comes from the kind registry (`KIND_INFO` in src/api/kinds.ts).
 */
import { ALL_KINDS, CORE_API_PATH, GROUP_API_PATH, KIND_INFO } from "../api/kinds.js";
import type { Kind } from "../api/types.js";
import { MEMPLANE_VERSION } from "./version.js";

/** The API group memplane's kinds live in. */
export const API_GROUP = "memplane.io";
/** The one version of the group. */
export const GROUP_VERSION = GROUP_API_PATH.slice("/apis/".length);

/** The verbs a writable kind's collection and objects answer. */
const WRITE_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"];
/** The verbs of events (written by controllers only; one event can be deleted). */
const EVENT_VERBS = ["delete", "get", "list", "watch"];

/** The discovery paths this module answers, and what each holds. */
export type DiscoveryDocument = "version" | "api" | "apis" | "group" | "core-resources" | "group-resources";

/** The discovery document a path names, or undefined (the path is something else). */
export function discoveryDocument(pathname: string): DiscoveryDocument | undefined {
  switch (pathname) {
    case "/version":
      return "version";
    case "/api":
      return "api";
    case "/apis":
      return "apis";
    case `/apis/${API_GROUP}`:
      return "group";
    case CORE_API_PATH:
      return "core-resources";
    case GROUP_API_PATH:
      return "group-resources";
  }
  return undefined;
}

/** One `APIResource` entry for `kind`, and its `status` subresource when it has one. */
function apiResources(kind: Kind): object[] {
  const info = KIND_INFO[kind];
  const main = {
    name: info.plural,
    singularName: info.singular,
    namespaced: info.namespaced,
    kind,
    verbs: kind === "Event" ? EVENT_VERBS : WRITE_VERBS,
    ...(info.shortNames.length > 0 ? { shortNames: [...info.shortNames] } : {}),
    ...(info.categories.length > 0 ? { categories: [...info.categories] } : {}),
  };
  if (!info.hasStatus) return [main];
  return [main, { name: `${info.plural}/status`, singularName: "", namespaced: info.namespaced, kind, verbs: ["get"] }];
}

/** The `APIResourceList` of the kinds served under `apiPath` (the group's or the core one). */
export function resourceList(apiPath: string): object {
  const resources = ALL_KINDS.filter((kind) => KIND_INFO[kind].apiPath === apiPath).flatMap(apiResources);
  const groupVersion = apiPath === CORE_API_PATH ? "v1" : GROUP_VERSION;
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion, resources };
}

/** The `APIGroup` of memplane.io. */
function apiGroup(): object {
  const version = { groupVersion: GROUP_VERSION, version: GROUP_VERSION.split("/")[1]! };
  return { kind: "APIGroup", apiVersion: "v1", name: API_GROUP, versions: [version], preferredVersion: version };
}

/** The document at `which`; `serverAddress` is the `Host` the client used (for `/api`). */
export function discoveryAnswer(which: DiscoveryDocument, serverAddress: string): object {
  switch (which) {
    case "version":
      return versionInfo();
    case "api":
      return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
    case "apis": {
      const { kind: _kind, apiVersion: _apiVersion, ...group } = apiGroup() as Record<string, unknown>;
      return { kind: "APIGroupList", apiVersion: "v1", groups: [group] };
    }
    case "group":
      return apiGroup();
    case "core-resources":
      return resourceList(CORE_API_PATH);
    case "group-resources":
      return resourceList(GROUP_API_PATH);
  }
}

/** `/version`: memplane's own version (it implements the parts of the Kubernetes API docs/server.md lists, not a Kubernetes release). */
export function versionInfo(): object {
  const [major = "0", minor = "0"] = MEMPLANE_VERSION.split(".");
  return {
    major,
    minor,
    gitVersion: `v${MEMPLANE_VERSION}`,
    gitCommit: "",
    gitTreeState: "",
    buildDate: "",
    goVersion: "",
    compiler: "memplane",
    platform: `${process.platform}/${process.arch}`,
  };
}
