/**
 * `memplane describe` pages, in kubectl's layout: `Key:  value` lines aligned per block,
 * nested blocks indented two spaces, tables (Conditions, Events, Virtual Machines) with a
 * dashed rule under the header, `<none>` for what is absent. Memory is human-readable with the
 * esxtop counter names in brackets (`Consumed [CNSM]:  1.73 GiB`); times are simulated.
 */
import type {
  Condition,
  GuestOSProfile,
  Host,
  MemplaneEvent,
  Scenario,
  ScenarioStep,
  VirtualMachine,
  VirtualMachineMemoryStatus,
  WorkloadPhase,
} from "../../api/types.js";
import { HOST_SPEC_DEFAULTS } from "../../api/defaults.js";
import { DEFAULT_NAMESPACE } from "../../api/types.js";
import { formatPagesHuman, isPercentString, quantityToPages } from "../../api/quantity.js";
import type { DeepReadonly } from "../../store/types.js";
import { ACTIVE_SAMPLING } from "../../hypervisor/active-memory.js";
import { autoVmkernelReservedPages } from "../../hypervisor/formulas.js";
import { paint } from "../terminal.js";
import { ageSince } from "../../printing/age.js";
import { humanQuantity } from "../../printing/columns.js";
import { EVENT_HEADERS, eventRows } from "./events.js";
import { renderTable } from "./table.js";

/** What kubectl prints for an absent value. */
const NONE = "<none>";

/** One line of a describe page before alignment. */
type DescribeLine =
  | { type: "field"; level: number; label: string; value: readonly string[] }
  | { type: "section"; level: number; label: string }
  | { type: "table"; level: number; headers: readonly string[]; rows: readonly (readonly string[])[] };

/**
 * Collects a describe page and renders it: consecutive fields at one level share a value
 * column; a multi-line value (labels) continues under its first line.
 */
export class DescribeWriter {
  private readonly lines: DescribeLine[] = [];

  /** `Label:  value` at `level` (0 = top). An array value prints one item per line; an empty one prints `<none>`. */
  field(level: number, label: string, value: string | readonly string[]): this {
    const values = typeof value === "string" ? [value] : value.length === 0 ? [NONE] : value;
    this.lines.push({ type: "field", level, label, value: values });
    return this;
  }

  /** `Label:` alone, opening a nested block. */
  section(level: number, label: string): this {
    this.lines.push({ type: "section", level, label });
    return this;
  }

  /** `Label:` followed by a table one level deeper, or `Label:  <none>` when there are no rows. */
  table(level: number, label: string, headers: readonly string[], rows: readonly (readonly string[])[]): this {
    if (rows.length === 0) return this.field(level, label, NONE);
    this.section(level, label);
    this.lines.push({ type: "table", level: level + 1, headers, rows });
    return this;
  }

  /** The page, every line ending in "\n". */
  render(): string {
    let out = "";
    let i = 0;
    while (i < this.lines.length) {
      const line = this.lines[i]!;
      const indent = "  ".repeat(line.level);
      if (line.type === "section") {
        out += `${indent}${line.label}:\n`;
        i++;
      } else if (line.type === "table") {
        const rule = line.headers.map((h) => "-".repeat(h.length));
        out += renderTable(line.headers, [rule, ...line.rows])
          .split("\n")
          .filter((l) => l !== "")
          .map((l) => indent + l + "\n")
          .join("");
        i++;
      } else {
        let end = i;
        while (end < this.lines.length) {
          const next = this.lines[end]!;
          if (next.type !== "field" || next.level !== line.level) break;
          end++;
        }
        const group = this.lines.slice(i, end) as Extract<DescribeLine, { type: "field" }>[];
        const width = Math.max(...group.map((f) => f.label.length + 1)) + 2;
        for (const f of group) {
          const head = `${indent}${f.label}:`.padEnd(indent.length + width);
          out += (head + f.value[0]).trimEnd() + "\n";
          for (const more of f.value.slice(1)) out += (" ".repeat(indent.length + width) + more).trimEnd() + "\n";
        }
        i = end;
      }
    }
    return out;
  }
}

/** What a describe page needs besides its object. */
export interface DescribeContext {
  /** Simulated seconds now. */
  nowSeconds: number;
  /** May the page be coloured? */
  color: boolean;
  /** Events about the object, oldest first. */
  events: readonly DeepReadonly<MemplaneEvent>[];
  /** For a VM: its host's memory state (`soft`…), or undefined when the host is missing or not reconciled. */
  hostState?: string;
}

