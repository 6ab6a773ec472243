/**
 * The resource kinds of memplane (docs/manifests.md): Host, VirtualMachine, GuestOSProfile and the
 * Kubernetes-style Event. Spec types describe the object *after* defaulting (what the store
 * holds); quantities are canonical Kubernetes quantity strings (`512Mi`, `8Gi`, `0`).
 *
 * The JSON Schemas in `schemas/` validate the *input* form of these objects; a test keeps the
 * two in agreement.
 */

export { API_VERSION } from "./version.js";
import { API_VERSION } from "./version.js";
import { NAMESPACED_KIND_SET } from "./kinds.js";

/** A canonical quantity string, e.g. `512Mi`, `1300228Ki`, `0` (docs/manifests.md, the quantity type). */
export type Quantity = string;

/** A percentage of something else, written `25%`. */
export type PercentString = `${number}%`;

/** A simulated duration such as `90s`, `5m`, `1h30m`, `1ms`. */
export type DurationString = string;

/** A simulated timestamp: the simulated time since the simulation began, e.g. `42s`, `1m30s`. */
export type SimTimestamp = string;

/** The kinds users write in manifests. */
export type ManifestKind = "Host" | "VirtualMachine" | "GuestOSProfile" | "Scenario";

/** Every kind the store holds. */
export type Kind = ManifestKind | "Event";

/** Object metadata as Kubernetes: the store sets uid, generation, resourceVersion and creationTimestamp. */
export interface ObjectMeta {
  name: string;
  /** VirtualMachine and Event only; defaults to `default`. */
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
  /** Bumped by spec, labels or annotations changes, never by status writes. */
  generation?: number;
  /** Bumped on every write (decimal string, as Kubernetes). */
  resourceVersion?: string;
  creationTimestamp?: SimTimestamp;
  /** Field owners (server-side apply); set by `memplane serve`, accepted and ignored in manifests ({@link StoredMeta}). */
  managedFields?: readonly object[];
}

/** Metadata as the store holds it: {@link ObjectMeta} with typed field owners (server-side apply through `memplane serve`). */
export type StoredMeta = Omit<ObjectMeta, "managedFields"> & { managedFields?: ManagedFieldsEntry[] };

/** One field manager's fields (Kubernetes' ManagedFieldsEntry, FieldsV1: `{"f:spec":{"f:memory":{}}}`). */
export interface ManagedFieldsEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  fieldsType: "FieldsV1";
  fieldsV1: Record<string, unknown>;
}

/** A Kubernetes-style condition; `lastTransitionTime` changes only when `status` flips. */
export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  lastTransitionTime: SimTimestamp;
}

// ---------------------------------------------------------------- Host

/** Host memory-state thresholds in % of minFree (docs/memory-model.md §5). */
export interface MemoryStatesSpec {
  clear: number;
  soft: number;
  hard: number;
  low: number;
  largePageBreak: number;
  hysteresis: number;
  holdSeconds: number;
}

/**
 * Whether the balloon stops at the guest OS minimum plus AppBalloonMaxSlack (`seed`, the seed
 * article's rule) or not at all (`off`: only Mem.CtlMaxPercent, the reservation and
 * sched.mem.maxmemctl cap it, as VMware's documents name them).
 */
export type GuestFloor = "seed" | "off";

/** Host ballooning settings (docs/memory-model.md §7). Rates are per second per VM. */
export interface BallooningSpec {
  enabled: boolean;
  maxPercent: number;
  appBalloonMaxSlack: Quantity;
  guestFloor: GuestFloor;
  inflateRate: Quantity;
  deflateRate: Quantity;
}

/** Host memory-compression settings (docs/memory-model.md §8). */
export interface CompressionSpec {
  enabled: boolean;
  maxPercent: number;
}

/** The host's hypervisor swap datastore (docs/memory-model.md §8). Rates are per second, shared by the host's VMs. */
export interface SwapSpec {
  capacity: Quantity | "unlimited";
  writeRate: Quantity;
  readRate: Quantity;
  swapInLatency: DurationString;
}

