/**
 * The GuestOSProfiles memplane ships with: each guest OS's vendor minimum memory (the balloon
 * floor of docs/memory-model.md §7 is `minimum + appBalloonMaxSlack`) and whether it touches all of
 * its memory at boot. Every profile names its source in the `memplane.io/source` annotation;
 * `docs/guest-os-profiles.md` lists them and says which figures could not be confirmed.
 *
 * Unlike ESXi, where this table is hard-coded, applying a GuestOSProfile with the same name
 * overrides a built-in one.
 */
import { API_VERSION, type GuestOSProfile } from "./types.js";

/** Label every built-in profile carries (`-l memplane.io/builtin=true` lists them). */
export const BUILTIN_LABEL = "memplane.io/builtin";

/** Annotation naming the vendor document (title and URL) a built-in profile's numbers come from. */
export const SOURCE_ANNOTATION = "memplane.io/source";

/**
 * Annotation saying how sure the figure is: `vendor` (read in the vendor's own document),
 * `secondary` (vendor document cited by others, exact text not read), `best-known` (no
 * release-specific vendor figure found; nearest documented one used), `seed` or `default`.
 */
export const CONFIDENCE_ANNOTATION = "memplane.io/source-confidence";

/** How sure a built-in profile's minimum memory is (see {@link CONFIDENCE_ANNOTATION}). */
export type SourceConfidence = "vendor" | "secondary" | "best-known" | "seed" | "default";

const RHEL_LIMITS =
  "Red Hat Enterprise Linux Technology Capabilities and Limits — https://access.redhat.com/articles/rhel-limits";
const UBUNTU_SERVER_REQUIREMENTS =
  "Ubuntu Server documentation, System requirements — https://documentation.ubuntu.com/server/reference/installation/system-requirements/";
const WINDOWS_SERVER_REQUIREMENTS =
  "Microsoft Learn, Hardware requirements for Windows Server — https://learn.microsoft.com/en-us/windows-server/get-started/hardware-requirements";
const PHOTON4_VSPHERE_PREREQUISITES =
  "Photon OS 4.0 Installation Guide, Prerequisites for Running Photon OS on vSphere — https://vmware.github.io/photon/docs-v4/installation-guide/run-photon-on-vsphere/prerequisites-for-photon-os-on-vsphere/";
const PHOTON5_VSPHERE_PREREQUISITES =
  "Photon OS 5.0 Installation Guide, Prerequisites for Running Photon OS on vSphere — https://vmware.github.io/photon/docs-v5/installation-guide/run-photon-on-vsphere/prerequisites-for-photon-os-on-vsphere/";

/** Input for one built-in profile. */
interface BuiltinSpec {
  name: string;
  minimumMemory: string;
  touchAllOnBoot: boolean;
  description: string;
  source: string;
  confidence: SourceConfidence;
}

const WINDOWS_NOTE =
  "Windows zeroes all guest memory at boot, so every page is touched. Microsoft: setup in a VM with only 512 MB fails; give it more than 800 MB to install.";

function windowsServer(year: 2019 | 2022 | 2025): BuiltinSpec[] {
  const desktopMinimum =
    year === 2025
      ? "Minimum 2 GB for Server with Desktop Experience (4 GB recommended)."
      : "Minimum 2 GB for Server with Desktop Experience.";
  return [
    {
      name: `windows-server-${year}-core`,
      minimumMemory: "512Mi",
      touchAllOnBoot: true,
      description: `Windows Server ${year}, Server Core: minimum 512 MB. ${WINDOWS_NOTE}`,
      source: WINDOWS_SERVER_REQUIREMENTS,
      confidence: "vendor",
    },
    {
      name: `windows-server-${year}-desktop`,
      minimumMemory: "2Gi",
      touchAllOnBoot: true,
      description: `Windows Server ${year}, Server with Desktop Experience. ${desktopMinimum} ${WINDOWS_NOTE}`,
      source: WINDOWS_SERVER_REQUIREMENTS,
      confidence: "vendor",
    },
  ];
}

