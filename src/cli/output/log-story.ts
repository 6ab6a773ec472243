/**
 * The text log as a story (docs/cli.md, *run*). `run` and `step` print every log entry that is
 * not a target change, but coalesce each object's runs of target changes (`EntitlementChanged`,
 * `BalloonTargetChanged`, `SwapTargetChanged`): the first change of a run is printed when it is
 * significant, the rest are held, and when the target has not moved for {@link SETTLE_SECONDS}
 * (or the output ends) one `settled` line sums the run up — if it ended somewhere significant.
 * Entries of one tick that differ only in the VM's name share a line (`vm/default/batch-1,batch-2`).
 * With a model to look at, it also notes what the log has no entry for because no controller
 * decided it: a guest freeing memory that its host keeps backed (`GuestFreed`).
 * The JSON log is never coalesced; `-v` prints every entry.
 */
import { formatSimTime } from "../../api/duration.js";
import { quantityToPages } from "../../api/quantity.js";
import type { LogEntry } from "../../engine/log-entry.js";
import { approx } from "../../hypervisor/format.js";
import { freeOf, type VmRecord } from "../../hypervisor/ledger.js";
import type { MemoryModelReader } from "../../hypervisor/model-api.js";

/** The actions whose runs the text log coalesces. */
export const TARGET_ACTIONS: ReadonlySet<string> = new Set(["EntitlementChanged", "BalloonTargetChanged", "SwapTargetChanged"]);

/** Simulated seconds a target must stay put before its run is summed up. */
export const SETTLE_SECONDS = 30;

/** A target is significant when it moves at least this share away from what the text last showed (or to or from zero). */
export const SIGNIFICANT_SHARE = 0.1;

/** A guest freeing at least this share of its memory in one tick is noted (`GuestFreed`). */
export const GUEST_FREED_SHARE = 0.1;

/** One object's run of changes to one target. */
interface TargetRun {
  first: LogEntry;
  last: LogEntry;
  changes: number;
  /** Changes not printed yet. */
  held: number;
  lastSeconds: number;
  /** The VM's guest-free pages when the run began (for a balloon's summary), when a model is known. */
  startFree?: number;
}

/**
 * Coalesces a stream of log entries for the text output. Feed it each entry with {@link entry},
 * call {@link endTick} after every tick and {@link finish} when the output ends; the last two
 * return the lines to print, in order, as entries (summaries and notes are made for the text only).
 */
export class LogStory {
  private readonly runs = new Map<string, TargetRun>();
  /** The target each object's text last showed. */
  private readonly shown = new Map<string, string | undefined>();
  private readonly lastFree = new Map<string, number>();
  private pending: LogEntry[] = [];

  /** `model`, when given, lets balloon summaries say where the pages came from and lets the story note freed guest memory. */
  constructor(private readonly model?: MemoryModelReader) {}

  /** Takes one log entry of the current tick. */
  entry(entry: LogEntry, seconds: number): void {
    if (!TARGET_ACTIONS.has(entry.action)) {
      this.pending.push(entry);
      return;
    }
    const key = runKey(entry);
    const run = this.runs.get(key);
    if (run !== undefined) {
      run.last = entry;
      run.changes++;
      run.held++;
      run.lastSeconds = seconds;
      return;
    }
    const vm = this.vmOf(entry);
    const show = !this.shown.has(key) || significant(this.shown.get(key), entry.to);
    this.runs.set(key, { first: entry, last: entry, changes: 1, held: show ? 0 : 1, lastSeconds: seconds, startFree: vm === undefined ? undefined : freeOf(vm) });
    if (show) {
      this.shown.set(key, entry.to);
      this.pending.push(entry);
    }
  }

  /** After a tick: its entries, notes on guests that freed memory, then summaries of the runs that have settled. */
  endTick(tick: number, seconds: number): LogEntry[] {
    const out = this.pending;
    this.pending = [];
    out.push(...this.guestNotes(tick, seconds));
    for (const [key, run] of this.runs) {
      if (seconds - run.lastSeconds < SETTLE_SECONDS) continue;
      this.runs.delete(key);
      const summary = this.summary(key, run, tick, seconds, true);
      if (summary !== undefined) out.push(summary);
    }
    return mergeTwins(out);
  }