/** Transparent page sharing settings (docs/memory-model.md §9). */
export interface PageSharingSpec {
  enabled: boolean;
  salting: boolean;
  largePages: boolean;
  scanMinutes: number;
}

/**
 * How the host measures active memory (docs/memory-model.md §4). With `sampling` off (the
 * default) ACTV follows the working set exactly; on, each VM's working set is estimated from
 * `samplePages` random pages per `Mem.SamplePeriod`, as ESXi does, so ACTV has a sampling error.
 */
export interface ActiveMemorySpec {
  sampling: boolean;
  samplePages: number;
}

/**
 * The reclamation policies a host can run, one key per policy. The policy registry
 * (src/policies/registry.ts) fills it in, so the names are written once, there, and this layer
 * imports nothing above it.
 */
export interface ReclamationPolicies {}

/** Reclamation policy a host runs (`spec.policy`): `esxi` (the default), `mom`, `squeezed` or `hyperv` — a name in the policy registry. */
export type ReclamationPolicy = Extract<keyof ReclamationPolicies, string>;

/** Desired state of a Host, after defaulting. */
export interface HostSpec {
  capacity: Quantity;
  vmkernelReserved: "auto" | Quantity;
  minFree: "auto" | Quantity;
  memoryStates: MemoryStatesSpec;
  idleTax: number;
  ballooning: BallooningSpec;
  compression: CompressionSpec;
  swap: SwapSpec;
  pageSharing: PageSharingSpec;
  activeMemory: ActiveMemorySpec;
  policy: ReclamationPolicy;
}

/** The five host memory states (docs/memory-model.md §5), from most to least free memory. */
export type HostMemoryState = "high" | "clear" | "soft" | "hard" | "low";

/** Host memory accounting in status. */
export interface HostMemoryStatus {
  capacity: Quantity;
  minFree: Quantity;
  free: Quantity;
  consumed: Quantity;
  overhead: Quantity;
  reserved: Quantity;
  unreserved: Quantity;
  ballooned: Quantity;
  swapped: Quantity;
  compressed: Quantity;
  sharedSavings: Quantity;
}

/** Observed state of a Host, written only by controllers. */
export interface HostStatus {
  state: HostMemoryState;
  memory: HostMemoryStatus;
  /** Σ configured memory of running VMs ÷ capacity. */
  overcommit: number;
  vms: { running: number; pending: number };
  conditions: Condition[];
  observedGeneration: number;
}

/** A physical ESXi-like host (cluster-scoped). */
export interface Host {
  apiVersion: typeof API_VERSION;
  kind: "Host";
  metadata: ObjectMeta;
  spec: HostSpec;
  status?: HostStatus;
}

// ---------------------------------------------------------------- VirtualMachine

/** One step of a workload's timeline: from `after`, the workload changes (linearly over rampSeconds). */
export interface WorkloadPhase {
  after: DurationString;
  allocated?: Quantity | PercentString;
  /** % of allocated that is the working set. */
  active?: number;
  rampSeconds?: number;
}

/** What the guest wants over time (docs/memory-model.md §3). Percentages are numbers 0–100. */
export interface WorkloadSpec {
  allocated: Quantity | PercentString;
  active: number;
  compressibility: number;
  zeroPages: number;
  commonPages: number;
  /** Absent: taken from the guest OS profile. */
  touchAllOnBoot?: boolean;
  phases: WorkloadPhase[];
}

/** Balloon driver health, for fault injection. */
export type BalloonDriverHealth = "healthy" | "stuck" | "slow";

/** The VMware-Tools-like guest agent. */
export interface ToolsSpec {
  installed: boolean;
  balloonDriver: BalloonDriverHealth;
}

/** Memory shares: a level or a positive integer (per MiB of configured memory for levels). */
export type Shares = "low" | "normal" | "high" | number;

/**
 * Hyper-V Dynamic Memory settings of a VM (docs/manifests.md), used by hosts with
 * `spec.policy: hyperv` and ignored by the other policies. Absent quantities are computed:
 * startup and maximum equal spec.memory, minimum is the smaller of 512Mi and startup.
 */
