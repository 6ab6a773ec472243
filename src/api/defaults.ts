/**
 * Defaults for every manifest kind, filled in ONE place (docs/manifests.md), like
 * controller-runtime's `setOptionsDefaults`. {@link applyDefaults} turns a schema-valid input
 * object into exactly the defaulted types of `types.ts`: quantities canonical, percentages as
 * numbers. Fields that are computed later (`guestSwap`, `overhead`, `limit`, `maxBalloon`,
 * `workload.touchAllOnBoot`) stay absent when not given. The function is idempotent.
 */
import { canonicalQuantity as canonicalQuantityText, isPercentString } from "./quantity.js";
import { memoise } from "./memo.js";
import { formatSimTime } from "./duration.js";
import {
  API_VERSION,
  DEFAULT_NAMESPACE,
  type BallooningSpec,
  type CompressionSpec,
  type DynamicMemorySpec,
  type GuestOSProfile,
  type GuestOSProfileSpec,
  type Host,
  type HostSpec,
  type ManifestKind,
  type ManifestObject,
  type MemoryStatesSpec,
  type ObjectMeta,
  type PageSharingSpec,
  type ActiveMemorySpec,
  type PercentString,
  type Scenario,
  type ScenarioStep,
  type Shares,
  type SwapSpec,
  type ToolsSpec,
  type VirtualMachine,
  type VirtualMachineSpec,
  type WorkloadPhase,
  type WorkloadSpec,
} from "./types.js";

type DeepReadonly<T> = { readonly [K in keyof T]: T[K] extends object ? DeepReadonly<T[K]> : T[K] };

function deepFreeze<T>(value: T): DeepReadonly<T> {
  if (value !== null && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value as DeepReadonly<T>;
}

/** Host memory-state thresholds (% of minFree) and hold time (docs/memory-model.md §5). */
export const DEFAULT_MEMORY_STATES: DeepReadonly<MemoryStatesSpec> = deepFreeze({
  clear: 100,
  soft: 64,
  hard: 32,
  low: 16,
  largePageBreak: 400,
  hysteresis: 5,
  holdSeconds: 15,
});

/** Host ballooning settings (docs/memory-model.md §7). */
export const DEFAULT_BALLOONING: DeepReadonly<BallooningSpec> = deepFreeze({
  enabled: true,
  maxPercent: 65,
  appBalloonMaxSlack: "16Mi",
  guestFloor: "seed",
  inflateRate: "64Mi",
  deflateRate: "64Mi",
});

/** Host compression settings (docs/memory-model.md §8). */
export const DEFAULT_COMPRESSION: DeepReadonly<CompressionSpec> = deepFreeze({ enabled: true, maxPercent: 10 });

/** Host swap datastore settings (docs/memory-model.md §8). */
export const DEFAULT_SWAP: DeepReadonly<SwapSpec> = deepFreeze({
  capacity: "unlimited",
  writeRate: "256Mi",
  readRate: "256Mi",
  swapInLatency: "1ms",
});

/** Transparent page sharing settings (docs/memory-model.md §9). */
export const DEFAULT_PAGE_SHARING: DeepReadonly<PageSharingSpec> = deepFreeze({
  enabled: true,
  salting: true,
  largePages: true,
  scanMinutes: 60,
});

/** Active-memory measurement (docs/memory-model.md §4): exact by default; ESXi samples 100 pages per period. */
export const DEFAULT_ACTIVE_MEMORY: DeepReadonly<ActiveMemorySpec> = deepFreeze({
  sampling: false,
  samplePages: 100,
});

/** Every Host spec default (everything but the required `capacity`). */
export const HOST_SPEC_DEFAULTS: DeepReadonly<Omit<HostSpec, "capacity">> = deepFreeze({
  vmkernelReserved: "auto",
  minFree: "auto",
  memoryStates: { ...DEFAULT_MEMORY_STATES },
  idleTax: 75,
  ballooning: { ...DEFAULT_BALLOONING },
  compression: { ...DEFAULT_COMPRESSION },
  swap: { ...DEFAULT_SWAP },
  pageSharing: { ...DEFAULT_PAGE_SHARING },
  activeMemory: { ...DEFAULT_ACTIVE_MEMORY },
  policy: "esxi",
});

/** VM tools defaults: installed, with a healthy balloon driver. */
export const DEFAULT_TOOLS: DeepReadonly<ToolsSpec> = deepFreeze({ installed: true, balloonDriver: "healthy" });

/** Workload defaults (docs/manifests.md; `touchAllOnBoot` comes from the guest OS profile). */
export const DEFAULT_WORKLOAD: DeepReadonly<Omit<WorkloadSpec, "touchAllOnBoot">> = deepFreeze({
  allocated: "25%",
  active: 50,
  compressibility: 50,
  zeroPages: 2,
  commonPages: 0,
  phases: [],
});

/** Dynamic Memory defaults (Hyper-V's: 20 % buffer, weight 5000 of 0–10000; docs/manifests.md). */
export const DEFAULT_DYNAMIC_MEMORY: DeepReadonly<Pick<DynamicMemorySpec, "enabled" | "bufferPercent" | "weight">> = deepFreeze({
  enabled: true,
  bufferPercent: 20,
  weight: 5000,
});

/** VirtualMachine spec defaults for fields that have a fixed default. */
export const VM_SPEC_DEFAULTS: DeepReadonly<
  Pick<VirtualMachineSpec, "powerState" | "vcpus" | "reservation" | "shares" | "guestOS" | "tools">
> = deepFreeze({
  powerState: "On",
  vcpus: 1,
  reservation: "0",
  shares: "normal",
  guestOS: "other",
  tools: { ...DEFAULT_TOOLS },
});

/** GuestOSProfile spec defaults. */
export const GUEST_OS_PROFILE_SPEC_DEFAULTS: DeepReadonly<Pick<GuestOSProfileSpec, "touchAllOnBoot">> = deepFreeze({
  touchAllOnBoot: false,
});

/** A schema-valid manifest object before defaulting: quantities may be numbers, percentages strings. */
export interface ManifestInput {
  apiVersion: string;
  kind: ManifestKind;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  status?: unknown;
}

type Input = Record<string, unknown>;

function section(spec: Input | undefined, key: string): Input {
  const value = spec?.[key];
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Input) : {};
}

