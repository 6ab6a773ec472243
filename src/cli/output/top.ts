/**
 * The `memplane top` screen, after esxtop's memory panel (`m`): per host a few header lines
 * (PMEM, VMKMEM thresholds, reclamation totals) in whole MB, then one row per running VM with
 * esxtop's counters in MB with two decimals, right-aligned: MEMSZ GRANT CNSM SZTGT ACTV MCTLSZ
 * MCTLTGT MCTLMAX SWCUR SWTGT ZIP SHRD, plus STALL%. (esxtop's "MB" are MiB.)
 */
import type { Host, HostMemoryState, VirtualMachine, VirtualMachineMemoryStatus } from "../../api/types.js";
import { DEFAULT_NAMESPACE } from "../../api/types.js";
import { quantityToPages } from "../../api/quantity.js";
import type { DeepReadonly } from "../../store/types.js";
import { paint } from "../terminal.js";
import { HOST_STATE_COLORS } from "../../printing/state-colors.js";
import { visibleWidth } from "./table.js";

/** The numeric columns of a VM row, in esxtop's order, with the status field each shows. */
export const TOP_MEMORY_COLUMNS: readonly (readonly [column: string, field: keyof VirtualMachineMemoryStatus])[] = [
  ["MEMSZ", "configured"],
  ["GRANT", "granted"],
  ["CNSM", "consumed"],
  ["SZTGT", "entitlement"],
  ["ACTV", "active"],
  ["MCTLSZ", "balloon"],
  ["MCTLTGT", "balloonTarget"],
  ["MCTLMAX", "balloonMax"],
  ["SWCUR", "swapped"],
  ["SWTGT", "swapTarget"],
  ["ZIP", "compressed"],
  ["SHRD", "shared"],
];

/** Every column `--sort` accepts. */
export const TOP_SORT_COLUMNS: readonly string[] = ["NAME", ...TOP_MEMORY_COLUMNS.map(([c]) => c), "STALL%"];

/** The default sort: biggest balloon first, then by name. */
export const DEFAULT_TOP_SORT = "MCTLSZ";

/** What the screen shows besides the objects. */
export interface TopScreenOptions {
  /** Column to sort VMs by (one of {@link TOP_SORT_COLUMNS}); numbers descending, NAME ascending. */
  sort: string;
  /** May the screen be coloured? */
  color: boolean;
  /** The first line: where and when (`memplane top — tick 200 (3m20s) — ./.memplane`). */
  title: string;
  /** An optional last line (key help on a terminal). */
  footer?: string;
}

/** One VM row before formatting: its name and the numbers it shows. */
interface VmRow {
  name: string;
  /** MiB per memory column, then STALL%. */
  values: Map<string, number>;
}

/** MiB in a quantity (0 when absent or unparsable). */
function mib(q: string | undefined): number {
  if (q === undefined) return 0;
  try {
    return (quantityToPages(q) * 4096) / 2 ** 20;
  } catch {
    return 0;
  }
}

/** Whole MiB, as esxtop's header lines print them. */
function wholeMiB(q: string | undefined): string {
  return String(Math.round(mib(q)));
}

/** The row data of a VM; named `ns/name` outside the default namespace. */
function vmRow(vm: DeepReadonly<VirtualMachine>): VmRow {
  const ns = vm.metadata.namespace ?? DEFAULT_NAMESPACE;
  const values = new Map<string, number>();
  for (const [column, field] of TOP_MEMORY_COLUMNS) values.set(column, mib(vm.status?.memory[field]));
  values.set("STALL%", vm.status?.memoryStallPercent ?? 0);
  return { name: ns === DEFAULT_NAMESPACE ? vm.metadata.name : `${ns}/${vm.metadata.name}`, values };
}

/** A VM's value in a counter column of {@link TOP_SORT_COLUMNS} (MiB, or STALL%); `get --sort-by` sorts by the same numbers. */
export function topColumnValue(vm: DeepReadonly<VirtualMachine>, column: string): number {
  if (column === "STALL%") return vm.status?.memoryStallPercent ?? 0;
  const field = TOP_MEMORY_COLUMNS.find(([c]) => c === column)?.[1];
  return field === undefined ? 0 : mib(vm.status?.memory[field]);
}

/** Sorts rows by `column` (numbers descending, NAME ascending), ties by name. */
export function sortRows<T extends { name: string; values: ReadonlyMap<string, number> }>(rows: readonly T[], column: string): T[] {
  const byName = (a: T, b: T): number => a.name.localeCompare(b.name);
  if (column === "NAME") return [...rows].sort(byName);
  return [...rows].sort((a, b) => (b.values.get(column) ?? 0) - (a.values.get(column) ?? 0) || byName(a, b));
}

