/**
 * Example (a) — a larger simulation that owns the clock.
 *
 * An embedder (say, a datacenter simulator) drives memplane tick by tick: it adds a VM every
 * `addEverySeconds` (round-robin over the hosts, each wanting 60 % of its memory), and after
 * every tick reads Host and VirtualMachine status from the store to track overcommit, host
 * states and how much memory the hypervisor is reclaiming. Nothing here reads the wall clock:
 * the simulation advances only when `engine.step()` is called.
 *
 * Run it: `npm run build && node dist/examples/growing-cluster.js`
 * (in your own project, import from "memplane" instead of "../src/index.js").
 */
import "reflect-metadata";
import { pathToFileURL } from "node:url";
import { createEngine, quantityToPages, type HostMemoryState } from "memplane";

/** Sizes of the run. */
export interface GrowingClusterOptions {
  hosts?: number;
  hostCapacity?: string;
  vmMemory?: string;
  /** A new VM arrives every this many simulated seconds. */
  addEverySeconds?: number;
  ticks?: number;
  seed?: number;
}

/** What the embedder learned from reading status every tick. */
export interface GrowingClusterSummary {
  vmsAdded: number;
  vmsRunning: number;
  /** Highest Σ configured memory ÷ capacity seen on any host. */
  peakOvercommit: number;
  /** Host-ticks spent in each memory state. */
  hostTicksInState: Record<HostMemoryState, number>;
  /** Largest total balloon across the cluster (MiB). */
  peakBalloonMiB: number;
  /** Largest total hypervisor swap across the cluster (MiB). */
  peakSwappedMiB: number;
}

/** Runs the growing cluster; `print` gets one progress line per simulated minute. */
export function main(options: GrowingClusterOptions = {}, print: (line: string) => void = () => {}): GrowingClusterSummary {
  const { hosts = 4, hostCapacity = "32Gi", vmMemory = "8Gi", addEverySeconds = 20, ticks = 1800, seed = 7 } = options;
  const engine = createEngine({ seed });
  engine.apply(
    Array.from({ length: hosts }, (_, i) => ({
      apiVersion: "memplane.io/v1alpha1",
      kind: "Host",
      metadata: { name: `esx-${String(i + 1).padStart(2, "0")}` },
      spec: { capacity: hostCapacity },
    })),
  );
  const summary: GrowingClusterSummary = {
    vmsAdded: 0,
    vmsRunning: 0,
    peakOvercommit: 0,
    hostTicksInState: { high: 0, clear: 0, soft: 0, hard: 0, low: 0 },
    peakBalloonMiB: 0,
    peakSwappedMiB: 0,
  };
  for (let tick = 1; tick <= ticks; tick++) {
    // the embedder owns the clock: decide what happens before this tick, then step once
    if ((tick - 1) % Math.max(1, addEverySeconds) === 0) {
      const n = summary.vmsAdded++;
      engine.apply({
        apiVersion: "memplane.io/v1alpha1",
        kind: "VirtualMachine",
        metadata: { name: `app-${n + 1}`, labels: { wave: String(Math.floor(n / hosts)) } },
        spec: {
          hostName: `esx-${String((n % hosts) + 1).padStart(2, "0")}`,
          memory: vmMemory,
          workload: { allocated: "20%", active: 40, phases: [{ after: "60s", allocated: "60%", rampSeconds: 120 }] },
        },
      });
    }
    engine.step(1);
    // read status every tick
    let balloon = 0;
    let swapped = 0;
    let running = 0;
    for (const vm of engine.store.list("VirtualMachine")) {
      if (vm.status?.phase !== "Running") continue;
      running++;
      balloon += quantityToPages(vm.status.memory.balloon);
      swapped += quantityToPages(vm.status.memory.swapped);
    }
    for (const host of engine.store.list("Host")) {
      if (!host.status) continue;
      summary.hostTicksInState[host.status.state]++;
      summary.peakOvercommit = Math.max(summary.peakOvercommit, host.status.overcommit);
    }
    summary.vmsRunning = running;
    summary.peakBalloonMiB = Math.max(summary.peakBalloonMiB, Math.round(balloon / 256));
    summary.peakSwappedMiB = Math.max(summary.peakSwappedMiB, Math.round(swapped / 256));
    if (engine.timeSeconds % 60 === 0) {
      const states = engine.store.list("Host").map((h) => `${h.metadata.name}:${h.status?.state ?? "?"}`).join(" ");
      print(`${engine.timeSeconds}s  vms=${running}/${summary.vmsAdded}  ballooned=${Math.round(balloon / 256)}Mi  swapped=${Math.round(swapped / 256)}Mi  ${states}`);
    }
  }
  return summary;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(main({}, (line) => console.log(line)), null, 2));
}