/** The canonical text of a quantity (`4096Mi` → `4Gi`), remembered per input text. */
const canonicalQuantity = memoise(canonicalQuantityText);

function pick<T>(value: unknown, fallback: T): T {
  return value === undefined ? fallback : (value as T);
}

function quantity(value: unknown, fallback: string): string {
  return value === undefined ? fallback : canonicalQuantity(value as string | number);
}

function optionalQuantity(value: unknown): string | undefined {
  return value === undefined ? undefined : canonicalQuantity(value as string | number);
}

/** A percentage field as its canonical number: `50%` → 50, 50 → 50. */
export function percentValue(value: string | number): number {
  return typeof value === "number" ? value : Number(value.trim().slice(0, -1));
}

function percent(value: unknown, fallback: number): number {
  return value === undefined ? fallback : percentValue(value as string | number);
}

/** `workload.allocated`: a canonical quantity or a normalised `N%` string. */
function quantityOrPercent(value: string | number): string {
  if (isPercentString(value)) return `${percentValue(value)}%` as PercentString;
  return canonicalQuantity(value);
}

function duration(value: unknown): string {
  return typeof value === "number" ? formatSimTime(value) : String(value).trim();
}

/**
 * The object without its `undefined` properties, as a new object in the same key order
 * (`delete` would leave it in V8's slow dictionary mode, and every stored spec with it).
 */
function withoutUndefined<T extends object>(value: T): T {
  const out = {} as T;
  for (const key in value) {
    if (value[key] !== undefined) out[key] = value[key];
  }
  return out;
}

/** Metadata as stored: store-owned fields dropped, namespace only on namespaced kinds. */
function defaultMetadata(input: ManifestInput["metadata"], namespaced: boolean): ObjectMeta {
  return withoutUndefined<ObjectMeta>({
    name: input.name,
    namespace: namespaced ? (input.namespace ?? DEFAULT_NAMESPACE) : undefined,
    labels: input.labels ? Object.fromEntries(Object.entries(input.labels)) : undefined,
    annotations: input.annotations ? Object.fromEntries(Object.entries(input.annotations)) : undefined,
  });
}

