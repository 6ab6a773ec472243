/**
 * oVirt MOM's default balloon policy as pure arithmetic, in the guest-size terms MOM uses.
 *
 * Source: the "Auto-Balloon" rules shipped by oVirt — `doc/balloon.rules` in github.com/oVirt/mom
 * and `static/etc/vdsm/mom.d/02-balloon.policy` in github.com/oVirt/vdsm (the policy vdsm loads).
 * MOM speaks of `balloon_cur`, the memory the guest currently has (configured memory minus the
 * balloon), `balloon_max` (configured memory) and `balloon_min` (the VM's guaranteed memory):
 *
 *     host_free_percent = mem_free / mem_available
 *     under pressure when host_free_percent < pressure_threshold (0.20)
 *     guest_free_percent = host_free_percent − 0.05                 when ≤ pressure_critical (0.05)
 *                        = min_guest_free_percent (0.20) × host_free_percent / pressure_threshold otherwise
 *     guest_used_mem = balloon_cur − mem_unused
 *     balloon_min'   = max(balloon_min, guest_used_mem + guest_free_percent × balloon_cur)
 *     shrink: size = max(balloon_cur × (1 − 0.05), balloon_min'), only if size ≤ balloon_cur
 *     grow:   size = min(balloon_max, max(balloon_cur × (1 + 0.05), balloon_min')), only if balloon_cur < balloon_max
 *     a change is made only if |size − balloon_cur| > 0.0025 × balloon_cur
 *     and a guest below balloon_min is set to balloon_min (the "guaranteed memory" rule).
 *
 * The rules run every 10 s (MOM's `policy-engine-interval`; vdsm's default `[mom] interval`).
 */

/** MOM's constants (02-balloon.policy). */
export const MOM_POLICY = {
  /** Host under memory pressure when free memory is below this share of its memory. */
  pressureThreshold: 0.2,
  /** Pressure is critical below this share: guests are pushed into their own swap. */
  pressureCritical: 0.05,
  /** Free memory an unconstrained guest would like to keep. */
  minGuestFreePercent: 0.2,
  /** Largest change of a guest's memory per evaluation, as a share of its current memory. */
  maxBalloonChangePercent: 0.05,
  /** Smaller changes than this share of the guest's current memory are not made. */
  minBalloonChangePercent: 0.0025,
  /** Seconds between evaluations. */
  intervalSeconds: 10,
} as const;

/** Host pressure as MOM classifies it. */
export type MomPressure = "none" | "pressure" | "critical";

/** Classifies host free memory (pages) against its capacity (pages). */
export function momPressure(hostFree: number, hostCapacity: number): MomPressure {
  const pct = hostCapacity > 0 ? hostFree / hostCapacity : 0;
  if (pct <= MOM_POLICY.pressureCritical) return "critical";
  if (pct < MOM_POLICY.pressureThreshold) return "pressure";
  return "none";
}

/** The free share MOM wants each guest to keep, given the host's free share. */
export function guestFreePercent(hostFreePercent: number): number {
  if (hostFreePercent <= MOM_POLICY.pressureCritical) return hostFreePercent - 0.05;
  return MOM_POLICY.minGuestFreePercent * (hostFreePercent / MOM_POLICY.pressureThreshold);
}

/** One guest as MOM sees it, in pages. */
export interface MomGuest {
  /** balloon_max: configured memory. */
  memory: number;
  /** balloon_cur: memory the guest has now (memory − current balloon). */
  current: number;
  /** mem_unused: free memory inside the guest. */
  unused: number;
  /** balloon_min: guaranteed memory (the reservation). */
  guaranteed: number;
}

/** What MOM decides for one guest: the new guest size, or none when no change is made. */
export interface MomDecision {
  /** New guest memory (pages), or undefined when MOM leaves the guest alone. */
  size: number | undefined;
  /** Which rule decided. */
  rule: "shrink" | "grow" | "guarantee" | "none";
}

/** Whether a change from the current size is worth a balloon operation (change_big_enough). */
export function changeBigEnough(current: number, size: number): boolean {
  return Math.abs(size - current) > MOM_POLICY.minBalloonChangePercent * current;
}

/**
 * One evaluation of MOM's rules for one guest. `shrinking` is true when the host is under
 * pressure and ballooning is enabled (shrink_guest), false otherwise (grow_guest).
 */
export function momDecide(guest: MomGuest, hostFree: number, hostCapacity: number, shrinking: boolean): MomDecision {
  const { memory, current, unused, guaranteed } = guest;
  if (current < guaranteed) return { size: guaranteed, rule: "guarantee" };
  const hostFreePct = hostCapacity > 0 ? hostFree / hostCapacity : 0;
  const gfp = guestFreePercent(hostFreePct);
  const used = current - unused;
  const floor = Math.max(guaranteed, used + gfp * current);
  if (shrinking) {
    let size = current * (1 - MOM_POLICY.maxBalloonChangePercent);
    if (size < floor) size = floor;
    size = Math.floor(size);
    if (size <= current && changeBigEnough(current, size)) return { size, rule: "shrink" };
    return { size: undefined, rule: "none" };
  }
  if (current >= memory) return { size: undefined, rule: "none" };
  let size = current * (1 + MOM_POLICY.maxBalloonChangePercent);
  if (size < floor) size = floor;
  if (size > memory) size = memory;
  size = Math.ceil(Math.min(size, memory));
  if (changeBigEnough(current, size)) return { size, rule: "grow" };
  return { size: undefined, rule: "none" };
}

/** Whether MOM evaluates at the end of a tick ending at `timeSeconds` (every 10 simulated seconds). */
export function isMomEvaluation(timeSeconds: number, tickSeconds: number): boolean {
  const every = MOM_POLICY.intervalSeconds;
  return Math.floor(timeSeconds / every + 1e-9) !== Math.floor((timeSeconds - tickSeconds) / every + 1e-9);
}
