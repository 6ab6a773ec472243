/**
 * What the controller-isolation tests share: a small overcommitted cluster (one 6Gi host, two
 * 4Gi VMs at 90 %), the names of the built-in controllers whose log must not change, and a
 * controller made from a function (the function may return anything: the attacks do).
 */
import type { Controller, LogEntry, ReconcileContext, ReconcileRequest } from "../../src/index.js";

/** One 6Gi host and two 4Gi VMs using 90 % of their memory: the host comes under pressure. */
export const CLUSTER = `
apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: esx-01}
spec: {capacity: 6Gi}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: app-1}
spec: {hostName: esx-01, memory: 4Gi, guestOS: rhel7, workload: {allocated: 90%, active: 60}}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: app-2}
spec: {hostName: esx-01, memory: 4Gi, guestOS: rhel7, workload: {allocated: 90%, active: 60}}
`;

/** The built-in controllers that run on an esxi cluster. */
export const BUILT_IN = new Set(["reservation", "workload", "page-sharing", "host-state", "entitlement", "balloon", "swap", "host-status", "vm-status"]);

/** The log lines of the built-in controllers, as JSON. */
export const builtInLines = (logs: readonly LogEntry[]): string[] => logs.filter((e) => BUILT_IN.has(e.controller)).map((e) => JSON.stringify(e));

/** A controller from a function. */
export function controller(name: string, forKind: Controller["forKind"], reconcile: (req: ReconcileRequest, ctx: ReconcileContext) => unknown): Controller {
  return { name, forKind, reconcile: reconcile as Controller["reconcile"] };
}