  /** At the end of the output: what is still pending, and a summary of every run still open. */
  finish(tick: number, seconds: number): LogEntry[] {
    const out = this.pending;
    this.pending = [];
    for (const [key, run] of this.runs) {
      const summary = this.summary(key, run, tick, seconds, false);
      if (summary !== undefined) out.push(summary);
    }
    this.runs.clear();
    return mergeTwins(out);
  }

  private summary(key: string, run: TargetRun, tick: number, seconds: number, settled: boolean): LogEntry | undefined {
    const { first, last } = run;
    if (run.held === 0 || !significant(this.shown.get(key), last.to)) return undefined;
    this.shown.set(key, last.to);
    const changes = `${run.changes} change${run.changes === 1 ? "" : "s"} since ${first.time}`;
    let message = settled ? `settled at ${last.time} after ${changes}` : `still changing: ${changes}, last at ${last.time}`;
    const vm = this.vmOf(last);
    if (vm !== undefined && last.action === "BalloonTargetChanged" && run.startFree !== undefined) {
      message += `; balloon ${approx(vm.balloon)}, guest-free ${approx(run.startFree)} → ${approx(freeOf(vm))}, guest swap ${approx(vm.guestSwapped)}`;
    }
    return { ...last, tick, time: formatSimTime(seconds), from: first.from, to: last.to, message };
  }

  /** `GuestFreed` notes: running guests whose guest-free memory grew by ≥ {@link GUEST_FREED_SHARE} of their memory this tick. */
  private guestNotes(tick: number, seconds: number): LogEntry[] {
    if (this.model === undefined) return [];
    const out: LogEntry[] = [];
    for (const vm of this.model.allVms()) {
      const free = freeOf(vm);
      const before = this.lastFree.get(vm.key);
      this.lastFree.set(vm.key, free);
      if (before === undefined || vm.phase !== "Running" || free - before < GUEST_FREED_SHARE * vm.memory) continue;
      out.push({
        tick,
        time: formatSimTime(seconds),
        controller: "workload",
        kind: "VirtualMachine",
        namespace: vm.namespace,
        name: vm.name,
        host: vm.hostName,
        action: "GuestFreed",
        from: approx(before),
        to: approx(free),
        message: `the guest freed ${approx(free - before)}; ${vm.hostName} keeps it backed (consumed ${approx(this.model.consumed(vm))}, guest-free ${approx(free)})`,
        reason: "WorkloadShrank",
      });
    }
    return out;
  }

  private vmOf(entry: LogEntry): VmRecord | undefined {
    if (this.model === undefined || entry.kind !== "VirtualMachine" || entry.namespace === undefined) return undefined;
    return this.model.vm(entry.namespace, entry.name);
  }
}

/** One run per object and target. */
const runKey = (e: LogEntry): string => `${e.kind}/${e.namespace ?? ""}/${e.name}/${e.action}`;

/** Pages of a logged quantity, or undefined when it is not one. */
function pagesOf(value: string | undefined): number | undefined {
  if (value === undefined) return 0;
  try {
    return quantityToPages(value);
  } catch {
    return undefined;
  }
}

/** Whether `to` is worth a line after the text last showed `shown`: to or from zero, or ≥ {@link SIGNIFICANT_SHARE} away. */
export function significant(shown: string | undefined, to: string | undefined): boolean {
  const a = pagesOf(shown);
  const b = pagesOf(to);
  if (a === undefined || b === undefined) return shown !== to;
  if (a === b) return false;
  if (a === 0 || b === 0) return true;
  return Math.abs(b - a) >= SIGNIFICANT_SHARE * Math.max(a, b);
}

/**
 * Lines of one tick that say the same thing of several VMs become one line naming them all
 * (`vm/default/batch-1,batch-2`), at the first one's place.
 */
export function mergeTwins(entries: readonly LogEntry[]): LogEntry[] {
  const groups = new Map<string, LogEntry[]>();
  const order: LogEntry[][] = [];
  for (const e of entries) {
    const sig = [e.tick, e.host, e.controller, e.kind, e.namespace, e.action, e.from, e.to, e.reason, e.message.split(e.name).join("\u0000")].join("\u0001");
    const group = groups.get(sig);
    if (group !== undefined && e.kind === "VirtualMachine") group.push(e);
    else {
      const fresh = [e];
      groups.set(sig, fresh);
      order.push(fresh);
    }
  }
  return order.map((group) => (group.length === 1 ? group[0]! : { ...group[0]!, name: group.map((e) => e.name).join(",") }));
}
