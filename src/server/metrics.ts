/**
 * `/metrics` in the Prometheus text exposition format (version 0.0.4): per host free memory,
 * minFree, capacity and memory state; per VM consumed, balloon (MCTLSZ), swapped (SWCUR),
 * compressed (ZIP) and memory stall; counters of ticks and log entries. Read from the objects'
 * status, so a scrape sees what `get` sees.
 */
import { parseQuantity } from "../api/quantity.js";
import type { Host, VirtualMachine } from "../api/types.js";
import type { EngineStore } from "../engine/engine.js";
import type { DeepReadonly } from "../store/types.js";

/** The content type of the Prometheus text format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Host memory states, from most free to least (docs/memory-model.md §5). */
export const HOST_STATES = ["high", "clear", "soft", "hard", "low"] as const;

/** Counters the server keeps outside the store. */
export interface ServerCounters {
  /** Ticks run (the engine's tick). */
  ticks: number;
  /** Simulated seconds. */
  timeSeconds: number;
  /** Log entries emitted since the server started. */
  logEntries: number;
}

/** Escapes a label value: backslash, double quote and newline. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Bytes of a quantity string, or NaN when absent or unreadable. */
function bytes(q: string | undefined): number {
  if (q === undefined) return Number.NaN;
  try {
    return Number(parseQuantity(q));
  } catch {
    return Number.NaN;
  }
}

/** One metric family: HELP, TYPE and its samples. */
class Family {
  readonly samples: string[] = [];
  constructor(
    readonly name: string,
    readonly type: "gauge" | "counter",
    readonly help: string,
  ) {}

  add(labels: Record<string, string | undefined>, value: number): void {
    if (Number.isNaN(value)) return;
    const parts = Object.entries(labels)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}="${escapeLabel(v!)}"`);
    this.samples.push(`${this.name}${parts.length ? `{${parts.join(",")}}` : ""} ${formatValue(value)}`);
  }

  render(): string {
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} ${this.type}\n${this.samples.map((s) => s + "\n").join("")}`;
  }
}

function formatValue(v: number): string {
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}

/** Renders every series for the current store contents. */
export function renderMetrics(store: EngineStore, counters: ServerCounters): string {
  const hostFree = new Family("memplane_host_free_bytes", "gauge", "Free machine memory of the host.");
  const hostMinFree = new Family("memplane_host_min_free_bytes", "gauge", "The host's minFree threshold.");
  const hostCapacity = new Family("memplane_host_capacity_bytes", "gauge", "Physical memory of the host.");
  const hostState = new Family("memplane_host_state", "gauge", "1 for the host's current memory state (high, clear, soft, hard, low), 0 for the others.");
  const hostOvercommit = new Family("memplane_host_overcommit_ratio", "gauge", "Configured memory of running VMs divided by host capacity.");
  const vmConsumed = new Family("memplane_vm_consumed_bytes", "gauge", "Machine memory consumed by the VM (esxtop CNSM).");
  const vmBalloon = new Family("memplane_vm_balloon_bytes", "gauge", "Memory reclaimed by the balloon driver (esxtop MCTLSZ).");
  const vmSwapped = new Family("memplane_vm_swapped_bytes", "gauge", "Memory swapped by the hypervisor (esxtop SWCUR).");
  const vmCompressed = new Family("memplane_vm_compressed_bytes", "gauge", "Memory held in the compression cache (esxtop ZIP).");
  const vmStall = new Family("memplane_vm_memory_stall_percent", "gauge", "Percent of time the VM waits on memory (swap-in, decompression, guest paging).");
  const ticks = new Family("memplane_ticks_total", "counter", "Simulation ticks run.");
  const simSeconds = new Family("memplane_simulated_seconds", "gauge", "Simulated seconds since the simulation began.");
  const logEntries = new Family("memplane_log_entries_total", "counter", "Reconciliation log entries emitted since the server started.");

  for (const host of store.list("Host") as readonly DeepReadonly<Host>[]) {
    const labels = { host: host.metadata.name };
    const status = host.status;
    hostCapacity.add(labels, bytes(host.spec.capacity));
    if (!status) continue;
    hostFree.add(labels, bytes(status.memory?.free));
    hostMinFree.add(labels, bytes(status.memory?.minFree));
    hostOvercommit.add(labels, typeof status.overcommit === "number" ? status.overcommit : Number.NaN);
    for (const state of HOST_STATES) hostState.add({ ...labels, state }, status.state === state ? 1 : 0);
  }
  for (const vm of store.list("VirtualMachine") as readonly DeepReadonly<VirtualMachine>[]) {
    const labels = { namespace: vm.metadata.namespace, name: vm.metadata.name, host: vm.spec.hostName };
    const memory = vm.status?.memory;
    if (!memory) continue;
    vmConsumed.add(labels, bytes(memory.consumed));
    vmBalloon.add(labels, bytes(memory.balloon));
    vmSwapped.add(labels, bytes(memory.swapped));
    vmCompressed.add(labels, bytes(memory.compressed));
    vmStall.add(labels, typeof vm.status?.memoryStallPercent === "number" ? vm.status.memoryStallPercent : Number.NaN);
  }
  ticks.add({}, counters.ticks);
  simSeconds.add({}, counters.timeSeconds);
  logEntries.add({}, counters.logEntries);
  return [hostFree, hostMinFree, hostCapacity, hostState, hostOvercommit, vmConsumed, vmBalloon, vmSwapped, vmCompressed, vmStall, ticks, simSeconds, logEntries]
    .map((f) => f.render())
    .join("");
}
