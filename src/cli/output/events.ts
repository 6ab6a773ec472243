/**
 * Events as `describe` shows them: the events about one object, oldest first (newest last, as
 * kubectl), with kubectl's AGE wording for repeated events (`12s (x4 over 2m)`).
 */
import type { ManifestKind, MemplaneEvent } from "../../api/types.js";
import { DEFAULT_NAMESPACE } from "../../api/types.js";
import type { DeepReadonly } from "../../store/types.js";
import { ageSince } from "../../printing/age.js";

/** The object whose events are wanted. */
export interface InvolvedObjectRef {
  kind: ManifestKind;
  name: string;
  /** For VirtualMachines; ignored for cluster-scoped kinds. */
  namespace?: string;
}

/** True when `event` is about `ref` (same kind and name; same namespace for VMs). */
export function isEventAbout(event: DeepReadonly<MemplaneEvent>, ref: InvolvedObjectRef): boolean {
  const about = event.involvedObject;
  if (about.kind !== ref.kind || about.name !== ref.name) return false;
  if (ref.kind !== "VirtualMachine") return true;
  return (about.namespace ?? DEFAULT_NAMESPACE) === (ref.namespace ?? DEFAULT_NAMESPACE);
}

/** The events about `ref`, oldest last occurrence first (ties by name, for a stable order). */
export function eventsAbout(
  events: readonly DeepReadonly<MemplaneEvent>[],
  ref: InvolvedObjectRef,
): DeepReadonly<MemplaneEvent>[] {
  return events
    .filter((e) => isEventAbout(e, ref))
    .sort((a, b) => a.tick - b.tick || a.metadata.name.localeCompare(b.metadata.name));
}

/** kubectl's AGE of an event: `42s`, or `42s (x3 over 5m)` when it happened more than once. */
export function eventAge(event: DeepReadonly<MemplaneEvent>, nowSeconds: number): string {
  const last = ageSince(event.lastTimestamp, nowSeconds);
  if (event.count <= 1) return last;
  return `${last} (x${event.count} over ${ageSince(event.firstTimestamp, nowSeconds)})`;
}

/** The rows of describe's Events table: Type, Reason, Age, From, Message. */
export function eventRows(events: readonly DeepReadonly<MemplaneEvent>[], nowSeconds: number): string[][] {
  return events.map((e) => [e.type, e.reason, eventAge(e, nowSeconds), e.source.component, e.message]);
}

/** Headers of describe's Events table. */
export const EVENT_HEADERS: readonly string[] = ["Type", "Reason", "Age", "From", "Message"];
