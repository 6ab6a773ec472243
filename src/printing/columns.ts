/**
 * The `get` table columns per kind, in kubectl's spirit: a few useful columns by default, more
 * with `-o wide`, NAMESPACE first with `--all-namespaces`. Memory is shown human-readable
 * (`3.50 GiB`); `-o json|yaml` carry the exact quantities. The one definition behind both
 * `memplane get` (cli/commands/get.ts) and the server's Kubernetes `Table` answers
 * (server/table.ts), so `kubectl get vms` prints what `memplane get vms` prints. Cells are plain
 * text; a column's `color` says how a terminal may colour it.
 */
import type { GuestOSProfile, Host, Kind, MemplaneEvent, Scenario, VirtualMachine, VmPhase } from "../api/types.js";
import { BUILTIN_LABEL } from "../api/builtin-profiles.js";
import { formatPagesHuman, quantityToPages } from "../api/quantity.js";
import type { DeepReadonly } from "../store/types.js";
import { ageSince } from "./age.js";
import { HOST_STATE_COLORS, type CellColor } from "./state-colors.js";

/** What a cell may need besides its object. */
export interface RowContext {
  /** The simulated time now, in seconds counted from the default epoch (`nowSinceDefaultEpoch`; the simulated time itself with the default epoch). */
  nowSeconds: number;
}

/** One table column. */
export interface Column<T> {
  header: string;
  /** Shown only with `-o wide`. */
  wide?: boolean;
  /** Shown only with `--all-namespaces`. */
  allNamespaces?: boolean;
  cell(object: DeepReadonly<T>, ctx: RowContext): string;
  /** The colour a terminal may give the cell (undefined: none). */
  color?(object: DeepReadonly<T>): CellColor | undefined;
}

/** What kubectl prints for an absent value. */
const NONE = "<none>";

/** A quantity for people: `512.0 MiB`; `<none>` when absent or unparsable. */
export function humanQuantity(q: string | undefined): string {
  if (q === undefined) return NONE;
  try {
    return formatPagesHuman(quantityToPages(q));
  } catch {
    return q;
  }
}

const PHASE_COLORS: Record<VmPhase, "green" | "yellow" | "gray"> = { Running: "green", Pending: "yellow", Stopped: "gray" };

const namespaceColumn = <T extends { metadata: { namespace?: string } }>(): Column<T> => ({
  header: "NAMESPACE",
  allNamespaces: true,
  cell: (o) => o.metadata.namespace ?? "",
});

const nameColumn = <T extends { metadata: { name: string } }>(): Column<T> => ({ header: "NAME", cell: (o) => o.metadata.name });

const ageColumn = <T extends { metadata: { creationTimestamp?: string } }>(): Column<T> => ({
  header: "AGE",
  cell: (o, ctx) => ageSince(o.metadata.creationTimestamp, ctx.nowSeconds),
});

/** Host columns: capacity, memory state (docs/memory-model.md §5), free vs minFree, overcommit, VMs. */
export const HOST_COLUMNS: readonly Column<Host>[] = [
  nameColumn(),
  { header: "CAPACITY", cell: (h) => humanQuantity(h.spec.capacity) },
  { header: "STATE", cell: (h) => h.status?.state ?? NONE, color: (h) => (h.status ? (HOST_STATE_COLORS[h.status.state] ?? "bold") : undefined) },
  { header: "FREE", cell: (h) => humanQuantity(h.status?.memory.free) },
  { header: "MINFREE", cell: (h) => humanQuantity(h.status?.memory.minFree) },
  { header: "OVERCOMMIT", cell: (h) => (h.status ? `${h.status.overcommit.toFixed(2)}x` : NONE) },
  { header: "VMS", cell: (h) => (h.status ? String(h.status.vms.running) : NONE) },
  ageColumn(),
  { header: "PENDING", wide: true, cell: (h) => (h.status ? String(h.status.vms.pending) : NONE) },
  { header: "CONSUMED", wide: true, cell: (h) => humanQuantity(h.status?.memory.consumed) },
  { header: "RESERVED", wide: true, cell: (h) => humanQuantity(h.status?.memory.reserved) },
  { header: "BALLOONED", wide: true, cell: (h) => humanQuantity(h.status?.memory.ballooned) },
  { header: "COMPRESSED", wide: true, cell: (h) => humanQuantity(h.status?.memory.compressed) },
  { header: "SWAPPED", wide: true, cell: (h) => humanQuantity(h.status?.memory.swapped) },
  { header: "SHARED-SAVINGS", wide: true, cell: (h) => humanQuantity(h.status?.memory.sharedSavings) },
  { header: "POLICY", wide: true, cell: (h) => h.spec.policy },
];

