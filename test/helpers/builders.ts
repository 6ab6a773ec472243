/**
 * Object builders for tests: fully defaulted Hosts, VirtualMachines and GuestOSProfiles as the
 * store holds them (the shape `applyDefaults` produces), with overrides for what a test cares about.
 */
import { DEFAULT_WORKLOAD, HOST_SPEC_DEFAULTS, VM_SPEC_DEFAULTS } from "../../src/api/defaults.js";
import { API_VERSION, type GuestOSProfile, type Host, type HostSpec, type ObjectMeta, type VirtualMachine, type VirtualMachineSpec } from "../../src/api/types.js";

/** Deep partial for overrides. */
export type Overrides<T> = { [P in keyof T]?: T[P] extends object ? Overrides<T[P]> | T[P] : T[P] };

/** A mutable deep copy of a frozen defaults object. */
function copy<T>(frozen: unknown): T {
  return structuredClone(frozen) as T;
}

/** A defaulted Host spec: the project's own defaults (src/api/defaults.ts) with an 8Gi capacity. */
export function hostSpec(overrides: Partial<HostSpec> = {}): HostSpec {
  return { capacity: "8Gi", ...copy<Omit<HostSpec, "capacity">>(HOST_SPEC_DEFAULTS), ...overrides };
}

/** A defaulted Host named `name`. */
export function host(name: string, spec: Partial<HostSpec> = {}, metadata: Partial<ObjectMeta> = {}): Host {
  return { apiVersion: API_VERSION, kind: "Host", metadata: { ...metadata, name }, spec: hostSpec(spec) };
}

/** A defaulted VirtualMachine spec: 4Gi on `esx-01`, with the project's own defaults (src/api/defaults.ts). */
export function vmSpec(overrides: Partial<VirtualMachineSpec> = {}): VirtualMachineSpec {
  return {
    hostName: "esx-01",
    ...copy<typeof VM_SPEC_DEFAULTS>(VM_SPEC_DEFAULTS),
    memory: "4Gi",
    workload: copy<VirtualMachineSpec["workload"]>(DEFAULT_WORKLOAD),
    ...overrides,
  } as VirtualMachineSpec;
}

/** A defaulted VirtualMachine `name` in namespace `default` (or `metadata.namespace`). */
export function vm(name: string, spec: Partial<VirtualMachineSpec> = {}, metadata: Partial<ObjectMeta> = {}): VirtualMachine {
  return {
    apiVersion: API_VERSION,
    kind: "VirtualMachine",
    metadata: { namespace: "default", ...metadata, name },
    spec: vmSpec(spec),
  };
}

/** A GuestOSProfile. */
export function guestOS(name: string, minimumMemory = "512Mi"): GuestOSProfile {
  return { apiVersion: API_VERSION, kind: "GuestOSProfile", metadata: { name }, spec: { minimumMemory, touchAllOnBoot: false } };
}
