/**
 * Kind names as users type them (kubectl-style): plural, singular and short names, any case, all
 * resolve to the one {@link Kind}. The CLI and the manifest loader use this table.
 */
import type { Kind, ManifestKind } from "./types.js";

/** How a kind is named and scoped. */
export interface KindInfo {
  kind: Kind;
  /** Lower-case plural, as `memplane get` prints it (`virtualmachines`). */
  plural: string;
  /** Lower-case singular (`virtualmachine`). */
  singular: string;
  /** Short names (`vm`, `vms`). */
  shortNames: readonly string[];
  /** True when objects live in a namespace. */
  namespaced: boolean;
}

/** Every kind the store holds, with its names. */
export const KIND_INFO: Readonly<Record<Kind, KindInfo>> = Object.freeze({
  Host: { kind: "Host", plural: "hosts", singular: "host", shortNames: [], namespaced: false },
  VirtualMachine: {
    kind: "VirtualMachine",
    plural: "virtualmachines",
    singular: "virtualmachine",
    shortNames: ["vm", "vms"],
    namespaced: true,
  },
  GuestOSProfile: {
    kind: "GuestOSProfile",
    plural: "guestosprofiles",
    singular: "guestosprofile",
    shortNames: ["os"],
    namespaced: false,
  },
  Scenario: { kind: "Scenario", plural: "scenarios", singular: "scenario", shortNames: ["sc"], namespaced: false },
  Event: { kind: "Event", plural: "events", singular: "event", shortNames: ["ev"], namespaced: true },
});

/** The kinds users write in manifests, in the order docs and messages list them. */
export const MANIFEST_KINDS: readonly ManifestKind[] = Object.freeze(["Host", "VirtualMachine", "GuestOSProfile", "Scenario"]);

/** Every kind, manifest kinds first. */
export const ALL_KINDS: readonly Kind[] = Object.freeze([...MANIFEST_KINDS, "Event"]);

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