/** Defaults a Host spec. */
export function defaultHostSpec(spec: Input): HostSpec {
  const states = section(spec, "memoryStates");
  const ballooning = section(spec, "ballooning");
  const compression = section(spec, "compression");
  const swap = section(spec, "swap");
  const sharing = section(spec, "pageSharing");
  const active = section(spec, "activeMemory");
  const d = HOST_SPEC_DEFAULTS;
  return {
    capacity: canonicalQuantity(spec.capacity as string | number),
    vmkernelReserved:
      spec.vmkernelReserved === undefined || spec.vmkernelReserved === "auto" ? "auto" : canonicalQuantity(spec.vmkernelReserved as string | number),
    minFree: spec.minFree === undefined || spec.minFree === "auto" ? "auto" : canonicalQuantity(spec.minFree as string),
    memoryStates: {
      clear: pick(states.clear, d.memoryStates.clear),
      soft: pick(states.soft, d.memoryStates.soft),
      hard: pick(states.hard, d.memoryStates.hard),
      low: pick(states.low, d.memoryStates.low),
      largePageBreak: pick(states.largePageBreak, d.memoryStates.largePageBreak),
      hysteresis: pick(states.hysteresis, d.memoryStates.hysteresis),
      holdSeconds: pick(states.holdSeconds, d.memoryStates.holdSeconds),
    },
    idleTax: pick(spec.idleTax, d.idleTax),
    ballooning: {
      enabled: pick(ballooning.enabled, d.ballooning.enabled),
      maxPercent: pick(ballooning.maxPercent, d.ballooning.maxPercent),
      appBalloonMaxSlack: quantity(ballooning.appBalloonMaxSlack, d.ballooning.appBalloonMaxSlack),
      guestFloor: pick(ballooning.guestFloor, d.ballooning.guestFloor),
      inflateRate: quantity(ballooning.inflateRate, d.ballooning.inflateRate),
      deflateRate: quantity(ballooning.deflateRate, d.ballooning.deflateRate),
    },
    compression: {
      enabled: pick(compression.enabled, d.compression.enabled),
      maxPercent: pick(compression.maxPercent, d.compression.maxPercent),
    },
    swap: {
      capacity:
        swap.capacity === undefined || swap.capacity === "unlimited" ? "unlimited" : canonicalQuantity(swap.capacity as string),
      writeRate: quantity(swap.writeRate, d.swap.writeRate),
      readRate: quantity(swap.readRate, d.swap.readRate),
      swapInLatency: swap.swapInLatency === undefined ? d.swap.swapInLatency : duration(swap.swapInLatency),
    },
    pageSharing: {
      enabled: pick(sharing.enabled, d.pageSharing.enabled),
      salting: pick(sharing.salting, d.pageSharing.salting),
      largePages: pick(sharing.largePages, d.pageSharing.largePages),
      scanMinutes: pick(sharing.scanMinutes, d.pageSharing.scanMinutes),
    },
    activeMemory: {
      sampling: pick(active.sampling, d.activeMemory.sampling),
      samplePages: pick(active.samplePages, d.activeMemory.samplePages),
    },
    policy: pick(spec.policy, d.policy),
  };
}

/** Defaults one workload phase. */
function defaultPhase(phase: Input): WorkloadPhase {
  return withoutUndefined<WorkloadPhase>({
    after: duration(phase.after),
    allocated: phase.allocated === undefined ? undefined : quantityOrPercent(phase.allocated as string | number),
    active: phase.active === undefined ? undefined : percentValue(phase.active as string | number),
    rampSeconds: phase.rampSeconds as number | undefined,
  });
}

/** Defaults a VirtualMachine spec. */
export function defaultVirtualMachineSpec(spec: Input): VirtualMachineSpec {
  const tools = section(spec, "tools");
  const workload = section(spec, "workload");
  const d = VM_SPEC_DEFAULTS;
  const w = DEFAULT_WORKLOAD;
  const phases = Array.isArray(workload.phases) ? (workload.phases as Input[]) : [];
  return withoutUndefined<VirtualMachineSpec>({
    hostName: spec.hostName as string,
    powerState: pick(spec.powerState, d.powerState),
    memory: canonicalQuantity(spec.memory as string | number),
    vcpus: pick(spec.vcpus, d.vcpus),
    reservation: quantity(spec.reservation, d.reservation),
    limit: optionalQuantity(spec.limit),
    shares: pick<Shares>(spec.shares, d.shares),
    guestOS: pick(spec.guestOS, d.guestOS),
    tools: {
      installed: pick(tools.installed, d.tools.installed),
      balloonDriver: pick(tools.balloonDriver, d.tools.balloonDriver),
    },
    maxBalloon: optionalQuantity(spec.maxBalloon),
    guestSwap: optionalQuantity(spec.guestSwap),
    overhead: optionalQuantity(spec.overhead),
    workload: withoutUndefined<WorkloadSpec>({
      allocated: workload.allocated === undefined ? w.allocated : quantityOrPercent(workload.allocated as string | number),
      active: percent(workload.active, w.active),
      compressibility: percent(workload.compressibility, w.compressibility),
      zeroPages: percent(workload.zeroPages, w.zeroPages),
      commonPages: percent(workload.commonPages, w.commonPages),
      touchAllOnBoot: workload.touchAllOnBoot as boolean | undefined,
      phases: phases.map(defaultPhase),
    }),
    dynamicMemory: defaultDynamicMemory(spec.dynamicMemory),
  });
}