/** `key=value` per line, sorted; `<none>` when empty. */
function keyValues(map: Readonly<Record<string, string>> | undefined): string[] {
  return Object.keys(map ?? {})
    .sort()
    .map((k) => `${k}=${map![k]}`);
}

/** `0s (3m20s ago)`: a simulated timestamp with its age. */
function created(timestamp: string | undefined, nowSeconds: number): string {
  if (timestamp === undefined) return NONE;
  return `${timestamp} (${ageSince(timestamp, nowSeconds)} ago)`;
}

/** Object metadata as describe reads it. */
type Meta = DeepReadonly<{ name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; creationTimestamp?: string }>;

/** Header fields every object has; `unstamped` is shown as Created when there is no creationTimestamp. */
function writeMetadata(w: DescribeWriter, meta: Meta, namespaced: boolean, nowSeconds: number, unstamped = NONE): void {
  w.field(0, "Name", meta.name);
  if (namespaced) w.field(0, "Namespace", meta.namespace ?? DEFAULT_NAMESPACE);
  w.field(0, "Labels", keyValues(meta.labels));
  w.field(0, "Annotations", keyValues(meta.annotations));
  w.field(0, "Created", meta.creationTimestamp === undefined ? unstamped : created(meta.creationTimestamp, nowSeconds));
}

/** A quantity per second for people: `64.0 MiB/s`, `0 B/s`. */
function perSecond(q: string | undefined): string {
  return q === undefined ? NONE : `${humanQuantity(q)}/s`;
}

/** A quantity or a percentage of something: `2.00 GiB`, `25% of memory`. */
function quantityOrPercent(value: string, of: string): string {
  return isPercentString(value) ? `${value} of ${of}` : humanQuantity(value);
}

/** The Conditions table rows. */
function conditionRows(conditions: readonly DeepReadonly<Condition>[] | undefined, nowSeconds: number, color: boolean): string[][] {
  return (conditions ?? []).map((c) => [
    c.type,
    c.status === "True" ? paint(c.status, "bold", color) : c.status,
    c.reason,
    created(c.lastTransitionTime, nowSeconds),
    c.message,
  ]);
}

/** The Conditions table. */
function writeConditions(w: DescribeWriter, conditions: readonly DeepReadonly<Condition>[] | undefined, ctx: DescribeContext): void {
  w.table(0, "Conditions", ["Type", "Status", "Reason", "Last Transition", "Message"], conditionRows(conditions, ctx.nowSeconds, ctx.color));
}

/** The Events table, the last block of every page. */
function writeEvents(w: DescribeWriter, ctx: DescribeContext): void {
  const rows = eventRows(ctx.events, ctx.nowSeconds).map((r) =>
    r[0] === "Warning" ? [paint(r[0], "yellow", ctx.color), ...r.slice(1)] : r,
  );
  w.table(0, "Events", EVENT_HEADERS, rows);
}

/** `after 60s: allocated 4Gi, active 80%, over 120s`. */
function describePhase(p: DeepReadonly<WorkloadPhase>): string {
  const parts: string[] = [];
  if (p.allocated !== undefined) parts.push(`allocated ${quantityOrPercent(String(p.allocated), "memory")}`);
  if (p.active !== undefined) parts.push(`active ${p.active}%`);
  if (p.rampSeconds !== undefined) parts.push(`ramped over ${p.rampSeconds}s`);
  return `after ${p.after}: ${parts.join(", ") || "no change"}`;
}

/** A guest OS name with its minimum memory: `rhel7 (minimum 512.0 MiB)`. */
function guestOSLine(name: string, profile: DeepReadonly<GuestOSProfile> | undefined): string {
  return profile ? `${name} (minimum ${humanQuantity(profile.spec.minimumMemory)})` : `${name} (profile not found)`;
}

/** The esxtop-named memory counters of a VM, in esxtop's order. */
const VM_MEMORY_FIELDS: readonly (readonly [label: string, key: keyof VirtualMachineMemoryStatus])[] = [
  ["Configured [MEMSZ]", "configured"],
  ["Granted [GRANT]", "granted"],
  ["Consumed [CNSM]", "consumed"],
  ["Entitlement [SZTGT]", "entitlement"],
  ["Active [ACTV]", "active"],
  ["Overhead [OVHD]", "overhead"],
  ["Balloon [MCTLSZ]", "balloon"],
  ["Balloon Target [MCTLTGT]", "balloonTarget"],
  ["Balloon Max [MCTLMAX]", "balloonMax"],
  ["Swapped [SWCUR]", "swapped"],
  ["Swap Target [SWTGT]", "swapTarget"],
  ["Compressed [ZIP]", "compressed"],
  ["Shared [SHRD]", "shared"],
  ["Guest Used", "guestUsed"],
  ["Guest Free", "guestFree"],
  ["Guest Untouched", "guestUntouched"],
  ["Guest Swapped", "guestSwapped"],
];

