/**
 * Kind names as users type them (kubectl-style): plural, singular and short names, any case, all
 * resolve to the one {@link Kind}. The CLI and the manifest loader use this table.
 */
import type { Kind, ManifestKind } from "./types.js";
import { API_VERSION } from "./version.js";

/** The path prefix of the memplane.io API group, as served by `memplane serve`. */
export const GROUP_API_PATH = "/apis/memplane.io/v1alpha1";

/** The path prefix of the core API (events), as in Kubernetes. */
export const CORE_API_PATH = "/api/v1";

/**
 * One row of the kind registry (Kubernetes' Scheme and RESTMapper in one table): how a kind is
 * named, scoped, validated, stored and served. Every per-kind table in memplane derives from
 * {@link KIND_INFO}; adding a kind is one row here (see docs/architecture.md, *How to add a kind*).
 */
export interface KindInfo {
  kind: Kind;
  /** Lower-case plural, as `memplane get` prints it and the API path uses (`virtualmachines`). */
  plural: string;
  /** Lower-case singular (`virtualmachine`). */
  singular: string;
  /** Short names (`vm`, `vms`). */
  shortNames: readonly string[];
  /** True when objects live in a namespace. */
  namespaced: boolean;
  /** The object's `apiVersion`. */
  apiVersion: string;
  /** The HTTP API path prefix its collection lives under ({@link GROUP_API_PATH} or {@link CORE_API_PATH}). */
  apiPath: string;
  /** The JSON Schema file in `schemas/` for kinds users write in manifests; undefined for the others. */
  schemaFile?: string;
  /** Position in the store's order (snapshots list kinds in this order: profiles before the objects that name them). */
  storeOrder: number;
  /** The rule object names follow: a DNS-1123 label, or a subdomain (dots allowed: `web-1.admitted`). */
  nameRule: "label" | "subdomain";
  /** Groups of kinds kubectl can list at once (`kubectl get memplane`), as discovery advertises them. */
  categories: readonly string[];
  /** True when controllers write a `status` (the `status` subresource discovery advertises). */
  hasStatus: boolean;
}

/** Every kind the store holds: the kind registry. */
export const KIND_INFO: Readonly<Record<Kind, KindInfo>> = Object.freeze({
  Host: {
    kind: "Host",
    plural: "hosts",
    singular: "host",
    shortNames: [],
    namespaced: false,
    apiVersion: API_VERSION,
    apiPath: GROUP_API_PATH,
    schemaFile: "host.schema.json",
    storeOrder: 1,
    nameRule: "label",
    categories: ["memplane"],
    hasStatus: true,
  },
  VirtualMachine: {
    kind: "VirtualMachine",
    plural: "virtualmachines",
    singular: "virtualmachine",
    shortNames: ["vm", "vms"],
    namespaced: true,
    apiVersion: API_VERSION,
    apiPath: GROUP_API_PATH,
    schemaFile: "virtualmachine.schema.json",
    storeOrder: 2,
    nameRule: "label",
    categories: ["memplane"],
    hasStatus: true,
  },
  GuestOSProfile: {
    kind: "GuestOSProfile",
    plural: "guestosprofiles",
    singular: "guestosprofile",
    shortNames: ["os"],
    namespaced: false,
    apiVersion: API_VERSION,
    apiPath: GROUP_API_PATH,
    schemaFile: "guestosprofile.schema.json",
    storeOrder: 0,
    nameRule: "label",
    categories: ["memplane"],
    hasStatus: false,
  },
  Scenario: {
    kind: "Scenario",
    plural: "scenarios",
    singular: "scenario",
    shortNames: ["sc"],
    namespaced: false,
    apiVersion: API_VERSION,
    apiPath: GROUP_API_PATH,
    schemaFile: "scenario.schema.json",
    storeOrder: 3,
    nameRule: "label",
    categories: ["memplane"],
    hasStatus: true,
  },
  Event: {
    kind: "Event",
    plural: "events",
    singular: "event",
    shortNames: ["ev"],
    namespaced: true,
    apiVersion: "v1",
    apiPath: CORE_API_PATH,
    storeOrder: 4,
    nameRule: "subdomain",
    categories: [],
    hasStatus: false,
  },
});

/** The kinds users write in manifests (those with a schema), in the order docs and messages list them. */
export const MANIFEST_KINDS: readonly ManifestKind[] = Object.freeze(
  (Object.keys(KIND_INFO) as Kind[]).filter((k) => KIND_INFO[k].schemaFile !== undefined) as ManifestKind[],
);

/** Every kind, manifest kinds first. */
export const ALL_KINDS: readonly Kind[] = Object.freeze([...MANIFEST_KINDS, ...(Object.keys(KIND_INFO) as Kind[]).filter((k) => KIND_INFO[k].schemaFile === undefined)]);

/** Every kind in the store's order. */
export const STORE_ORDER: readonly Kind[] = Object.freeze([...ALL_KINDS].sort((a, b) => KIND_INFO[a].storeOrder - KIND_INFO[b].storeOrder));

/** Kinds whose objects live in a namespace. */
export const NAMESPACED_KIND_SET: ReadonlySet<Kind> = new Set(ALL_KINDS.filter((k) => KIND_INFO[k].namespaced));

/** True for a kind the registry knows. */
export function isKind(kind: unknown): kind is Kind {
  return typeof kind === "string" && Object.prototype.hasOwnProperty.call(KIND_INFO, kind);
}

/**
 * The HTTP API path of a kind's collection, or of one object when `name` is given; used by the
 * server's routes and by the `--server` client alike.
 */
export function kindPath(kind: Kind, namespace: string | undefined, name?: string): string {
  const info = KIND_INFO[kind];
  const ns = info.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  return `${info.apiPath}${ns}/${info.plural}${name === undefined ? "" : "/" + encodeURIComponent(name)}`;
}

const BY_NAME: ReadonlyMap<string, Kind> = new Map(
  ALL_KINDS.flatMap((kind) => {
    const info = KIND_INFO[kind];
    return [kind, info.plural, info.singular, ...info.shortNames].map((name) => [name.toLowerCase(), kind] as const);
  }),
);

/**
 * The kind a user means by `name` (`vms`, `vm`, `VirtualMachine`, `hosts`, `os`, `ev`, ...),
 * case-insensitive; undefined when there is none.
 */
export function resolveKind(name: string): Kind | undefined {
  return BY_NAME.get(name.trim().toLowerCase());
}

/** True when objects of `kind` live in a namespace. */
export function isNamespaced(kind: Kind): boolean {
  return KIND_INFO[kind].namespaced;
}

/** True for the kinds a manifest may contain. */
export function isManifestKind(kind: unknown): kind is ManifestKind {
  return typeof kind === "string" && (MANIFEST_KINDS as readonly string[]).includes(kind);
}

/** Every name `resolveKind` accepts for `kind`, for help texts. */
export function kindNames(kind: Kind): string[] {
  const info = KIND_INFO[kind];
  return [info.plural, info.singular, ...info.shortNames];
}
