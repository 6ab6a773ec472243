/**
 * Small clusters for the policy tests: one host running a chosen reclamation policy and VMs
 * whose workloads overcommit it, plus readers of balloon numbers in pages.
 */
import "reflect-metadata";
import { createEngine, quantityToPages } from "memplane";
import type { Engine, LogEntry } from "memplane";

/** One VM of a test cluster. */
export interface TestVm {
  name: string;
  memory?: string;
  reservation?: string;
  allocated?: string;
  tools?: boolean;
  /** Extra YAML lines under spec.workload (e.g. phases), already indented by 4 spaces. */
  workloadExtra?: string;
  /** spec.dynamicMemory as a YAML flow mapping (e.g. `{startup: 1Gi, minimum: 512Mi}`), for hyperv hosts. */
  dynamicMemory?: string;
}

/** YAML for a host `h1` with `policy` and the given VMs. */
export function clusterYaml(policy: string, vms: TestVm[], capacity = "8Gi"): string {
  const host = `apiVersion: memplane.io/v1alpha1\nkind: Host\nmetadata: {name: h1}\nspec: {capacity: ${capacity}, policy: ${policy}}\n`;
  const docs = vms.map(
    (v) =>
      `apiVersion: memplane.io/v1alpha1\nkind: VirtualMachine\nmetadata: {name: ${v.name}}\nspec:\n  hostName: h1\n  memory: ${v.memory ?? "4Gi"}\n  reservation: ${v.reservation ?? "0"}\n  tools: {installed: ${v.tools ?? true}}\n${v.dynamicMemory ? `  dynamicMemory: ${v.dynamicMemory}\n` : ""}  workload:\n    allocated: ${v.allocated ?? "1Gi"}\n    active: 20\n${v.workloadExtra ?? ""}`,
  );
  return [host, ...docs].join("---\n");
}

/** An engine with the cluster applied and all log entries collected. */
export function startCluster(yamlText: string, seed = 1): { engine: Engine; logs: LogEntry[] } {
  const engine = createEngine({ seed });
  const logs: LogEntry[] = [];
  engine.logs$.subscribe((l) => logs.push(l));
  engine.apply(yamlText);
  return { engine, logs };
}

/** A VM's status memory field in pages. */
export function vmPages(engine: Engine, name: string, field: string): number {
  const vm = engine.store.get("VirtualMachine", name, "default");
  const value = (vm?.status?.memory as Record<string, string> | undefined)?.[field];
  if (value === undefined) throw new Error(`VM ${name} has no status.memory.${field}`);
  return quantityToPages(value);
}

/** A host's status memory field in pages. */
export function hostPages(engine: Engine, field: string, name = "h1"): number {
  const h = engine.store.get("Host", name);
  const value = (h?.status?.memory as Record<string, string> | undefined)?.[field];
  if (value === undefined) throw new Error(`host ${name} has no status.memory.${field}`);
  return quantityToPages(value);
}

/** Pages in a GiB / MiB. */
export const GI = 262144;
export const MI = 256;
