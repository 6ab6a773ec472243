/**
 * The side-by-side tables of a comparison, for people: one block for hosts (time in each memory
 * state, lowest free memory) and one for VMs (peak/final balloon, swap, compression, shared pages, guest swap,
 * mean and p95 stall), one row per object and variant.
 */
import { formatSimTime } from "../api/duration.js";
import { approx } from "../hypervisor/format.js";
import type { CompareReport } from "./compare.js";
import { HOST_STATES, type PeakFinal } from "./outcomes.js";

/** A table as headers and rows of cells. */
export interface TextTable {
  headers: string[];
  rows: string[][];
}

const pf = (x: PeakFinal): string => `${approx(x.peak)}/${approx(x.final)}`;

/** Host rows: HOST, VARIANT, POLICY, one column per state (simulated time), LOWEST FREE (the lowest free memory seen; not ESXi's minFree). */
export function hostTable(report: CompareReport): TextTable {
  const headers = ["HOST", "VARIANT", "POLICY", ...HOST_STATES.map((s) => s.toUpperCase()), "LOWEST FREE"];
  const rows: string[][] = [];
  for (const h of report.hosts) {
    for (const v of report.variants) {
      const o = h.outcomes[v];
      if (!o) rows.push([h.name, v, "-", ...HOST_STATES.map(() => "-"), "-"]);
      else rows.push([h.name, v, o.policy, ...HOST_STATES.map((s) => (o.secondsInState[s] > 0 ? formatSimTime(o.secondsInState[s]) : "0")), approx(o.minFree)]);
    }
  }
  return { headers, rows };
}

/** VM rows: NAMESPACE/NAME, VARIANT, then PEAK/FINAL pairs and stall figures. */
export function vmTable(report: CompareReport): TextTable {
  const headers = ["VM", "VARIANT", "BALLOON PK/FIN", "SWAPPED PK/FIN", "ZIP PK/FIN", "SHARED PK/FIN", "GUEST SWAP PK/FIN", "STALL MEAN%", "STALL P95%"];
  const rows: string[][] = [];
  for (const vm of report.vms) {
    const name = vm.namespace === "default" ? vm.name : `${vm.namespace}/${vm.name}`;
    for (const v of report.variants) {
      const o = vm.outcomes[v];
      if (!o) rows.push([name, v, "not running", "-", "-", "-", "-", "-", "-"]);
      else rows.push([name, v, pf(o.balloon), pf(o.swapped), pf(o.compressed), pf(o.shared), pf(o.guestSwapped), o.meanStallPercent.toFixed(2), o.p95StallPercent.toFixed(2)]);
    }
  }
  return { headers, rows };
}