/** Right-aligns `cells` under `headers` (the first column left-aligned), one space apart like esxtop. */
function alignedRows(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((h, i) => Math.max(visibleWidth(h), ...rows.map((r) => visibleWidth(r[i] ?? ""))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => {
        const pad = " ".repeat(widths[i]! - visibleWidth(cell));
        return i === 0 ? cell + pad : pad + cell;
      })
      .join(" ")
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** A header line label: `PMEM  /MB:` (esxtop's fixed-width labels). */
function label(name: string): string {
  return `${name.padEnd(6)}/MB:`;
}

/** Numbers right-aligned in 8 columns, as esxtop lines them up. */
function num(value: string): string {
  return value.padStart(8);
}

/** The header lines of one host. */
function hostHeader(host: DeepReadonly<Host>, color: boolean): string[] {
  const name = paint(host.metadata.name, "bold", color);
  const st = host.status;
  if (!st) return [`${name}   (not reconciled yet: step the simulation)`];
  const m = st.memory;
  const state = paint(st.state, HOST_STATE_COLORS[st.state as HostMemoryState] ?? "bold", color);
  const capacity = mib(m.capacity);
  const vmk = mib(host.spec.vmkernelReserved);
  const free = mib(m.free);
  const other = Math.max(0, capacity - vmk - free);
  const minFree = mib(m.minFree);
  const ms = host.spec.memoryStates;
  const pct = (p: number): string => num(String(Math.floor((minFree * p) / 100)));
  return [
    `${name}   state ${state}   overcommit ${st.overcommit.toFixed(2)}x   VMs ${st.vms.running} running, ${st.vms.pending} pending   policy ${host.spec.policy}`,
    `${label("PMEM")}${num(String(Math.round(capacity)))} total:${num(String(Math.round(vmk)))} vmk,${num(String(Math.round(other)))} other,${num(String(Math.round(free)))} free`,
    `${label("VMKMEM")}${num(wholeMiB(m.minFree))} minfree,${pct(ms.soft)} soft,${pct(ms.hard)} hard,${pct(ms.low)} low,${num(wholeMiB(m.reserved))} rsvd,${num(wholeMiB(m.unreserved))} ursvd, ${state} state`,
    `${label("MEMCTL")}${num(wholeMiB(m.ballooned))} curr   ${label("SWAP")}${num(wholeMiB(m.swapped))} curr   ${label("ZIP")}${num(wholeMiB(m.compressed))} zipped   ${label("PSHARE")}${num(wholeMiB(m.sharedSavings))} saving`,
  ];
}

/**
 * Renders the screen: the title, then per host (by name) its header lines and a table of its
 * running VMs sorted by `options.sort`. Every line ends in "\n".
 */
export function renderTopScreen(
  hosts: readonly DeepReadonly<Host>[],
  vms: readonly DeepReadonly<VirtualMachine>[],
  options: TopScreenOptions,
): string {
  const lines: string[] = [options.title];
  const headers = ["NAME", ...TOP_MEMORY_COLUMNS.map(([c]) => c), "STALL%"];
  for (const host of [...hosts].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    lines.push("", ...hostHeader(host, options.color), "");
    const running = vms.filter((vm) => vm.spec.hostName === host.metadata.name && vm.status?.phase === "Running");
    if (running.length === 0) {
      lines.push("  (no running VMs)");
      continue;
    }
    const rows = sortRows(running.map(vmRow), options.sort).map((r) => [
      r.name,
      ...TOP_MEMORY_COLUMNS.map(([c]) => r.values.get(c)!.toFixed(2)),
      r.values.get("STALL%")!.toFixed(1),
    ]);
    const table = alignedRows(headers, rows);
    lines.push(paint(table[0]!, "bold", options.color), ...table.slice(1));
  }
  if (hosts.length === 0) lines.push("", "No hosts: apply a Host and VirtualMachines first (memplane apply -f ...).");
  if (options.footer !== undefined) lines.push("", options.footer);
  return lines.map((l) => l + "\n").join("");
}

/**
 * Cuts a line to `columns` printed characters (ANSI colour sequences take none and are kept,
 * with a reset when cut), so a narrow terminal shows esxtop-like truncated rows, not wrapped ones.
 */
export function fitToWidth(line: string, columns: number): string {
  let out = "";
  let width = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === "\x1b") {
      const end = line.indexOf("m", i);
      if (end > i) {
        out += line.slice(i, end + 1);
        i = end;
        continue;
      }
    }
    if (width === columns) return out.includes("\x1b[") ? out + "\x1b[0m" : out;
    out += line[i];
    width++;
  }
  return out;
}
