/**
 * A synthetic metrics series the size of the README's 100 × 100 cluster, for the report's load
 * test and benchmark: made directly (no simulation), so it takes well under a second. Host free
 * memory falls and recovers so hosts walk through every state; VMs balloon, compress, swap and
 * stall in proportion to their index, so the worst lists and filters have something to find.
 * Deterministic: the same arguments give the same series.
 */
import { MetricsSeries } from "../src/metrics/metrics-series.js";

/** Size of a synthetic series. */
export interface SyntheticSize {
  hosts: number;
  vmsPerHost: number;
  samples: number;
}

/** The README's cluster, 100 hosts × 100 VMs, with as many samples as a recorded series of it keeps (MAX_VALUES / columns = 44). */
export const README_CLUSTER: SyntheticSize = { hosts: 100, vmsPerHost: 100, samples: 44 };

const GIB = 262_144; // pages

/** Builds the series (host `esx-NNN`, VMs `default/vm-NNNNN`). */
export function syntheticSeries(size: SyntheticSize = README_CLUSTER): MetricsSeries {
  const s = new MetricsSeries(1);
  const hosts = Array.from({ length: size.hosts }, (_, h) => `esx-${String(h + 1).padStart(3, "0")}`);
  const vms = Array.from({ length: size.hosts * size.vmsPerHost }, (_, v) => `default/vm-${String(v + 1).padStart(5, "0")}`);
  for (let t = 1; t <= size.samples; t++) {
    const i = s.begin(t);
    const phase = t / size.samples; // 0 … 1
    hosts.forEach((name, h) => {
      const c = s.host(name);
      const minFree = 16_000;
      // dips to a depth that differs per host, deepest mid-run
      const depth = ((h % 10) + 1) / 10;
      const free = Math.max(2_000, Math.round(8 * GIB * (1 - depth * Math.sin(Math.PI * phase))));
      c.capacity[i] = 512 * GIB;
      c.free[i] = free;
      c.minFree[i] = minFree;
      c.clear[i] = minFree;
      c.soft[i] = Math.round(minFree * 0.64);
      c.hard[i] = Math.round(minFree * 0.32);
      c.low[i] = Math.round(minFree * 0.16);
      c.state[i] = free >= 3 * minFree ? 0 : free >= minFree ? 1 : free >= minFree * 0.64 ? 2 : free >= minFree * 0.32 ? 3 : 4;
    });
    vms.forEach((key, v) => {
      const c = s.vm(key);
      const memory = (4 + (v % 4) * 4) * GIB;
      const pressure = Math.sin(Math.PI * phase) * ((v % 97) / 96);
      c.memory[i] = memory;
      c.consumed[i] = Math.round(memory * (0.5 + 0.3 * phase) * (1 - 0.3 * pressure));
      c.balloon[i] = v % 3 === 0 ? Math.round(memory * 0.25 * pressure) : 0;
      c.compressed[i] = v % 7 === 0 ? Math.round(memory * 0.05 * pressure) : 0;
      c.swapped[i] = v % 11 === 0 ? Math.round(memory * 0.04 * pressure) : 0;
      c.guestSwapped[i] = v % 13 === 0 ? Math.round(memory * 0.02 * pressure) : 0;
      c.active[i] = Math.round(memory * (0.2 + 0.1 * Math.cos(phase * 7 + v)));
      c.entitlement[i] = Math.round(memory * (0.9 - 0.3 * pressure));
      c.memoryStallPercent[i] = v % 11 === 0 ? Math.round(pressure * 4000) / 100 : 0;
    });
  }
  return s;
}
