/**
 * Resolves a defaulted Host or VirtualMachine spec into the page-based parameters the memory
 * model works with (all quantities as whole 4 KiB pages, durations in seconds). Computed fields
 * (overhead, guestSwap, touchAllOnBoot) are filled in here.
 */
import type { DeepReadonly } from "../store/types.js";
import type { DynamicMemorySpec, GuestFloor, HostSpec, MemoryStatesSpec, VirtualMachineSpec, WorkloadSpec } from "../api/types.js";
import { percentOrQuantityToPages as parsePercentOrQuantityPages, quantityToPages as parseQuantityPages } from "../api/quantity.js";
import { parseDuration as parseDurationText } from "../api/duration.js";
import { timestampSeconds } from "../api/timestamps.js";
import { MEMO_LIMIT, memoise } from "../api/memo.js";
import { HOST_SPEC_DEFAULTS } from "../api/defaults.js";
import { autoMinFreePages, autoVmkernelReservedPages, defaultOverheadPages, sharesValue } from "./formulas.js";
import { resolveField } from "./spec-problems.js";

const quantityToPages = memoise(parseQuantityPages);

/** Distinct names kept shared before the table starts afresh (a million hosts would still be fine). */
const INTERN_LIMIT = 65_536;
const interned = new Map<string, string>();

/**
 * One shared string per distinct name (host names, guest OSes, shares levels): every VM's copy
 * from the manifest is a separate string, and looking 100 000 of them up each tick (hosts by
 * name, profiles by guest OS) reads 100 000 cache lines instead of a few.
 */
function intern(text: string): string {
  const known = interned.get(text);
  if (known !== undefined) return known;
  if (interned.size >= INTERN_LIMIT) interned.clear();
  interned.set(text, text);
  return text;
}
/** Parses durations (`90s`, `1m30s`), remembered per text. */
export const parseDuration = memoise(parseDurationText);

/**
 * Parses creation timestamps to an order key, remembered per text: RFC 3339 as Unix seconds, a
 * simulated time (`36s`, from a state saved before RFC 3339) as its seconds — smaller than any
 * Unix time, so VMs of an older state still sort before the ones created after it was loaded.
 */
export const parseSimTime = memoise((text: string) => timestampSeconds(text, UNIX_EPOCH));

const UNIX_EPOCH = "1970-01-01T00:00:00Z";

/** Per VM size: its `25%`-or-quantity parses (exact BigInt arithmetic), remembered per text. */
const percentsOf = new Map<number, (input: string | number) => number>();

/** Pages of a percentage of `basePages` or of a quantity, remembered per (size, text). */
function percentOrQuantityToPages(input: string | number, basePages: number): number {
  let parse = percentsOf.get(basePages);
  if (parse === undefined) {
    if (percentsOf.size >= MEMO_LIMIT) percentsOf.clear();
    parse = memoise((text: string | number) => parsePercentOrQuantityPages(text, basePages));
    percentsOf.set(basePages, parse);
  }
  return parse(input);
}

/**
 * Whether a host runs ESXi's VMkernel rules that other hypervisors lack: a per-VM swap file
 * checked at power-on and limits enforced at allocation (docs/policies.md, per-host table).
 */
export const runsVmkernel = (host: { spec: Pick<ResolvedHost, "policy"> }): boolean => host.spec.policy === "esxi";

/** A host's parameters in pages and seconds. */
export interface ResolvedHost {
  capacity: number;
  vmkernelReserved: number;
  minFree: number;
  states: MemoryStatesSpec;
  idleTax: number;
  ballooning: { enabled: boolean; maxPercent: number; slack: number; guestFloor: GuestFloor; inflatePerSecond: number; deflatePerSecond: number };
  compression: { enabled: boolean; maxPercent: number };
  swap: { capacity: number; writePerSecond: number; readPerSecond: number; swapInLatency: number };
  pageSharing: { enabled: boolean; salting: boolean; largePages: boolean; scanMinutes: number };
  /** ACTV measured by sampling `samplePages` random pages per sample period (off: exact). */
  activeMemory: { sampling: boolean; samplePages: number };
  policy: HostSpec["policy"];
}

