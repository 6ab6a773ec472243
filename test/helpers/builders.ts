/**
 * Object builders for tests: fully defaulted Hosts, VirtualMachines and GuestOSProfiles as the
 * store holds them (the shape `applyDefaults` produces), with overrides for what a test cares about.
 */
import { API_VERSION, type GuestOSProfile, type Host, type HostSpec, type ObjectMeta, type VirtualMachine, type VirtualMachineSpec } from "../../src/api/types.js";

/** Deep partial for overrides. */
export type Overrides<T> = { [P in keyof T]?: T[P] extends object ? Overrides<T[P]> | T[P] : T[P] };

/** A defaulted Host spec (api.md §1 defaults). */
export function hostSpec(overrides: Partial<HostSpec> = {}): HostSpec {
  return {
    capacity: "8Gi",
    vmkernelReserved: "0",
    minFree: "auto",
    memoryStates: { clear: 100, soft: 64, hard: 32, low: 16, largePageBreak: 400, hysteresis: 5, holdSeconds: 15 },
    idleTax: 75,
    ballooning: { enabled: true, maxPercent: 65, appBalloonMaxSlack: "16Mi", inflateRate: "64Mi", deflateRate: "64Mi" },
    compression: { enabled: true, maxPercent: 10 },
    swap: { capacity: "unlimited", writeRate: "256Mi", readRate: "256Mi", swapInLatency: "1ms" },
    pageSharing: { enabled: true, salting: true, largePages: true, scanMinutes: 60 },
    policy: "esxi",
    ...overrides,
  };
}

/** A defaulted Host named `name`. */
export function host(name: string, spec: Partial<HostSpec> = {}, metadata: Partial<ObjectMeta> = {}): Host {
  return { apiVersion: API_VERSION, kind: "Host", metadata: { ...metadata, name }, spec: hostSpec(spec) };
}

/** A defaulted VirtualMachine spec on `hostName`. */
export function vmSpec(overrides: Partial<VirtualMachineSpec> = {}): VirtualMachineSpec {
  return {
    hostName: "esx-01",
    powerState: "On",
    memory: "4Gi",
    vcpus: 1,
    reservation: "0",
    shares: "normal",
    guestOS: "other",
    tools: { installed: true, balloonDriver: "healthy" },
    workload: { allocated: "25%", active: 50, compressibility: 50, zeroPages: 2, commonPages: 0, phases: [] },
    ...overrides,
  };
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