export interface DynamicMemorySpec {
  /** Whether Hyper-V adjusts the VM's memory (off: static memory, spec.memory). */
  enabled: boolean;
  /** Startup RAM: the memory the VM boots with; above it memory is hot-added. */
  startup?: Quantity;
  /** Minimum RAM: the balloon never takes the VM below it. */
  minimum?: Quantity;
  /** Maximum RAM: the most the VM is ever given (at most spec.memory). */
  maximum?: Quantity;
  /** Memory buffer: memory given on top of the guest's demand, percent (5–2000). */
  bufferPercent: number;
  /** Memory weight: who gets memory first when the host has too little (0–10000). */
  weight: number;
}

/** Desired state of a VirtualMachine, after defaulting. Absent optional fields are computed. */
export interface VirtualMachineSpec {
  hostName: string;
  powerState: "On" | "Off";
  memory: Quantity;
  vcpus: number;
  reservation: Quantity;
  limit?: Quantity;
  shares: Shares;
  guestOS: string;
  tools: ToolsSpec;
  maxBalloon?: Quantity;
  /** Absent: equal to memory. */
  guestSwap?: Quantity;
  /** Absent: computed (docs/memory-model.md §10). */
  overhead?: Quantity;
  workload: WorkloadSpec;
  /** Hyper-V Dynamic Memory (hosts with `spec.policy: hyperv`); absent: static memory. */
  dynamicMemory?: DynamicMemorySpec;
}

/** VM memory in status, esxtop names in the comments. */
export interface VirtualMachineMemoryStatus {
  /** MEMSZ */ configured: Quantity;
  /** GRANT */ granted: Quantity;
  /** CNSM */ consumed: Quantity;
  /** ACTV */ active: Quantity;
  /** SZTGT */ entitlement: Quantity;
  /** OVHD */ overhead: Quantity;
  /** MCTLSZ */ balloon: Quantity;
  /** MCTLTGT */ balloonTarget: Quantity;
  /** MCTLMAX */ balloonMax: Quantity;
  /** SWCUR */ swapped: Quantity;
  /** SWTGT */ swapTarget: Quantity;
  /** ZIP */ compressed: Quantity;
  /** SHRD */ shared: Quantity;
  guestUsed: Quantity;
  guestFree: Quantity;
  guestUntouched: Quantity;
  guestSwapped: Quantity;
}

/** Fault and paging rates, bytes per second as quantities. */
export interface VirtualMachineRates {
  swapIn: Quantity;
  swapOut: Quantity;
  decompress: Quantity;
  guestPageIn: Quantity;
  guestPageOut: Quantity;
}

/** Lifecycle phase of a VM. */
export type VmPhase = "Pending" | "Running" | "Stopped";

/** Observed state of a VirtualMachine, written only by controllers. */
export interface VirtualMachineStatus {
  phase: VmPhase;
  memory: VirtualMachineMemoryStatus;
  rates: VirtualMachineRates;
  memoryStallPercent: number;
  conditions: Condition[];
  observedGeneration: number;
}

/** A virtual machine on a host (namespaced). */
export interface VirtualMachine {
  apiVersion: typeof API_VERSION;
  kind: "VirtualMachine";
  metadata: ObjectMeta;
  spec: VirtualMachineSpec;
  status?: VirtualMachineStatus;
}

// ---------------------------------------------------------------- GuestOSProfile

/** A guest OS's vendor minimum memory and boot behaviour. */
export interface GuestOSProfileSpec {
  minimumMemory: Quantity;
  touchAllOnBoot: boolean;
  description?: string;
}

/** Guest OS profile (cluster-scoped); an applied profile overrides a built-in one of the same name. */
export interface GuestOSProfile {
  apiVersion: typeof API_VERSION;
  kind: "GuestOSProfile";
  metadata: ObjectMeta;
  spec: GuestOSProfileSpec;
  status?: Record<string, never>;
}

// ---------------------------------------------------------------- Scenario

