/**
 * Synthetic clusters for demos, the overcommit-datacenter scenario and benchmarks
 * (`memplane generate`): hosts of realistic sizes and a realistic mix of VMs — sizes 1–64 GiB,
 * guest OSes, shares levels, some reservations and limits, a few VMs without tools, and
 * workloads with phases — at a chosen overcommit ratio. Deterministic for a seed.
 */
import type { Host, ManifestObject, VirtualMachine } from "../api/types.js";
import { API_VERSION } from "../api/types.js";
import { SeededRandom } from "../engine/random.js";

/** Options of {@link generateCluster}. */
export interface GenerateOptions {
  hosts: number;
  vmsPerHost: number;
  /** Σ configured VM memory ÷ Σ host capacity (default 1.5). */
  overcommit?: number;
  seed?: number;
}

const VM_SIZES_GIB = [1, 2, 2, 4, 4, 4, 8, 8, 8, 16, 16, 32, 64];
const GUEST_OSES = ["rhel9", "rhel8", "rhel7", "ubuntu-server-24-04", "windows-server-2022-core", "windows-server-2022-desktop", "photon5", "other"];
const SHARES = ["normal", "normal", "normal", "normal", "high", "low"] as const;

/** Generates hosts and VMs as manifest objects (input form: defaults are applied on apply). */
export function generateCluster(options: GenerateOptions): ManifestObject[] {
  const out: ManifestObject[] = [];
  for (const group of generateHostGroups(options)) for (const o of group) out.push(o);
  return out;
}

/**
 * The same cluster one host at a time: each group is a Host followed by its VMs, in the order
 * (and with the same random draws) of {@link generateCluster}. A million VMs written this way
 * never need to be in memory at once.
 */
export function* generateHostGroups(options: GenerateOptions): Generator<ManifestObject[]> {
  const { hosts, vmsPerHost } = options;
  const overcommit = options.overcommit ?? 1.5;
  const rng = new SeededRandom(options.seed ?? 1);
  const pick = <T>(list: readonly T[]): T => list[rng.nextInt(list.length)]!;
  const width = String(Math.max(1, hosts)).length;
  for (let h = 0; h < hosts; h++) {
    const hostName = `esx-${String(h + 1).padStart(Math.max(2, width), "0")}`;
    const vms: { name: string; gib: number }[] = [];
    for (let i = 0; i < vmsPerHost; i++) vms.push({ name: `${hostName}-vm-${String(i + 1).padStart(3, "0")}`, gib: pick(VM_SIZES_GIB) });
    const vmObjects: VirtualMachine[] = [];
    let bootGiB = 0;
    for (const v of vms) {
      const memMi = v.gib * 1024;
      const r = rng.next();
      const spec: Record<string, unknown> = {
        hostName,
        memory: `${v.gib}Gi`,
        vcpus: Math.max(1, Math.min(16, v.gib / 2)),
        guestOS: pick(GUEST_OSES),
        shares: pick(SHARES),
      };
      if (r < 0.1) spec.reservation = `${Math.round(memMi * 0.5)}Mi`;
      else if (r < 0.13) spec.limit = `${Math.round(memMi * 0.75)}Mi`;
      if (rng.next() < 0.05) spec.tools = { installed: false };
      const base = 20 + rng.nextInt(40);
      const peak = Math.min(100, base + 20 + rng.nextInt(50));
      spec.workload = {
        allocated: `${base}%`,
        active: 10 + rng.nextInt(60),
        phases: [
          { after: `${60 + rng.nextInt(240)}s`, allocated: `${peak}%`, rampSeconds: 60 + rng.nextInt(180) },
          { after: `${600 + rng.nextInt(600)}s`, allocated: `${base}%`, rampSeconds: 120 },
        ],
      };
      // What the VM touches at power-on: Windows zeroes all of its memory, others allocate `base`.
      bootGiB += String(spec.guestOS).startsWith("windows") ? v.gib : (v.gib * base) / 100;
      vmObjects.push({
        apiVersion: API_VERSION,
        kind: "VirtualMachine",
        metadata: { name: v.name, namespace: "default", labels: { host: hostName } },
        spec,
      } as unknown as VirtualMachine);
    }
    const configuredGiB = vms.reduce((s, v) => s + v.gib, 0);
    // Round host capacity to 16 GiB like real DIMM populations, at least 16 GiB; the overcommit
    // ratio sets it, but never so small that the host is out of memory at boot (pressure should
    // come from the workloads' peaks, not from powering on).
    const bootFloorGiB = Math.ceil((bootGiB * 1.25 + 4) / 16) * 16;
    const capacityGiB = Math.max(16, Math.round(configuredGiB / overcommit / 16) * 16, bootFloorGiB);
    const host = {
      apiVersion: API_VERSION,
      kind: "Host",
      metadata: { name: hostName, labels: { rack: `r${(h % 8) + 1}` } },
      spec: { capacity: `${capacityGiB}Gi`, vmkernelReserved: `${Math.max(1, Math.round(capacityGiB / 64))}Gi` },
    } as unknown as Host;
    yield [host, ...vmObjects];
  }
}