/** Resolves a Host spec. */
export function resolveHost(spec: DeepReadonly<HostSpec>): ResolvedHost {
  const capacity = resolveField("spec.capacity", quantityToPages, spec.capacity);
  return {
    capacity,
    vmkernelReserved:
      spec.vmkernelReserved === "auto" || spec.vmkernelReserved === undefined
        ? autoVmkernelReservedPages(capacity)
        : resolveField("spec.vmkernelReserved", quantityToPages, spec.vmkernelReserved),
    minFree: spec.minFree === "auto" ? autoMinFreePages(capacity) : resolveField("spec.minFree", quantityToPages, spec.minFree),
    states: { ...spec.memoryStates },
    idleTax: spec.idleTax,
    ballooning: {
      enabled: spec.ballooning.enabled,
      maxPercent: spec.ballooning.maxPercent,
      slack: resolveField("spec.ballooning.appBalloonMaxSlack", quantityToPages, spec.ballooning.appBalloonMaxSlack),
      guestFloor: spec.ballooning.guestFloor ?? HOST_SPEC_DEFAULTS.ballooning.guestFloor, // states saved before the field existed
      inflatePerSecond: resolveField("spec.ballooning.inflateRate", quantityToPages, spec.ballooning.inflateRate),
      deflatePerSecond: resolveField("spec.ballooning.deflateRate", quantityToPages, spec.ballooning.deflateRate),
    },
    compression: { ...spec.compression },
    swap: {
      capacity: spec.swap.capacity === "unlimited" ? Number.POSITIVE_INFINITY : resolveField("spec.swap.capacity", quantityToPages, spec.swap.capacity),
      writePerSecond: resolveField("spec.swap.writeRate", quantityToPages, spec.swap.writeRate),
      readPerSecond: resolveField("spec.swap.readRate", quantityToPages, spec.swap.readRate),
      swapInLatency: resolveField("spec.swap.swapInLatency", parseDuration, spec.swap.swapInLatency),
    },
    pageSharing: { ...spec.pageSharing },
    activeMemory: { ...HOST_SPEC_DEFAULTS.activeMemory, ...spec.activeMemory }, // a spec stored before the field existed
    policy: spec.policy ?? HOST_SPEC_DEFAULTS.policy, // a spec written to the store without defaulting
  };
}

/** A workload phase resolved to pages and seconds. */
export interface ResolvedPhase {
  after: number;
  allocated?: number;
  active?: number;
  ramp: number;
}

/** A VM's parameters in pages and seconds. */
export interface ResolvedVm {
  hostName: string;
  powerOn: boolean;
  memory: number;
  vcpus: number;
  reservation: number;
  limit: number;
  shares: number;
  sharesLabel: string;
  guestOS: string;
  toolsInstalled: boolean;
  balloonDriver: "healthy" | "stuck" | "slow";
  maxBalloon?: number;
  guestSwap: number;
  overhead: number;
  workload: {
    allocated: number;
    active: number;
    compressibility: number;
    zeroPages: number;
    commonPages: number;
    touchAllOnBoot?: boolean;
    phases: ResolvedPhase[];
  };
  /** Hyper-V Dynamic Memory in pages (absent: static memory). */
  dynamicMemory?: ResolvedDynamicMemory;
}

/** A VM's Dynamic Memory settings in pages: startup, minimum and maximum with their defaults filled in. */
export interface ResolvedDynamicMemory {
  enabled: boolean;
  startup: number;
  minimum: number;
  maximum: number;
  bufferPercent: number;
  weight: number;
}

/** Hyper-V Manager's default minimum RAM (512 MB), in pages. */
export const DEFAULT_DYNAMIC_MINIMUM_PAGES = 512 * 256;

