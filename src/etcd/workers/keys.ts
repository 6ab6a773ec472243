/**
 * Where the simulation workers keep their coordination in etcd (docs/scale-out.md, *Simulation
 * workers*), under `<prefix>/sim/`:
 *
 * | key | value |
 * |---|---|
 * | `sim/workers/<name>` | a live worker (JSON: name, pid, host), attached to its lease |
 * | `sim/election/coordinator/…` | the coordinator election (etcd's own election keys) |
 * | `sim/run` | the current run (JSON: run number, shards, checkpoint period) |
 * | `sim/runs/<run>/assign/<shard>` | the worker the coordinator gave a shard to |
 * | `sim/runs/<run>/owner/<shard>` | the worker holding the shard, attached to that worker's lease |
 * | `sim/runs/<run>/in/<shard>/<seq>` | a call to the shard (a tick's phase, a pull, …) |
 * | `sim/runs/<run>/out/<shard>/<seq>` | its answer |
 * | `sim/runs/<run>/checkpoint/<shard>` | the shard's last checkpoint, and the call it follows |
 * | `sim/runs/<run>/parts/<shard>/<what>-<seq>/<n>` | the parts of values over 1 MiB |
 *
 * Calls, answers and the rest are in separate subtrees so that each side watches only what it
 * reads: a worker the assignments, owners and calls; the coordinator the workers and answers.
 *
 * Sequence numbers and shard numbers are zero-padded so that etcd's byte order is their order.
 */

/** A number as a fixed-width key segment (byte order = numeric order). */
export function pad(n: number): string {
  return String(n).padStart(12, "0");
}

/** The number of a padded key segment (the key's last segment). */
export function lastNumber(key: string): number {
  return Number(key.slice(key.lastIndexOf("/") + 1));
}

/** The key layout of the simulation workers under one prefix. */
export class SimKeys {
  /** Everything the workers and the coordinator share. */
  readonly root: string;
  /** Live workers (one key each, on the worker's lease). */
  readonly workers: string;
  /** The current run. */
  readonly run: string;
  /** The namespace the coordinator election runs in. */
  readonly electionNamespace: string;

  constructor(prefix: string) {
    this.root = `${prefix}/sim/`;
    this.workers = `${this.root}workers/`;
    this.run = `${this.root}run`;
    this.electionNamespace = this.root;
  }

  /** A worker's key. */
  worker(name: string): string {
    return this.workers + name;
  }

  /** Everything of one run. */
  runRoot(run: number): string {
    return `${this.root}runs/${pad(run)}/`;
  }

  /** Which worker a shard is given to. */
  assignPrefix(run: number): string {
    return `${this.runRoot(run)}assign/`;
  }

  assign(run: number, shard: number): string {
    return this.assignPrefix(run) + pad(shard);
  }

  /** Which worker holds a shard (on its lease). */
  ownerPrefix(run: number): string {
    return `${this.runRoot(run)}owner/`;
  }

  owner(run: number, shard: number): string {
    return this.ownerPrefix(run) + pad(shard);
  }

  /** Every shard's calls. */
  inboxes(run: number): string {
    return `${this.runRoot(run)}in/`;
  }

  /** Every shard's answers. */
  outboxes(run: number): string {
    return `${this.runRoot(run)}out/`;
  }

  inbox(run: number, shard: number): string {
    return `${this.inboxes(run)}${pad(shard)}/`;
  }

  outbox(run: number, shard: number): string {
    return `${this.outboxes(run)}${pad(shard)}/`;
  }

  checkpoint(run: number, shard: number): string {
    return `${this.runRoot(run)}checkpoint/${pad(shard)}`;
  }

  /** Where the parts of a shard's call, answer or checkpoint number `seq` go (values over 1 MiB). */
  parts(run: number, shard: number, what: "in" | "out" | "checkpoint", seq: number): string {
    return `${this.partsStart(run, shard, what)}${pad(seq)}/`;
  }

  /** The start of the parts of every `what` of a shard (for range deletes: from here to `parts(…, seq)`). */
  partsStart(run: number, shard: number, what: "in" | "out" | "checkpoint"): string {
    return `${this.runRoot(run)}parts/${pad(shard)}/${what}-`;
  }

  /** What a key under the root is: its run, kind, shard and sequence number (undefined for other keys). */
  parse(key: string): { run: number; kind: "assign" | "owner" | "in" | "out"; shard: number; seq: number } | undefined {
    const m = /^runs\/(\d+)\/(assign|owner)\/(\d+)$/.exec(key.slice(this.root.length));
    if (m !== null) return { run: Number(m[1]), kind: m[2] as "assign" | "owner", shard: Number(m[3]), seq: 0 };
    const c = /^runs\/(\d+)\/(in|out)\/(\d+)\/(\d+)$/.exec(key.slice(this.root.length));
    if (c === null) return undefined;
    return { run: Number(c[1]), kind: c[2] as "in" | "out", shard: Number(c[3]), seq: Number(c[4]) };
  }
}
