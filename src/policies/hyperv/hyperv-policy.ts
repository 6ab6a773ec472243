/**
 * Hyper-V Dynamic Memory as pure arithmetic, in the memory-size terms Hyper-V uses (pages here).
 *
 * Sources (Microsoft): "Hyper-V Dynamic Memory Overview"
 * (learn.microsoft.com/windows-server/virtualization/hyper-v/dynamic-memory) and the
 * Set-VMMemory reference (learn.microsoft.com/powershell/module/hyper-v/set-vmmemory);
 * docs/policies.md says what each rule does in Hyper-V and what memplane simplifies.
 *
 *     demand  = the guest's committed memory (memplane: guest used + guest-swapped pages)
 *     target  = clamp(ceil(demand × (1 + buffer / 100)), minimum, maximum)   buffer 5–2000 %
 *     pool    = what the host can give its Dynamic Memory VMs while keeping its free target
 *     enough  : Σ target ≤ pool → every VM gets its target
 *     contention: every VM keeps its floor (minimum; startup while booting), and the rest of the
 *               pool is divided in proportion to memory weight (0–10000), never past a VM's target
 *     Smart Paging: only a VM that restarts with less than its startup memory available; it
 *               pages the shortfall to disk until the guest has booted.
 */

/** Hyper-V's Dynamic Memory constants as memplane uses them. */
export const HYPERV_POLICY = {
  /** Memory buffer range, percent (Set-VMMemory -Buffer: 5 to 2000). */
  bufferMin: 5,
  bufferMax: 2000,
  /** Memory weight range (memplane: 0–10000, default 5000, the middle of Hyper-V Manager's slider). */
  weightMax: 10_000,
  /** Seconds after power-on memplane counts a guest as booting (the DM driver is not running yet). */
  bootSeconds: 60,
} as const;

/** One Dynamic Memory VM as the balancer sees it, pages. */
export interface DynamicGuest {
  /** Memory demand: the guest's committed memory. */
  demand: number;
  minimum: number;
  startup: number;
  maximum: number;
  bufferPercent: number;
  weight: number;
  /** The guest is still booting: it holds its startup memory. */
  booting: boolean;
}

/** The memory a VM asks for: demand plus the buffer, clamped to [minimum, maximum]. */
export function dynamicTarget(g: Pick<DynamicGuest, "demand" | "bufferPercent" | "minimum" | "maximum">): number {
  const wanted = Math.ceil(g.demand * (1 + g.bufferPercent / 100));
  return Math.min(g.maximum, Math.max(g.minimum, wanted));
}

/** The least a VM holds: its startup memory while booting, its minimum afterwards. */
export function dynamicFloor(g: Pick<DynamicGuest, "booting" | "startup" | "minimum">): number {
  return g.booting ? g.startup : g.minimum;
}

/** What the balancer gives each VM (same order as the input) and whether the host was short. */
export interface DynamicAllocation {
  /** Memory each VM is given, pages. */
  sizes: number[];
  /** The targets (demand + buffer, clamped). */
  targets: number[];
  /** The host could not give every VM its target: memory was divided by weight. */
  contended: boolean;
}

/**
 * Divides `pool` pages between VMs that each hold at least `floor` and want at most `want`:
 * what is left after every floor goes by weight, repeatedly, to the VMs still short (a VM that
 * reaches its want drops out and its share goes to the others). When only weight-0 VMs are
 * still short they share what is left equally. Whole pages, deterministic.
 */
export function divideByWeight(pool: number, floors: readonly number[], wants: readonly number[], weights: readonly number[]): number[] {
  const sizes = floors.slice();
  let left = pool - floors.reduce((s, f) => s + f, 0);
  let open = sizes.map((_, i) => i).filter((i) => wants[i]! > sizes[i]!);
  while (left > 0 && open.length > 0) {
    const weighted = open.filter((i) => weights[i]! > 0);
    const takers = weighted.length > 0 ? weighted : open;
    const total = weighted.length > 0 ? takers.reduce((s, i) => s + weights[i]!, 0) : takers.length;
    let given = 0;
    for (const i of takers) {
      const share = Math.floor((left * (weighted.length > 0 ? weights[i]! : 1)) / total);
      const take = Math.min(share, wants[i]! - sizes[i]!);
      sizes[i]! += take;
      given += take;
    }
    if (given === 0) {
      // rounding left less than one page per taker: the first still short (admission order) gets it
      const i = takers[0]!;
      const take = Math.min(left, wants[i]! - sizes[i]!);
      sizes[i]! += take;
      given = take;
    }
    left -= given;
    open = open.filter((i) => wants[i]! > sizes[i]!);
  }
  return sizes;
}

/** Hyper-V's balancing of one host: every VM's target when the pool holds them all, else the pool divided by weight. */
export function balanceDynamicMemory(pool: number, guests: readonly DynamicGuest[]): DynamicAllocation {
  const floors = guests.map(dynamicFloor);
  const targets = guests.map((g, i) => Math.max(floors[i]!, dynamicTarget(g)));
  const needed = targets.reduce((s, t) => s + t, 0);
  if (needed <= pool) return { sizes: targets, targets, contended: false };
  return { sizes: divideByWeight(pool, floors, targets, guests.map((g) => g.weight)), targets, contended: true };
}

/**
 * Smart Paging (pages paged to disk): only a VM that restarts — not one started from off — with
 * less than its startup memory available on the host, and only while it boots; afterwards none.
 */
export function smartPagingPages(restarting: boolean, booting: boolean, startup: number, available: number): number {
  if (!restarting || !booting) return 0;
  return Math.max(0, startup - available);
}