/** Describes a VirtualMachine; `guestOS` is its profile (applied or built-in) when found. */
export function describeVirtualMachine(
  vm: DeepReadonly<VirtualMachine>,
  guestOS: DeepReadonly<GuestOSProfile> | undefined,
  ctx: DescribeContext,
): string {
  const w = new DescribeWriter();
  writeMetadata(w, vm.metadata, true, ctx.nowSeconds);
  w.field(0, "Host", ctx.hostState === undefined ? vm.spec.hostName : `${vm.spec.hostName} (${ctx.hostState})`);
  w.field(0, "Power State", vm.spec.powerState);
  w.field(0, "Phase", vm.status?.phase ?? NONE);

  const s = vm.spec;
  w.section(0, "Spec");
  w.field(1, "Memory", humanQuantity(s.memory));
  w.field(1, "vCPUs", String(s.vcpus));
  w.field(1, "Reservation", humanQuantity(s.reservation));
  w.field(1, "Limit", s.limit === undefined ? "unlimited" : humanQuantity(s.limit));
  w.field(1, "Shares", String(s.shares));
  w.field(1, "Guest OS", guestOSLine(s.guestOS, guestOS));
  w.field(
    1,
    "Tools",
    s.tools.installed ? `installed (balloon driver ${s.tools.balloonDriver})` : "not installed (no balloon driver)",
  );
  w.field(1, "Max Balloon", s.maxBalloon === undefined ? "host default" : humanQuantity(s.maxBalloon));
  w.field(1, "Guest Swap", s.guestSwap === undefined ? `${humanQuantity(s.memory)} (= memory)` : humanQuantity(s.guestSwap));
  w.field(1, "Overhead", s.overhead === undefined ? "computed" : humanQuantity(s.overhead));
  w.section(1, "Workload");
  w.field(2, "Allocated", quantityOrPercent(String(s.workload.allocated), "memory"));
  w.field(2, "Active", `${s.workload.active}% of allocated`);
  w.field(2, "Compressibility", `${s.workload.compressibility}%`);
  w.field(2, "Zero Pages", `${s.workload.zeroPages}%`);
  w.field(2, "Common Pages", `${s.workload.commonPages}%`);
  w.field(
    2,
    "Touch All On Boot",
    s.workload.touchAllOnBoot === undefined
      ? `${guestOS?.spec.touchAllOnBoot ?? false} (from guest OS)`
      : String(s.workload.touchAllOnBoot),
  );
  w.field(2, "Phases", s.workload.phases.map(describePhase));

  const st = vm.status;
  if (st) {
    w.section(0, "Memory");
    for (const [label, key] of VM_MEMORY_FIELDS) w.field(1, label, humanQuantity(st.memory[key]));
    w.section(0, "Rates");
    w.field(1, "Swap In", perSecond(st.rates.swapIn));
    w.field(1, "Swap Out", perSecond(st.rates.swapOut));
    w.field(1, "Decompress", perSecond(st.rates.decompress));
    w.field(1, "Guest Page In", perSecond(st.rates.guestPageIn));
    w.field(1, "Guest Page Out", perSecond(st.rates.guestPageOut));
    w.field(0, "Memory Stall", `${st.memoryStallPercent.toFixed(2)}%`);
    w.field(0, "Observed Generation", `${st.observedGeneration} (spec generation ${vm.metadata.generation ?? NONE})`);
  } else {
    w.field(0, "Memory", "<not reconciled yet>");
  }
  writeConditions(w, st?.conditions, ctx);
  writeEvents(w, ctx);
  return w.render();
}

/** `409.6 MiB` for `pct`% of minFree, or just the percentage when minFree is not known yet. */
function threshold(pct: number, minFreePages: number | undefined): string {
  if (minFreePages === undefined) return `${pct}%`;
  const pages = Math.floor((minFreePages * pct) / 100);
  return `${pct}% (${humanQuantity(String(pages * 4096))})`;
}

