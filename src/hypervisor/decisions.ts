/**
 * Decision records (why a VM is ballooned or swapped): every controller decision that changes a
 * target keeps the inputs it used, so `memplane explain` can answer in plain words and with the
 * numbers. Records live in the memory model's per-object rings (saved with the state) and are
 * bounded: the newest {@link DECISION_RETENTION} per object.
 */
import type { HostMemoryState } from "../api/types.js";
import type { BalloonCapName, BalloonCaps } from "./formulas.js";

/**
 * How many decision records of each type each VM keeps (the oldest of that type are dropped
 * first). Eight per type bound a VM's history to ≈ 3 KB; at 100 000 VMs that is what the
 * decision records may cost, so the number is kept small.
 */
export const DECISION_RETENTION = 8;

/** How many state-change records each host keeps: hosts are few, and `advise` reads time under pressure from them. */
export const HOST_DECISION_RETENTION = 16;

/** Which bound decided a VM's entitlement. */
export type EntitlementBound = "uncontended" | "reservation" | "limit" | "memory" | "demand" | "touched" | "active" | "water-level";

/** Inputs and outcome of an entitlement decision (docs/memory-model.md, *Entitlement*). Sizes in pages. */
export interface EntitlementDecision {
  type: "entitlement";
  tick: number;
  entitlement: number;
  consumed: number;
  reclaim: number;
  shares: number;
  sharesLabel: string;
  active: number;
  touched: number;
  /**
   * Demand: touched + balloon + guest-swapped + growth waiting, capped at memory (the ceiling's
   * input since balloons deflate after contention). Absent in records saved before it existed,
   * whose ceiling was max(touched, active) — bound `touched`.
   */
  demand?: number;
  reservation: number;
  limit: number | null;
  memory: number;
  idleTax: number;
  /** Memory available to the host's VMs: capacity − vmkernel − Σ overhead − minFree. */
  available: number;
  contended: boolean;
  /** The water level λ (shares per adjusted page); null without contention. */
  lambda: number | null;
  bound: EntitlementBound;
  /** Host state at the decision. */
  hostState: HostMemoryState;
  hostFree: number;
}

/** Inputs and outcome of a balloon-target decision (docs/memory-model.md, *Ballooning*). */
export interface BalloonDecision {
  type: "balloon";
  tick: number;
  target: number;
  balloon: number;
  reason: string;
  reclaim: number;
  entitlement: number;
  consumed: number;
  balloonMax: number;
  /** Each cap in pages; null for no cap (no maxBalloon, or the guest-OS floor switched off). */
  caps: { maxPercent: number; osFloor: number | null; reservation: number; maxBalloon: number | null };
  binding: BalloonCapName | "noDriver";
  guestOS: string;
  osMinimum: number;
  slack: number;
  maxPercent: number;
  /** What the guest gave this tick. */
  gave: { free: number; untouched: number; used: number; stalled: number };
  hostState: HostMemoryState;
}

/** Inputs and outcome of a swap-target decision (docs/memory-model.md, *Compression and hypervisor swapping*). */
export interface SwapDecision {
  type: "swap";
  tick: number;
  swapTarget: number;
  need: number;
  reason: string;
  balloonDone: boolean;
  /** Why the balloon could do no more: noDriver, atMaximum, stalled, unresponsive, paced (or null). */
  balloonDoneReason?: "noDriver" | "atMaximum" | "stalled" | "unresponsive" | "paced" | null;
  compressed: number;
  swapped: number;
  limitedBy?: string;
  hostState: HostMemoryState;
}

/** Outcome of admission (docs/memory-model.md, *Reservations, overhead and admission*). */
export interface AdmissionDecision {
  type: "admission";
  tick: number;
  admitted: boolean;
  reason: string;
  message: string;
}

/** Inputs of a host state change (docs/memory-model.md, *Host memory states*). */
export interface HostStateDecision {
  type: "hostState";
  tick: number;
  from: HostMemoryState;
  to: HostMemoryState;
  free: number;
  minFree: number;
  thresholds: { clear: number; soft: number; hard: number; low: number };
  hysteresisPercent: number;
  holdSeconds: number;
}

/** Any decision record. */
export type DecisionRecord = EntitlementDecision | BalloonDecision | SwapDecision | AdmissionDecision | HostStateDecision;

/**
 * Appends a record to an object's ring, keeping the newest {@link DECISION_RETENTION} of each
 * type ({@link HOST_DECISION_RETENTION} host state changes), so a VM swapped every tick does not push out its balloon and entitlement history.
 */
export function recordDecision(ring: DecisionRecord[], record: DecisionRecord): void {
  ring.push(record);
  let sameType = 0;
  for (const r of ring) if (r.type === record.type) sameType++;
  const keep = record.type === "hostState" ? HOST_DECISION_RETENTION : DECISION_RETENTION;
  if (sameType > keep) ring.splice(ring.findIndex((r) => r.type === record.type), 1);
}

/** The newest record of a type at or before `tick` (latest when tick is undefined). */
export function decisionAt<T extends DecisionRecord["type"]>(
  ring: readonly DecisionRecord[],
  type: T,
  tick?: number,
): Extract<DecisionRecord, { type: T }> | undefined {
  for (let i = ring.length - 1; i >= 0; i--) {
    const r = ring[i]!;
    if (r.type === type && (tick === undefined || r.tick <= tick)) return r as Extract<DecisionRecord, { type: T }>;
  }
  return undefined;
}

/** Caps with Infinity replaced by null (JSON-safe). */
export function jsonCaps(caps: BalloonCaps): BalloonDecision["caps"] {
  return { ...caps, osFloor: Number.isFinite(caps.osFloor) ? caps.osFloor : null, maxBalloon: Number.isFinite(caps.maxBalloon) ? caps.maxBalloon : null };
}
