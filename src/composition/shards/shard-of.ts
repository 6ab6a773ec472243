/**
 * Which shard each host belongs to. Any assignment gives the same simulation — each host draws
 * from its own random stream and hosts share nothing (docs/memory-model.md §1) — so it is
 * chosen for balance: at the start the hosts go, most VMs first, to the shard with the fewest
 * VMs so far (longest-processing-time first); a host name seen later (a new host, or the host a
 * VM names before it exists) goes to the shard with the fewest VMs then. A host keeps its shard
 * while the shards run; the main thread tells the shards every name it assigns.
 */

/** Host name → shard, balanced by VM count. */
export class HostAssignment {
  readonly #shard = new Map<string, number>();
  readonly #load: number[];
  #added: [string, number][] = [];

  constructor(
    readonly count: number,
    /** VMs per host name at the start (hosts with no VMs included with 0). */
    start: ReadonlyMap<string, number> = new Map(),
  ) {
    this.#load = new Array<number>(count).fill(0);
    const names = [...start.keys()].sort((a, b) => start.get(b)! - start.get(a)! || (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) this.#assign(name, start.get(name)!);
    this.#added = [];
  }

  /** The shard of `hostName`, assigning one (the least loaded) to a name not seen before. */
  of(hostName: string): number {
    return this.#shard.get(hostName) ?? this.#assign(hostName, 0);
  }

  /** Counts `vms` more VMs on the shard of `hostName` (for balancing later names). */
  addLoad(hostName: string, vms: number): void {
    this.#load[this.of(hostName)]! += vms;
  }

  /** Every assignment, as [name, shard] pairs. */
  entries(): [string, number][] {
    return [...this.#shard];
  }

  /** The assignments made since the last call (to tell the shards). */
  takeAdded(): [string, number][] {
    const added = this.#added;
    this.#added = [];
    return added;
  }

  #assign(name: string, load: number): number {
    let best = 0;
    for (let s = 1; s < this.count; s++) if (this.#load[s]! < this.#load[best]!) best = s;
    this.#shard.set(name, best);
    this.#load[best]! += load;
    this.#added.push([name, best]);
    return best;
  }
}