/** Pages of a quantity, or undefined when absent/unparsable. */
/** What `vmkernelReserved: auto` comes to on a host of this capacity, in human units. */
function autoVmkernelReserved(capacity: string): string {
  const pages = pagesOf(capacity);
  return pages === undefined ? "?" : formatPagesHuman(autoVmkernelReservedPages(pages));
}

function pagesOf(q: string | undefined): number | undefined {
  if (q === undefined) return undefined;
  try {
    return quantityToPages(q);
  } catch {
    return undefined;
  }
}

/** Describes a Host and lists the VMs placed on it. */
export function describeHost(host: DeepReadonly<Host>, vms: readonly DeepReadonly<VirtualMachine>[], ctx: DescribeContext): string {
  const w = new DescribeWriter();
  writeMetadata(w, host.metadata, false, ctx.nowSeconds);
  w.field(0, "Policy", host.spec.policy);
  const st = host.status;
  w.field(0, "State", st ? paint(st.state, "bold", ctx.color) : NONE);

  const s = host.spec;
  const minFreePages = pagesOf(st?.memory.minFree);
  w.section(0, "Spec");
  w.field(1, "Capacity", humanQuantity(s.capacity));
  w.field(1, "VMkernel Reserved", s.vmkernelReserved === "auto" ? `auto (${autoVmkernelReserved(s.capacity)})` : humanQuantity(s.vmkernelReserved));
  w.field(1, "Min Free", s.minFree === "auto" ? `auto${st ? ` (${humanQuantity(st.memory.minFree)})` : ""}` : humanQuantity(s.minFree));
  w.field(1, "Idle Tax", `${s.idleTax}%`);
  const b = s.ballooning;
  w.field(
    1,
    "Ballooning",
    b.enabled
      ? `enabled, max ${b.maxPercent}% of VM memory, app slack ${b.appBalloonMaxSlack}${b.guestFloor === "off" ? ", guest-OS floor off" : ""}, inflate ${b.inflateRate}/s, deflate ${b.deflateRate}/s`
      : "disabled",
  );
  w.field(1, "Compression", s.compression.enabled ? `enabled, cache up to ${s.compression.maxPercent}% of VM memory` : "disabled");
  w.field(
    1,
    "Swap",
    `capacity ${s.swap.capacity === "unlimited" ? "unlimited" : humanQuantity(s.swap.capacity)}, write ${s.swap.writeRate}/s, read ${s.swap.readRate}/s, swap-in latency ${s.swap.swapInLatency}`,
  );
  const ps = s.pageSharing;
  w.field(
    1,
    "Page Sharing",
    ps.enabled
      ? `enabled, salting ${ps.salting ? "on" : "off"}, large pages ${ps.largePages ? "on" : "off"}, full scan every ${ps.scanMinutes}m`
      : "disabled",
  );
  const am = s.activeMemory ?? HOST_SPEC_DEFAULTS.activeMemory; // stored before the field existed
  w.field(1, "Active Memory", am.sampling ? `sampled, ${am.samplePages} pages per VM every ${ACTIVE_SAMPLING.samplePeriod}s` : "exact (the working set)");
  w.section(1, "Memory States (% of minFree)");
  w.field(2, "clear", threshold(s.memoryStates.clear, minFreePages));
  w.field(2, "soft", threshold(s.memoryStates.soft, minFreePages));
  w.field(2, "hard", threshold(s.memoryStates.hard, minFreePages));
  w.field(2, "low", threshold(s.memoryStates.low, minFreePages));
  w.field(2, "large page break", threshold(s.memoryStates.largePageBreak, minFreePages));
  w.field(2, "hysteresis", `${s.memoryStates.hysteresis}%`);
  w.field(2, "hold", `${s.memoryStates.holdSeconds}s`);

  if (st) {
    w.section(0, "Memory");
    const m = st.memory;
    w.field(1, "Capacity [PMEM]", humanQuantity(m.capacity));
    w.field(1, "Min Free [minfree]", humanQuantity(m.minFree));
    w.field(1, "Free", humanQuantity(m.free));
    w.field(1, "Consumed", humanQuantity(m.consumed));
    w.field(1, "Overhead", humanQuantity(m.overhead));
    w.field(1, "Reserved [rsvd]", humanQuantity(m.reserved));
    w.field(1, "Unreserved [ursvd]", humanQuantity(m.unreserved));
    w.field(1, "Ballooned [MEMCTL]", humanQuantity(m.ballooned));
    w.field(1, "Compressed [ZIP]", humanQuantity(m.compressed));
    w.field(1, "Swapped [SWAP]", humanQuantity(m.swapped));
    w.field(1, "Shared Savings [PSHARE]", humanQuantity(m.sharedSavings));
    w.field(0, "Overcommit", `${st.overcommit.toFixed(2)}x`);
    w.field(0, "VMs", `${st.vms.running} running, ${st.vms.pending} pending`);
  } else {
    w.field(0, "Memory", "<not reconciled yet>");
  }
  writeConditions(w, st?.conditions, ctx);
  w.table(
    0,
    "Virtual Machines",
    ["Namespace", "Name", "Phase", "Memory", "Consumed", "Balloon", "Swapped"],
    vms.map((vm) => [
      vm.metadata.namespace ?? DEFAULT_NAMESPACE,
      vm.metadata.name,
      vm.status?.phase ?? NONE,
      humanQuantity(vm.spec.memory),
      humanQuantity(vm.status?.memory.consumed),
      humanQuantity(vm.status?.memory.balloon),
      humanQuantity(vm.status?.memory.swapped),
    ]),
  );
  writeEvents(w, ctx);
  return w.render();
}

