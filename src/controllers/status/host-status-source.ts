/**
 * What a Host's status is built from, recorded by host-status every tick (status on demand,
 * docs/library.md): the memory numbers, the state, and the two conditions with their messages
 * and transition times. The store asks it for the status only when someone observes the host.
 */
import type { Condition, HostStatus } from "../../api/types.js";
import type { StatusSource } from "../../store/status-source.js";
import { q } from "../shared/context.js";

/** The numbers of a host's status, in slot order. */
export const HOST_NUMBERS = ["capacity", "minFree", "free", "consumed", "overhead", "reserved", "unreserved", "ballooned", "swapped", "compressed", "sharedSavings", "overcommit", "running", "pending", "observedGeneration"] as const;

/** One of the host's conditions as last projected. */
export interface HostCondition {
  type: "MemoryPressure" | "SwapSpaceLow";
  on: boolean;
  reason: string;
  message: string;
  /** When its status last changed (undefined before the first projection). */
  since: string | undefined;
}

/** The recorded inputs of one host's status. */
export class HostStatusSource implements StatusSource {
  /** The numbers, in {@link HOST_NUMBERS} order (pages, except overcommit, counts and generation). */
  readonly n = new Float64Array(HOST_NUMBERS.length);
  state = "";
  readonly pressure: HostCondition = { type: "MemoryPressure", on: false, reason: "", message: "", since: undefined };
  readonly swapLow: HostCondition = { type: "SwapSpaceLow", on: false, reason: "", message: "", since: undefined };

  constructor(readonly name: string) {}

  /** The host's status: the stored one with the projected fields and the two conditions laid over it. */
  statusOf(stored: unknown): Record<string, unknown> {
    const n = this.n;
    const base = (stored ?? {}) as Partial<HostStatus>;
    const status: Record<string, unknown> = { ...base };
    status.state = this.state;
    status.memory = {
      capacity: q(n[0]!),
      minFree: q(n[1]!),
      free: q(n[2]!),
      consumed: q(n[3]!),
      overhead: q(n[4]!),
      reserved: q(n[5]!),
      unreserved: q(n[6]!),
      ballooned: q(n[7]!),
      swapped: q(n[8]!),
      compressed: q(n[9]!),
      sharedSavings: q(n[10]!),
    };
    status.overcommit = n[11];
    status.vms = { running: n[12], pending: n[13] };
    status.observedGeneration = n[14];
    const conditions: Condition[] = [...((base.conditions ?? []) as Condition[])];
    for (const c of [this.pressure, this.swapLow]) {
      const condition: Condition = { type: c.type, status: c.on ? "True" : "False", reason: c.reason, message: c.message, lastTransitionTime: c.since! };
      const at = conditions.findIndex((x) => x.type === c.type);
      if (at >= 0) conditions[at] = condition;
      else conditions.push(condition);
    }
    status.conditions = conditions;
    return status;
  }
}