const SPECS: readonly BuiltinSpec[] = [
  {
    name: "other",
    minimumMemory: "256Mi",
    touchAllOnBoot: false,
    description: "Fallback for a VM whose guestOS names no known profile (memplane default, not a vendor figure).",
    source: "memplane default (docs/guest-os-profiles.md)",
    confidence: "default",
  },
  {
    name: "rhel7",
    minimumMemory: "512Mi",
    touchAllOnBoot: false,
    description:
      "Red Hat Enterprise Linux 7: 512 MB, the figure the seed article gives (balloons down to 528 MB with the default 16 MB slack). Red Hat's own RHEL 7 documentation asks for at least 1 GB on x86_64.",
    source: "Seed article \"How does memory ballooning work\" (http://blog.jgriffiths.org/how-does-memory-ballooning-work/)",
    confidence: "seed",
  },
  {
    name: "rhel8",
    minimumMemory: "1536Mi",
    touchAllOnBoot: false,
    description:
      "Red Hat Enterprise Linux 8 (x86_64): 1.5 GB per logical CPU (Red Hat's minimum, as quoted from rhel-limits), i.e. 1.5 GB for one vCPU.",
    source: RHEL_LIMITS,
    confidence: "secondary",
  },
  {
    name: "rhel9",
    minimumMemory: "1536Mi",
    touchAllOnBoot: false,
    description:
      "Red Hat Enterprise Linux 9 (x86_64): 1.5 GB minimum, as for RHEL 8 (rhel-limits as quoted by others and libosinfo's RHEL 9 entry; the article's own table was not read).",
    source: RHEL_LIMITS,
    confidence: "secondary",
  },
  {
    name: "rhel10",
    minimumMemory: "1536Mi",
    touchAllOnBoot: false,
    description:
      "Red Hat Enterprise Linux 10 (x86_64): 1.5 GB, carried over from RHEL 9 (best-known figure; no RHEL 10 specific number was confirmed).",
    source: RHEL_LIMITS,
    confidence: "best-known",
  },
  {
    name: "ubuntu-server-22-04",
    minimumMemory: "1536Mi",
    touchAllOnBoot: false,
    description:
      "Ubuntu Server 22.04 LTS: 1.5 GB, the current page's ISO-install minimum (best-known figure: the page states 24.04 numbers and says other releases differ slightly).",
    source: UBUNTU_SERVER_REQUIREMENTS,
    confidence: "best-known",
  },
  {
    name: "ubuntu-server-24-04",
    minimumMemory: "1536Mi",
    touchAllOnBoot: false,
    description:
      "Ubuntu Server 24.04 LTS (amd64): minimum 1.5 GB for ISO installs (1 GB for cloud images); Canonical suggests 3 GB or more.",
    source: UBUNTU_SERVER_REQUIREMENTS,
    confidence: "vendor",
  },
  ...windowsServer(2019),
  ...windowsServer(2022),
  ...windowsServer(2025),
  {
    name: "photon4",
    minimumMemory: "2Gi",
    touchAllOnBoot: false,
    description:
      "VMware Photon OS 4.0: 2 GB of free RAM recommended on the ESXi host (the vendor gives no lower guest minimum).",
    source: PHOTON4_VSPHERE_PREREQUISITES,
    confidence: "vendor",
  },
  {
    name: "photon5",
    minimumMemory: "2Gi",
    touchAllOnBoot: false,
    description:
      "VMware Photon OS 5.0: 2 GB of free RAM recommended on the ESXi host (the vendor gives no lower guest minimum).",
    source: PHOTON5_VSPHERE_PREREQUISITES,
    confidence: "vendor",
  },
];

function toProfile(spec: BuiltinSpec): GuestOSProfile {
  return deepFreeze({
    apiVersion: API_VERSION,
    kind: "GuestOSProfile",
    metadata: {
      name: spec.name,
      labels: { [BUILTIN_LABEL]: "true" },
      annotations: { [SOURCE_ANNOTATION]: spec.source, [CONFIDENCE_ANNOTATION]: spec.confidence },
    },
    spec: {
      minimumMemory: spec.minimumMemory,
      touchAllOnBoot: spec.touchAllOnBoot,
      description: spec.description,
    },
  });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The built-in guest OS profiles, in a stable order (`other` first). Deeply frozen. */
export const BUILTIN_GUEST_OS_PROFILES: readonly GuestOSProfile[] = Object.freeze(SPECS.map(toProfile));

const BY_NAME: ReadonlyMap<string, GuestOSProfile> = new Map(
  BUILTIN_GUEST_OS_PROFILES.map((profile) => [profile.metadata.name, profile]),
);

/**
 * The built-in profile called `name`, or `undefined` when there is none. The object is
 * frozen: clone it (e.g. `structuredClone`) before changing it.
 */
export function builtinProfile(name: string): GuestOSProfile | undefined {
  return BY_NAME.get(name);
}