/** Resolves `spec.dynamicMemory`: startup and maximum default to memory, minimum to min(512 MB, startup). */
function resolveDynamicMemory(dm: DeepReadonly<DynamicMemorySpec> | undefined, memory: number): ResolvedDynamicMemory | undefined {
  if (dm === undefined) return undefined;
  const page = (field: "startup" | "minimum" | "maximum"): number | undefined =>
    dm[field] === undefined ? undefined : resolveField(`spec.dynamicMemory.${field}`, quantityToPages, dm[field]);
  const maximum = Math.min(memory, page("maximum") ?? memory);
  const startup = Math.min(maximum, page("startup") ?? memory);
  const minimum = Math.min(startup, page("minimum") ?? DEFAULT_DYNAMIC_MINIMUM_PAGES);
  return { enabled: dm.enabled, startup, minimum, maximum, bufferPercent: dm.bufferPercent, weight: dm.weight };
}

function resolveWorkload(w: DeepReadonly<WorkloadSpec>, memory: number): ResolvedVm["workload"] {
  return {
    allocated: resolveField("spec.workload.allocated", (a: string | number) => percentOrQuantityToPages(a, memory), w.allocated),
    active: w.active,
    compressibility: w.compressibility,
    zeroPages: w.zeroPages,
    commonPages: w.commonPages,
    touchAllOnBoot: w.touchAllOnBoot,
    phases: w.phases.map((p, i) => ({
      after: resolveField("spec.workload.phases[*].after", parseDuration, p.after, i),
      allocated: p.allocated === undefined ? undefined : resolveField("spec.workload.phases[*].allocated", (a: string | number) => percentOrQuantityToPages(a, memory), p.allocated, i),
      active: p.active,
      ramp: p.rampSeconds ?? 0,
    })),
  };
}

/** Resolves a VirtualMachine spec (overhead computed unless set; guestSwap defaults to memory). */
export function resolveVm(spec: DeepReadonly<VirtualMachineSpec>): ResolvedVm {
  const memory = resolveField("spec.memory", quantityToPages, spec.memory);
  return {
    hostName: intern(spec.hostName),
    powerOn: spec.powerState === "On",
    memory,
    vcpus: spec.vcpus,
    reservation: resolveField("spec.reservation", quantityToPages, spec.reservation),
    limit: spec.limit === undefined ? Number.POSITIVE_INFINITY : resolveField("spec.limit", quantityToPages, spec.limit),
    shares: sharesValue(spec.shares as VirtualMachineSpec["shares"], memory),
    sharesLabel: intern(String(spec.shares)),
    guestOS: intern(spec.guestOS),
    toolsInstalled: spec.tools.installed,
    balloonDriver: (spec.tools.balloonDriver === undefined ? "healthy" : intern(spec.tools.balloonDriver)) as ResolvedVm["balloonDriver"],
    maxBalloon: spec.maxBalloon === undefined ? undefined : resolveField("spec.maxBalloon", quantityToPages, spec.maxBalloon),
    guestSwap: spec.guestSwap === undefined ? memory : resolveField("spec.guestSwap", quantityToPages, spec.guestSwap),
    overhead: spec.overhead === undefined ? defaultOverheadPages(memory, spec.vcpus) : resolveField("spec.overhead", quantityToPages, spec.overhead),
    workload: resolveWorkload(spec.workload, memory),
    dynamicMemory: resolveDynamicMemory(spec.dynamicMemory, memory),
  };
}

/**
 * The workload a guest wants `t` seconds after power-on: phases apply in order from their `after`,
 * linearly over `ramp` seconds when given.
 */
export function workloadAt(w: ResolvedVm["workload"], t: number): { allocated: number; active: number } {
  let allocated = w.allocated;
  let active = w.active;
  for (const p of w.phases) {
    if (t < p.after) break;
    const f = p.ramp > 0 ? Math.min(1, (t - p.after) / p.ramp) : 1;
    if (p.allocated !== undefined) allocated = Math.round(allocated + (p.allocated - allocated) * f);
    if (p.active !== undefined) active = active + (p.active - active) * f;
  }
  return { allocated, active };
}
