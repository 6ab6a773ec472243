/**
 * The reconciliation log entry (docs/library.md, *Log formats*): one per decision that changed something.
 */
import type { StoredObject } from "../api/types.js";
import type { DeepReadonly } from "../store/types.js";

/** Actions every implementation logs (more are welcome). */
export type KnownLogAction =
  | "Admitted"
  | "AdmissionDenied"
  | "PoweredOff"
  | "Restarted"
  | "StateChanged"
  | "EntitlementChanged"
  | "BalloonTargetChanged"
  | "BalloonStalled"
  | "SwapTargetChanged"
  | "CompressionStarted"
  | "GuestSwapping"
  | "OverLimit"
  | "ReconcileError";

/** One reconciliation log entry; `--log-format json` prints exactly these fields. */
export interface LogEntry {
  tick: number;
  /** Simulated time, e.g. `42s`, `1m30s`. */
  time: string;
  controller: string;
  kind: string;
  namespace?: string;
  name: string;
  /** The host the object is on (or is). */
  host?: string;
  action: KnownLogAction | (string & {});
  from?: string;
  to?: string;
  reason?: string;
  message: string;
}

/** What a controller passes to `ctx.log`: the manager fills in tick, time and controller. */
export type LogEntryInput = Omit<LogEntry, "tick" | "time" | "controller">;

/** The object fields of a log entry about `object` (kind, namespace, name, host). */
export function aboutObject(object: DeepReadonly<StoredObject>): Pick<LogEntryInput, "kind" | "namespace" | "name" | "host"> {
  const host = object.kind === "Host" ? object.metadata.name : object.kind === "VirtualMachine" ? object.spec.hostName : undefined;
  return {
    kind: object.kind,
    ...(object.metadata.namespace !== undefined && { namespace: object.metadata.namespace }),
    name: object.metadata.name,
    ...(host !== undefined && { host }),
  };
}