/** The kinds a Scenario step may apply, patch or delete. */
export type ScenarioTargetKind = "Host" | "VirtualMachine" | "GuestOSProfile";

/** Names the object a `delete` or `patch` step acts on. */
export interface ScenarioObjectRef {
  kind: ScenarioTargetKind;
  name: string;
  /** VirtualMachine only; defaults to `default`. */
  namespace?: string;
}

/**
 * One timed change: `after` (simulated time since the Scenario was applied) and exactly one of `apply` (a Host, VirtualMachine
 * or GuestOSProfile, validated and defaulted like any manifest), `delete` (an object reference), `patch` (a reference plus a
 * JSON merge patch of its spec) or `restart` (a VM whose guest OS restarts, as `memplane restart vm`).
 */
export interface ScenarioStep {
  after: DurationString;
  apply?: Host | VirtualMachine | GuestOSProfile;
  delete?: ScenarioObjectRef;
  patch?: ScenarioObjectRef & { spec: Record<string, unknown> };
  restart?: Omit<ScenarioObjectRef, "kind">;
}

/** Desired state of a Scenario: its steps in the order given (applied in order of `after`, ties in list order). */
export interface ScenarioSpec {
  steps: ScenarioStep[];
}

/** Progress of a Scenario, written by the engine. */
export interface ScenarioStatus {
  /** Simulated time the current spec started (creation, or the last spec change). */
  startedAt: SimTimestamp;
  /** Simulated seconds of `startedAt`, for exact arithmetic. */
  startedAtSeconds: number;
  /** Steps applied (or failed) so far, in the order they ran. */
  stepsDone: number;
  /** Steps in the spec. */
  stepsTotal: number;
  /** Per step (in run order): what happened. */
  history: { step: number; time: SimTimestamp; result: "Applied" | "Failed"; message: string }[];
  observedGeneration: number;
  /**
   * Set while the Scenario cannot run at all (a stored spec the runner cannot use, e.g. a step
   * `after` that is not a duration): consecutive failures, the tick of the next try (backoff
   * 1, 2, 4 … 64 ticks) and why. Cleared when it runs; a changed spec is tried at once.
   */
  retry?: { failures: number; nextTick: number; message: string };
}

/** Timed manifest changes for reproducible experiments (cluster-scoped). */
export interface Scenario {
  apiVersion: typeof API_VERSION;
  kind: "Scenario";
  metadata: ObjectMeta;
  spec: ScenarioSpec;
  status?: ScenarioStatus;
}

// ---------------------------------------------------------------- Event

/** A Kubernetes-style Event about a notable change (namespaced like its object; hosts use `default`). */
export interface MemplaneEvent {
  apiVersion: "v1";
  kind: "Event";
  metadata: ObjectMeta;
  /** The object the event is about: `uid` and `apiVersion` are absent in events saved before they were recorded. */
  involvedObject: { kind: ManifestKind; name: string; namespace?: string; uid?: string; apiVersion?: string };
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  source: { component: string };
  count: number;
  firstTimestamp: SimTimestamp;
  lastTimestamp: SimTimestamp;
  /** Tick of the last occurrence. */
  tick: number;
}

// ---------------------------------------------------------------- unions

/** Any object users can apply. */
export type ManifestObject = Host | VirtualMachine | GuestOSProfile | Scenario;

/** Any object the store holds. */
export type StoredObject = ManifestObject | MemplaneEvent;

/** Maps a kind name to its object type. */
export interface KindMap {
  Host: Host;
  VirtualMachine: VirtualMachine;
  GuestOSProfile: GuestOSProfile;
  Scenario: Scenario;
  Event: MemplaneEvent;
}

/** Kinds whose objects live in a namespace (from the kind registry, `KIND_INFO`). */
export const NAMESPACED_KINDS: ReadonlySet<Kind> = NAMESPACED_KIND_SET;

/** The namespace a namespaced object gets when none is given. */
export const DEFAULT_NAMESPACE = "default";

/** Identifies one object. `namespace` is ignored for cluster-scoped kinds. */
export interface ObjectKey {
  kind: Kind;
  name: string;
  namespace?: string;
}
