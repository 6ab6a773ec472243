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

/** The slot of each of {@link HOST_NUMBERS} in a host's recorded numbers. */
export const HN = {
  capacity: 0,
  minFree: 1,
  free: 2,
  consumed: 3,
  overhead: 4,
  reserved: 5,
  unreserved: 6,
  ballooned: 7,
  swapped: 8,
  compressed: 9,
  sharedSavings: 10,
  overcommit: 11,
  running: 12,
  pending: 13,
  observedGeneration: 14,
} as const;

/** One of the host's conditions as last projected. */
export interface HostCondition {
  type: "MemoryPressure" | "SwapSpaceLow";
  on: boolean;
  reason: string;
  message: string;
  /** When its status last changed (undefined before the first projection). */
  since: string | undefined;
}

/** A {@link HostStatusSource}'s state as plain data (structured-cloneable: it crosses threads). */
export interface HostSourceData {
  n: Float64Array;
  state: string;
  pressure: HostCondition;
  swapLow: HostCondition;
}

/** The recorded inputs of one host's status. */
export class HostStatusSource implements StatusSource {
  /** The numbers, in {@link HOST_NUMBERS} order (pages, except overcommit, counts and generation). */
  readonly n = new Float64Array(HOST_NUMBERS.length);
  state = "";
  readonly pressure: HostCondition = { type: "MemoryPressure", on: false, reason: "", message: "", since: undefined };
  readonly swapLow: HostCondition = { type: "SwapSpaceLow", on: false, reason: "", message: "", since: undefined };

  constructor(readonly name: string) {}

  /** This source's state as plain data (a copy: the source goes on changing). */
  data(): HostSourceData {
    return { n: this.n.slice(), state: this.state, pressure: { ...this.pressure }, swapLow: { ...this.swapLow } };
  }

  /** Takes the state of {@link data} (from another thread). */
  setData(d: HostSourceData): void {
    this.n.set(d.n);
    this.state = d.state;
    Object.assign(this.pressure, d.pressure);
    Object.assign(this.swapLow, d.swapLow);
  }

  /** The host's status: the stored one with the projected fields and the two conditions laid over it. */
  statusOf(stored: unknown): Record<string, unknown> {
    const n = this.n;
    const base = (stored ?? {}) as Partial<HostStatus>;
    const status: Record<string, unknown> = { ...base };
    status.state = this.state;
    status.memory = {
      capacity: q(n[HN.capacity]!),
      minFree: q(n[HN.minFree]!),
      free: q(n[HN.free]!),
      consumed: q(n[HN.consumed]!),
      overhead: q(n[HN.overhead]!),
      reserved: q(n[HN.reserved]!),
      unreserved: q(n[HN.unreserved]!),
      ballooned: q(n[HN.ballooned]!),
      swapped: q(n[HN.swapped]!),
      compressed: q(n[HN.compressed]!),
      sharedSavings: q(n[HN.sharedSavings]!),
    };
    status.overcommit = n[HN.overcommit];
    status.vms = { running: n[HN.running], pending: n[HN.pending] };
    status.observedGeneration = n[HN.observedGeneration];
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
