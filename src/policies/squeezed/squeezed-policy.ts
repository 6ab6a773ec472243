/**
 * XenServer squeezed's proportional balancing policy as pure arithmetic.
 *
 * Source: `Squeeze.Proportional` in squeezed (github.com/xapi-project/xen-api,
 * `squeezed/lib/squeeze.ml`, formerly xapi-project/squeezed `src/squeeze.ml`) and the design
 * note "Squeezed: a host memory ballooning daemon" (xapi-project.github.io/squeezed). Each
 * domain has a range [dynamic-min, dynamic-max]; the memory the host could have free if every
 * domain ballooned down to its dynamic-min, less the host's free-memory target, is the surplus,
 * and every domain gets the same fraction γ of its range:
 *
 *     surplus  = host_free + Σ max(0, actual_i − dynamic_min_i) − host_target
 *     γ        = clamp(surplus / Σ (dynamic_max_i − dynamic_min_i), 0, 1)
 *     target_i = dynamic_min_i + γ × (dynamic_max_i − dynamic_min_i)
 *
 * Targets are set in two phases (`one_iteration`): while any domain must shrink, only the
 * shrinking ("freeing") domains get new targets; the growing ones are given theirs once every
 * freeing domain has reached its target, so free memory is never handed out before it exists.
 */

/** One domain (VM) as squeezed sees it, in pages. */
export interface SqueezedDomain {
  /** dynamic-min: the reservation. */
  dynamicMin: number;
  /** dynamic-max: configured memory. */
  dynamicMax: number;
  /** memory_actual: what the domain holds on the host now. */
  actual: number;
}

/** γ and the per-domain targets (pages, same order as the input). */
export interface SqueezedAllocation {
  gamma: number;
  /** Memory the host could free if every domain went to dynamic-min, less the target. */
  surplus: number;
  targets: number[];
}

/** The range a domain's target may move in. */
export const rangeOf = (d: SqueezedDomain): number => Math.max(0, d.dynamicMax - d.dynamicMin);

/** The memory a domain gives back by going to its dynamic-min (min_freeable, without inaccuracy). */
export const minFreeable = (d: SqueezedDomain): number => Math.max(0, d.actual - d.dynamicMin);

/** Proportional allocation (Squeeze.Proportional.compute_target_adjustments). */
export function proportionalTargets(hostFree: number, hostTarget: number, domains: readonly SqueezedDomain[]): SqueezedAllocation {
  const maximumFree = hostFree + domains.reduce((s, d) => s + minFreeable(d), 0);
  const surplus = Math.max(0, maximumFree - hostTarget);
  const totalRange = domains.reduce((s, d) => s + rangeOf(d), 0);
  const raw = totalRange > 0 ? surplus / totalRange : surplus > 0 ? 1 : 0;
  const gamma = Math.min(1, Math.max(0, Number.isNaN(raw) ? 0 : raw));
  return { gamma, surplus, targets: domains.map((d) => d.dynamicMin + Math.floor(gamma * rangeOf(d))) };
}