/** Describes a GuestOSProfile (applied or built-in) and the VMs that use it. */
export function describeGuestOSProfile(
  profile: DeepReadonly<GuestOSProfile>,
  users: readonly DeepReadonly<VirtualMachine>[],
  ctx: DescribeContext,
): string {
  const w = new DescribeWriter();
  writeMetadata(w, profile.metadata, false, ctx.nowSeconds, "built-in");
  w.field(0, "Minimum Memory", humanQuantity(profile.spec.minimumMemory));
  w.field(0, "Touch All On Boot", String(profile.spec.touchAllOnBoot));
  w.field(0, "Description", profile.spec.description ?? NONE);
  w.table(
    0,
    "Used By",
    ["Namespace", "Name", "Host", "Memory"],
    users.map((vm) => [vm.metadata.namespace ?? DEFAULT_NAMESPACE, vm.metadata.name, vm.spec.hostName, humanQuantity(vm.spec.memory)]),
  );
  writeEvents(w, ctx);
  return w.render();
}

/** Describes one Scenario: its steps in order and what each did. */
export function describeScenario(scenario: DeepReadonly<Scenario>, nowSeconds: number): string {
  const w = new DescribeWriter();
  writeMetadata(w, scenario.metadata, false, nowSeconds);
  w.field(0, "Started", scenario.status?.startedAt ?? "<pending>");
  w.field(0, "Steps Done", `${scenario.status?.stepsDone ?? 0} of ${scenario.spec.steps.length}`);
  const retry = scenario.status?.retry;
  if (retry !== undefined) w.field(0, "Cannot Run", `${retry.message} (failure ${retry.failures}; next try at tick ${retry.nextTick})`);
  const what = (s: DeepReadonly<ScenarioStep>): string =>
    s.apply ? `apply ${s.apply.kind.toLowerCase()}/${s.apply.metadata.name}` : s.delete ? `delete ${s.delete.kind.toLowerCase()}/${s.delete.name}` : s.patch ? `patch ${s.patch.kind.toLowerCase()}/${s.patch.name}` : "?";
  w.table(0, "Steps", ["#", "After", "Change"], scenario.spec.steps.map((s, i) => [String(i + 1), s.after, what(s)]));
  w.table(0, "History", ["#", "Time", "Result", "Message"], (scenario.status?.history ?? []).map((h) => [String(h.step + 1), h.time, h.result, h.message]));
  return w.render();
}

/** Describes one Event. */
export function describeEvent(event: DeepReadonly<MemplaneEvent>, nowSeconds: number): string {
  const w = new DescribeWriter();
  w.field(0, "Name", event.metadata.name);
  w.field(0, "Namespace", event.metadata.namespace ?? DEFAULT_NAMESPACE);
  const about = event.involvedObject;
  w.field(0, "Involved Object", `${about.kind.toLowerCase()}/${about.namespace ? `${about.namespace}/` : ""}${about.name}`);
  w.field(0, "Type", event.type);
  w.field(0, "Reason", event.reason);
  w.field(0, "Message", event.message);
  w.field(0, "Source", event.source.component);
  w.field(0, "Count", String(event.count));
  w.field(0, "First Seen", created(event.firstTimestamp, nowSeconds));
  w.field(0, "Last Seen", `${created(event.lastTimestamp, nowSeconds)}, tick ${event.tick}`);
  return w.render();
}