/** VirtualMachine columns, esxtop names in the comments: MEMSZ, CNSM, MCTLSZ, SWCUR; wide adds SZTGT, ACTV, ZIP, SHRD, OVHD. */
export const VM_COLUMNS: readonly Column<VirtualMachine>[] = [
  namespaceColumn(),
  nameColumn(),
  { header: "HOST", cell: (v) => v.spec.hostName },
  { header: "PHASE", cell: (v) => v.status?.phase ?? NONE, color: (v) => (v.status ? (PHASE_COLORS[v.status.phase] ?? "bold") : undefined) },
  { header: "MEMORY", cell: (v) => humanQuantity(v.spec.memory) },
  { header: "CONSUMED", cell: (v) => humanQuantity(v.status?.memory.consumed) },
  { header: "BALLOON", cell: (v) => humanQuantity(v.status?.memory.balloon) },
  { header: "SWAPPED", cell: (v) => humanQuantity(v.status?.memory.swapped) },
  ageColumn(),
  { header: "ENTITLEMENT", wide: true, cell: (v) => humanQuantity(v.status?.memory.entitlement) },
  { header: "ACTIVE", wide: true, cell: (v) => humanQuantity(v.status?.memory.active) },
  { header: "COMPRESSED", wide: true, cell: (v) => humanQuantity(v.status?.memory.compressed) },
  { header: "SHARED", wide: true, cell: (v) => humanQuantity(v.status?.memory.shared) },
  { header: "OVERHEAD", wide: true, cell: (v) => humanQuantity(v.status?.memory.overhead) },
  { header: "RESERVATION", wide: true, cell: (v) => humanQuantity(v.spec.reservation) },
  { header: "LIMIT", wide: true, cell: (v) => (v.spec.limit === undefined ? "unlimited" : humanQuantity(v.spec.limit)) },
  { header: "SHARES", wide: true, cell: (v) => String(v.spec.shares) },
  { header: "GUESTOS", wide: true, cell: (v) => v.spec.guestOS },
];

/** GuestOSProfile columns. */
export const GUEST_OS_PROFILE_COLUMNS: readonly Column<GuestOSProfile>[] = [
  nameColumn(),
  { header: "MINIMUM", cell: (p) => humanQuantity(p.spec.minimumMemory) },
  { header: "TOUCH-ALL-ON-BOOT", cell: (p) => String(p.spec.touchAllOnBoot) },
  {
    header: "AGE",
    cell: (p, ctx) =>
      p.metadata.creationTimestamp === undefined && p.metadata.labels?.[BUILTIN_LABEL] === "true"
        ? "built-in"
        : ageSince(p.metadata.creationTimestamp, ctx.nowSeconds),
  },
  { header: "DESCRIPTION", wide: true, cell: (p) => p.spec.description ?? "" },
];

/** Scenario columns: steps done of total, when the timeline started, age. */
export const SCENARIO_COLUMNS: readonly Column<Scenario>[] = [
  nameColumn(),
  { header: "STEPS", cell: (s) => `${s.status?.stepsDone ?? 0}/${s.spec.steps.length}` },
  { header: "STARTED", cell: (s) => s.status?.startedAt ?? "<pending>" },
  { header: "AGE", cell: (s, ctx) => ageSince(s.metadata.creationTimestamp, ctx.nowSeconds) },
];

/** Event columns, as `kubectl get events`. */
export const EVENT_COLUMNS: readonly Column<MemplaneEvent>[] = [
  namespaceColumn(),
  { header: "LAST SEEN", cell: (e, ctx) => ageSince(e.lastTimestamp, ctx.nowSeconds) },
  { header: "TYPE", cell: (e) => e.type, color: (e) => (e.type === "Warning" ? "yellow" : undefined) },
  { header: "REASON", cell: (e) => e.reason },
  { header: "OBJECT", cell: (e) => `${e.involvedObject.kind.toLowerCase()}/${e.involvedObject.name}` },
  { header: "SOURCE", wide: true, cell: (e) => e.source.component },
  { header: "FIRST SEEN", wide: true, cell: (e, ctx) => ageSince(e.firstTimestamp, ctx.nowSeconds) },
  { header: "COUNT", wide: true, cell: (e) => String(e.count) },
  { header: "MESSAGE", cell: (e) => e.message },
];

/** The columns of a kind. */
export function columnsFor(kind: Kind): readonly Column<never>[] {
  switch (kind) {
    case "Host":
      return HOST_COLUMNS as readonly Column<never>[];
    case "VirtualMachine":
      return VM_COLUMNS as readonly Column<never>[];
    case "GuestOSProfile":
      return GUEST_OS_PROFILE_COLUMNS as readonly Column<never>[];
    case "Scenario":
      return SCENARIO_COLUMNS as readonly Column<never>[];
    case "Event":
      return EVENT_COLUMNS as readonly Column<never>[];
  }
}

/** Picks the columns to show for `-o wide` and `--all-namespaces`. */
export function visibleColumns<T>(columns: readonly Column<T>[], options: { wide: boolean; allNamespaces: boolean }): Column<T>[] {
  return columns.filter((c) => (!c.wide || options.wide) && (!c.allNamespaces || options.allNamespaces));
}
