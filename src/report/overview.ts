/**
 * The report's cluster overview, computed from the summary: the worst virtual machines by
 * memory stall, hypervisor swap and balloon (the three things an admin checks first when a
 * cluster is overcommitted), and the VM table's rows as compact columns for the page's script.
 */
import type { ReportSummary, VmSummary } from "./report-summary.js";

/** How many VMs each "worst" list names. */
export const WORST_COUNT = 10;

/** One "worst VMs" list. */
export interface WorstList {
  /** What is ranked, e.g. "peak stall". */
  title: string;
  /** The unit of `value`: "%" or "pages". */
  unit: "%" | "pages";
  /** Index into the summary's VMs, and the ranked value (only VMs where it is above 0). */
  entries: { vm: number; value: number }[];
}

/** The worst `n` VMs by peak stall, peak hypervisor swap and peak balloon (ties by name). */
export function worstVms(summary: ReportSummary, n: number = WORST_COUNT): WorstList[] {
  const rank = (title: string, unit: WorstList["unit"], pick: (v: VmSummary) => number): WorstList => {
    const entries = summary.vms
      .map((v, vm) => ({ vm, value: pick(v) }))
      .filter((e) => e.value > 0)
      .sort((a, b) => b.value - a.value || a.vm - b.vm)
      .slice(0, n);
    return { title, unit, entries };
  };
  return [
    rank("peak memory stall", "%", (v) => v.peakStallPercent),
    rank("peak hypervisor swap (SWCUR)", "pages", (v) => v.peakSwapped),
    rank("peak balloon (MCTLSZ)", "pages", (v) => v.peakBalloon),
  ];
}

/** Columns of the VM table, in the page's order (memory in MiB, stall in %). */
export const VM_TABLE_COLUMNS = ["memory (MEMSZ)", "peak consumed", "peak balloon", "peak compressed", "peak swapped", "peak guest swap", "peak stall"] as const;

/** The VM table's values, one array per VM in summary order: MiB (2 decimals) and stall %. */
export function vmTableRows(summary: ReportSummary): number[][] {
  const mib = (pages: number): number => Math.round((pages / 256) * 100) / 100;
  return summary.vms.map((v) => [
    mib(v.memoryPages),
    mib(v.peakConsumed),
    mib(v.peakBalloon),
    mib(v.peakCompressed),
    mib(v.peakSwapped),
    mib(v.peakGuestSwapped),
    Math.round(v.peakStallPercent * 100) / 100,
  ]);
}