/** Defaults a VM's dynamicMemory section (absent stays absent: static memory). */
function defaultDynamicMemory(value: unknown): DynamicMemorySpec | undefined {
  if (value === undefined || value === null || typeof value !== "object") return undefined;
  const dm = value as Input;
  const d = DEFAULT_DYNAMIC_MEMORY;
  return withoutUndefined<DynamicMemorySpec>({
    enabled: pick(dm.enabled, d.enabled),
    startup: optionalQuantity(dm.startup),
    minimum: optionalQuantity(dm.minimum),
    maximum: optionalQuantity(dm.maximum),
    bufferPercent: pick(dm.bufferPercent, d.bufferPercent),
    weight: pick(dm.weight, d.weight),
  });
}

/** Defaults a GuestOSProfile spec. */
export function defaultGuestOSProfileSpec(spec: Input): GuestOSProfileSpec {
  return withoutUndefined<GuestOSProfileSpec>({
    minimumMemory: canonicalQuantity(spec.minimumMemory as string | number),
    touchAllOnBoot: pick(spec.touchAllOnBoot, GUEST_OS_PROFILE_SPEC_DEFAULTS.touchAllOnBoot),
    description: spec.description as string | undefined,
  });
}

/** Defaults one Scenario step: `after` canonical, an `apply` object defaulted like a manifest of its kind. */
function defaultScenarioStep(step: Input): ScenarioStep {
  const out: ScenarioStep = { after: duration(step.after) };
  if (step.apply !== undefined) out.apply = applyDefaults(step.apply as ManifestInput) as ScenarioStep["apply"];
  if (step.delete !== undefined) out.delete = { ...(step.delete as ScenarioStep["delete"] & object) };
  if (step.restart !== undefined) out.restart = { ...(step.restart as ScenarioStep["restart"] & object) };
  if (step.patch !== undefined) {
    const p = step.patch as NonNullable<ScenarioStep["patch"]>;
    out.patch = { ...p, spec: structuredClone(p.spec) };
  }
  return out;
}

/**
 * Applies every default to a schema-valid manifest object and returns a new object of the
 * defaulted type (the input is not modified; `status` and store-owned metadata are dropped).
 * Throws `QuantityError` when a quantity does not parse (validation reports those first).
 */
export function applyDefaults(obj: ManifestInput): ManifestObject {
  const spec = (obj.spec ?? {}) as Input;
  switch (obj.kind) {
    case "Host":
      return {
        apiVersion: API_VERSION,
        kind: "Host",
        metadata: defaultMetadata(obj.metadata, false),
        spec: defaultHostSpec(spec),
      } satisfies Host;
    case "VirtualMachine":
      return {
        apiVersion: API_VERSION,
        kind: "VirtualMachine",
        metadata: defaultMetadata(obj.metadata, true),
        spec: defaultVirtualMachineSpec(spec),
      } satisfies VirtualMachine;
    case "GuestOSProfile":
      return {
        apiVersion: API_VERSION,
        kind: "GuestOSProfile",
        metadata: defaultMetadata(obj.metadata, false),
        spec: defaultGuestOSProfileSpec(spec),
      } satisfies GuestOSProfile;
    case "Scenario":
      return {
        apiVersion: API_VERSION,
        kind: "Scenario",
        metadata: defaultMetadata(obj.metadata, false),
        spec: { steps: ((spec.steps ?? []) as Input[]).map(defaultScenarioStep) },
      } satisfies Scenario;
    default:
      throw new TypeError(`applyDefaults: unknown kind ${JSON.stringify((obj as { kind: unknown }).kind)}`);
  }
}
