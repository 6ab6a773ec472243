/**
 * Advice for Hyper-V Dynamic Memory (the `hyperv` policy, docs/policies.md): on a hyperv host a
 * VM's protection is its minimum RAM and memory weight, not a reservation, and Dynamic Memory
 * settings do nothing on a host that runs another policy or for a VM without integration services.
 */
import type { HostRecord, VmRecord } from "../../hypervisor/ledger.js";
import type { MemoryModelReader } from "../../hypervisor/model-api.js";
import { size } from "../words.js";
import type { Finding } from "./types.js";

const SOURCE = 'Microsoft, "Hyper-V Dynamic Memory Overview" (learn.microsoft.com/windows-server/virtualization/hyper-v/dynamic-memory); docs/policies.md (hyperv)';

/** Whether Hyper-V Dynamic Memory balances a VM: Dynamic Memory enabled on a host running `hyperv`. */
export function balancedByHyperV(vm: Pick<VmRecord, "spec">, host: Pick<HostRecord, "spec"> | undefined): boolean {
  return host?.spec.policy === "hyperv" && vm.spec.dynamicMemory?.enabled === true;
}

/** The MemoryStall fix for a VM Hyper-V balances: its weight and minimum, not a reservation. */
export function dynamicMemoryStallFix(vm: Pick<VmRecord, "spec" | "hostName">, peakConsumed: number, roundUp: (pages: number) => number): string {
  const dm = vm.spec.dynamicMemory!;
  const minimum = Math.min(dm.startup, roundUp(peakConsumed));
  const raise = minimum > dm.minimum ? `, raise its minimum RAM (spec.dynamicMemory.minimum: ${size(minimum)}, at most its startup ${size(dm.startup)}) so the balloon leaves it more` : "";
  return `let it keep its memory: raise its memory weight (spec.dynamicMemory.weight, now ${dm.weight} of 10000) so it gets memory first when ${vm.hostName} is short${raise}, or move load off ${vm.hostName}`;
}

/** Dynamic Memory settings that have no effect: on a host running another policy, or without tools on a hyperv host. */
export function dynamicMemoryFindings(model: MemoryModelReader): Finding[] {
  const out: Finding[] = [];
  for (const v of model.allVms()) {
    const dm = v.spec.dynamicMemory;
    if (!v.spec.powerOn || dm?.enabled !== true) continue;
    const host = model.host(v.spec.hostName);
    if (!host) continue;
    const object = `vm/${v.namespace}/${v.name}`;
    if (host.spec.policy !== "hyperv") {
      out.push({
        severity: "info",
        check: "DynamicMemoryIgnored",
        object,
        message: `spec.dynamicMemory is set (startup ${size(dm.startup)}, minimum ${size(dm.minimum)}, maximum ${size(dm.maximum)}) but host ${host.name} runs the ${host.spec.policy} policy, which ignores it.`,
        fix: `set spec.policy: hyperv on ${host.name} to compare, or remove spec.dynamicMemory`,
        source: SOURCE,
      });
    } else if (!v.spec.toolsInstalled || !host.spec.ballooning.enabled) {
      out.push({
        severity: "warning",
        check: "DynamicMemoryInactive",
        object,
        message: `spec.dynamicMemory is enabled but ${v.spec.toolsInstalled ? `ballooning is disabled on host ${host.name}` : "the guest has no integration services (spec.tools.installed: false)"}: Hyper-V can neither add nor remove its memory, so it keeps its static ${size(v.spec.memory)}.`,
        fix: v.spec.toolsInstalled ? `enable ballooning on ${host.name} (spec.ballooning.enabled: true)` : "install the guest's integration services (spec.tools.installed: true)",
        source: SOURCE,
      });
    }
  }
  return out;
}
