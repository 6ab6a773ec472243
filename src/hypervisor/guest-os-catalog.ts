/**
 * The guest-OS catalog: what the model and `explain` know about a VM's `spec.guestOS`
 * (docs/guest-os-profiles.md). An applied GuestOSProfile overrides the built-in one of the same
 * name; an unknown name counts as `other`. The model keeps a catalog read from the store at
 * every sync; `explain` reads the store as it is now ({@link storeCatalog}).
 */
import { builtinProfile } from "../api/builtin-profiles.js";
import { quantityToPages } from "../api/quantity.js";
import type { GuestOSProfile } from "../api/types.js";
import type { DeepReadonly, ResourceReader } from "../store/types.js";

/** What the model uses of one applied profile. */
interface ProfileFacts {
  minimumPages: number;
  touchAllOnBoot: boolean;
}

/** Minimum memory when neither the guest OS nor `other` has a profile. */
const FALLBACK_MINIMUM = "256Mi";

/** Guest OS minimum memory and touch-all-on-boot by profile name. */
export class GuestOsCatalog {
  /** Applied profiles by name (built-ins are looked up on demand). */
  #applied: (name: string) => ProfileFacts | undefined;
  /** Minimum pages per guest OS name asked about since the catalog was last read. */
  readonly #minimum = new Map<string, number>();

  /** A catalog over `applied` (none: the built-ins only). */
  constructor(applied: (name: string) => ProfileFacts | undefined = () => undefined) {
    this.#applied = applied;
  }

  /** Reads the applied profiles now (the model's catalog, at every sync). */
  readFrom(profiles: readonly DeepReadonly<GuestOSProfile>[]): void {
    const applied = new Map<string, ProfileFacts>();
    for (const p of profiles) applied.set(p.metadata.name, { minimumPages: quantityToPages(p.spec.minimumMemory), touchAllOnBoot: p.spec.touchAllOnBoot });
    this.#applied = (name) => applied.get(name);
    this.#minimum.clear();
  }

  /** Forgets the applied profiles (after a restore, until the next sync reads them). */
  clear(): void {
    this.#applied = () => undefined;
    this.#minimum.clear();
  }

  /** The guest OS minimum memory, pages: its profile's, else `other`'s, else 256Mi. */
  minimumPages(guestOS: string): number {
    const known = this.#minimum.get(guestOS);
    if (known !== undefined) return known;
    const pages = this.#profileMinimum(guestOS) ?? this.#profileMinimum("other") ?? quantityToPages(FALLBACK_MINIMUM);
    this.#minimum.set(guestOS, pages);
    return pages;
  }

  /** Whether the guest OS writes all of its memory at boot (no profile: false). */
  touchesAllOnBoot(guestOS: string): boolean {
    return this.#applied(guestOS)?.touchAllOnBoot ?? builtinProfile(guestOS)?.spec.touchAllOnBoot ?? false;
  }

  #profileMinimum(name: string): number | undefined {
    const applied = this.#applied(name);
    if (applied !== undefined) return applied.minimumPages;
    const p = builtinProfile(name);
    return p ? quantityToPages(p.spec.minimumMemory) : undefined;
  }
}

/** The catalog of the store as it is now: applied profiles are looked up when asked. */
export function storeCatalog(store: ResourceReader): GuestOsCatalog {
  return new GuestOsCatalog((name) => {
    const p = store.get("GuestOSProfile", name) as DeepReadonly<GuestOSProfile> | undefined;
    return p === undefined ? undefined : { minimumPages: quantityToPages(p.spec.minimumMemory), touchAllOnBoot: p.spec.touchAllOnBoot };
  });
}
