/**
 * A shard's tick transcript as data that crosses threads, and the merge of several shards'
 * transcripts into the single-engine order (docs/library.md, *Log formats*: Scenario steps,
 * then controller order, then the store's object order).
 *
 * Each item is tagged with its {@link TickPosition}: controller index, phase, and the object
 * being reconciled as an object id (`oid`, handed out by the coordinator; -1 for none). Within
 * one shard the items already come in that order; across shards the coordinator compares
 * (controller, phase, rank of the object in the main store's order). Finished entries travel
 * as columns — repeated fields (controller, kind, namespace, host, action, reason) as indexes
 * into a table of names, the others as strings — which cross threads far faster than objects,
 * and become LogEntry objects on the main thread only when someone reads the log. Lazy entries
 * travel as the builder's name, the subject's oid, one text and six numbers, and are built on
 * the main thread as the merge reaches them — also when `logs$` has a subscriber: built in the
 * shards, they stayed alive for the whole tick and its merge, and that garbage, promoted on
 * both threads, cost more than building them in parallel saved (docs/performance.md, *Session 9*).
 */
import type { ObjectKey } from "../../api/types.js";
import type { LogEntry, LogEntryInput } from "../../engine/log-entry.js";
import { type LogBuilder, logBuilderName, logBuilderNamed } from "../../engine/tick-log.js";
import type { DelegatedTick } from "../../engine/manager.js";
import type { TickPosition, TranscriptSink } from "../../engine/tick-transcript.js";
import { float64Column, int32Column, uint8Column } from "../../engine/growable-column.js";

/** Item kinds. */
const ENTRY = 0;
const LAZY = 1;
const EVENT = 2;

/** An entry item of a transcript as the input of a log entry (a {@link LogBuilder}: `j` is the entry's index). */
const entryOfColumns: LogBuilder<Transcript> = (t, _text, j) => {
  const r = t.entryRefs;
  const x = t.entryTexts;
  const k = j * 6;
  const flags = t.entryFlags[j]!;
  const input: LogEntryInput = { kind: t.names[r[k + 1]!]! as LogEntryInput["kind"], name: x[j * 4]!, action: t.names[r[k + 4]!]!, message: x[j * 4 + 3]! };
  if (r[k + 2]! >= 0) input.namespace = t.names[r[k + 2]!]!;
  if (r[k + 3]! >= 0) input.host = t.names[r[k + 3]!]!;
  if ((flags & 1) !== 0) input.from = x[j * 4 + 1]!;
  if ((flags & 2) !== 0) input.to = x[j * 4 + 2]!;
  if (r[k + 5]! >= 0) input.reason = t.names[r[k + 5]!]!;
  return input;
};

/** An entry item of a transcript as a finished LogEntry (field order of orderedEntry in engine/tick-log.ts). */
function finishedEntry(t: Transcript, j: number, tick: number, time: string): LogEntry {
  const r = t.entryRefs;
  const x = t.entryTexts;
  const n = t.names;
  const k = j * 6;
  const flags = t.entryFlags[j]!;
  const entry = { tick, time, controller: n[r[k]!]!, kind: n[r[k + 1]!]! } as LogEntry;
  if (r[k + 2]! >= 0) entry.namespace = n[r[k + 2]!]!;
  entry.name = x[j * 4]!;
  if (r[k + 3]! >= 0) entry.host = n[r[k + 3]!]!;
  entry.action = n[r[k + 4]!]!;
  if ((flags & 1) !== 0) entry.from = x[j * 4 + 1]!;
  if ((flags & 2) !== 0) entry.to = x[j * 4 + 2]!;
  if (r[k + 5]! >= 0) entry.reason = n[r[k + 5]!]!;
  entry.message = x[j * 4 + 3]!;
  return entry;
}

/** One Event of a transcript. */
interface EventItem {
  component: string;
  key: ObjectKey;
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

/** A finished shard transcript (structured-cloneable). */
export interface Transcript {
  /** Per item: controller index, phase, object id (3 numbers). */
  positions: Int32Array;
  /** Per item: {@link ENTRY}, {@link LAZY} or {@link EVENT}. */
  kinds: Uint8Array;
  /** Per Event item, in order: an {@link EventItem}. */
  items: unknown[];
  /** The names entry and lazy items refer to (controllers, builders, kinds, actions, texts…). */
  names: string[];
  /** Per entry item: controller, kind, namespace, host, action, reason (indexes into `names`, -1 for none). */
  entryRefs: Int32Array;
  /** Per entry item: name, from, to, message (`from`/`to` as "" when absent: see `entryFlags`). */
  entryTexts: string[];
  /** Per entry item: bit 0 `from` is given, bit 1 `to` is given. */
  entryFlags: Uint8Array;
  /** Per lazy item: controller name, builder name and text (indexes into `names`), subject oid. */
  lazyRefs: Int32Array;
  /** Per lazy item: six numbers. */
  lazyNumbers: Float64Array;
}

/** Collects a shard's tick (a {@link TranscriptSink}); {@link finish} hands it over. */
export class TranscriptBuilder implements TranscriptSink {
  // shared columns, handed over as views (engine/growable-column.ts): the main thread merges
  // them before this shard's next tick writes to them
  readonly #positions = int32Column(undefined, true);
  readonly #kinds = uint8Column(undefined, true);
  #items: unknown[] = [];
  #names: string[] = [];
  readonly #nameIndex = new Map<string, number>();
  readonly #lazyRefs = int32Column(undefined, true);
  readonly #lazyNumbers = float64Column(undefined, true);
  readonly #entryRefs = int32Column(undefined, true);
  #entryTexts: string[] = [];
  readonly #entryFlags = uint8Column(undefined, true);
  /** The last object looked up and its id (a controller logs several items per object in a row). */
  #lastObject: unknown;
  #lastOid = -1;
  /** Object ids by stored object (a replica's objects stay the same until replaced). */
  readonly #oidOf = new WeakMap<object, number>();

  constructor(
    /** The oid of a stored object (by kind, namespace, name), -1 when unknown. */
    private readonly oidOfObject: (kind: string, namespace: string | undefined, name: string) => number,
    /** The oid of a lazy entry's subject (a model record), -1 when unknown. */
    private readonly oidOfSubject: (subject: unknown) => number,
  ) {}

  entry(at: TickPosition, controller: string, input: LogEntryInput): void {
    this.#push(at, ENTRY, undefined);
    const { namespace, host, reason } = input;
    this.#entryRefs.push6(
      this.#name(controller),
      this.#name(String(input.kind)),
      namespace === undefined ? -1 : this.#name(namespace),
      host === undefined ? -1 : this.#name(host),
      this.#name(String(input.action)),
      reason === undefined ? -1 : this.#name(reason),
    );
    const from = input.from === undefined ? undefined : String(input.from);
    const to = input.to === undefined ? undefined : String(input.to);
    this.#entryTexts.push(String(input.name), from ?? "", to ?? "", String(input.message ?? ""));
    this.#entryFlags.push((from === undefined ? 0 : 1) | (to === undefined ? 0 : 2));
  }

  lazy(at: TickPosition, controller: string, build: LogBuilder<unknown>, subject: unknown, text: string, a: number, b: number, c: number, d: number, e: number, f: number): void {
    const name = logBuilderName(build as LogBuilder<never>);
    const oid = name === undefined ? -1 : this.oidOfSubject(subject);
    if (name === undefined || oid < 0) {
      this.entry(at, controller, build(subject, text, a, b, c, d, e, f));
      return;
    }
    this.#push(at, LAZY, undefined);
    const refs = this.#lazyRefs;
    refs.push(this.#name(controller));
    refs.push(this.#name(name));
    refs.push(this.#name(text));
    refs.push(oid);
    this.#lazyNumbers.push6(a, b, c, d, e, f);
  }

  event(at: TickPosition, component: string, key: ObjectKey, type: "Normal" | "Warning", reason: string, message: string): void {
    const item: EventItem = { component, key: { kind: key.kind, name: key.name, ...(key.namespace !== undefined && { namespace: key.namespace }) }, type, reason, message };
    this.#push(at, EVENT, item);
  }

  /**
   * The tick's transcript; the builder starts empty again. Its typed arrays are views of the
   * builder's shared columns: they hold until this builder's next tick.
   */
  finish(): Transcript {
    const t: Transcript = {
      positions: this.#positions.view(),
      kinds: this.#kinds.view(),
      items: this.#items,
      names: this.#names,
      lazyRefs: this.#lazyRefs.view(),
      lazyNumbers: this.#lazyNumbers.view(),
      entryRefs: this.#entryRefs.view(),
      entryTexts: this.#entryTexts,
      entryFlags: this.#entryFlags.view(),
    };
    this.#items = [];
    this.#names = [];
    this.#nameIndex.clear();
    this.#entryTexts = [];
    this.#lastObject = undefined;
    return t;
  }

  #push(at: TickPosition, kind: number, item: unknown): void {
    const o = at.object;
    let oid = -1;
    if (o !== undefined) {
      if (o !== this.#lastObject) {
        this.#lastObject = o;
        let known = this.#oidOf.get(o);
        if (known === undefined) {
          known = this.oidOfObject(o.kind, o.metadata.namespace, o.metadata.name);
          if (known >= 0) this.#oidOf.set(o, known);
        }
        this.#lastOid = known;
      }
      oid = this.#lastOid;
    }
    this.#positions.push3(at.controller, at.phase, oid);
    this.#kinds.push(kind);
    if (kind === EVENT) this.#items.push(item);
  }

  #name(name: string): number {
    let i = this.#nameIndex.get(name);
    if (i === undefined) {
      i = this.#names.length;
      this.#names.push(name);
      this.#nameIndex.set(name, i);
    }
    return i;
  }
}

/**
 * Writes the shards' transcripts into the main thread's tick in the canonical order: a k-way
 * merge by (controller, phase, rank of the object), `rank(oid)` being the object's place in
 * the main store's list of its kind. `subject(oid)` gives lazy builders their subject's names.
 */
export function replayTranscripts(
  transcripts: readonly Transcript[],
  tick: DelegatedTick,
  rank: (oid: number) => number,
  subject: (oid: number) => { namespace: string; name: string },
): void {
  const cursors = transcripts.map(() => 0);
  const lengths = transcripts.map((t) => t.kinds.length);
  const observed = tick.logsObserved();
  /** Per shard: the next Event item, entry item and lazy item. */
  const next = transcripts.map(() => ({ item: 0, entry: 0, lazy: 0 }));
  for (;;) {
    let best = -1;
    let bc = 0, bp = 0, br = 0;
    for (let s = 0; s < transcripts.length; s++) {
      const i = cursors[s]!;
      if (i >= lengths[s]!) continue;
      const pos = transcripts[s]!.positions;
      const c = pos[i * 3]!, p = pos[i * 3 + 1]!, oid = pos[i * 3 + 2]!;
      const r = oid < 0 ? -1 : rank(oid);
      if (best < 0 || c < bc || (c === bc && (p < bp || (p === bp && r < br)))) {
        best = s;
        bc = c;
        bp = p;
        br = r;
      }
    }
    if (best < 0) return;
    // every item of the same position (one object) from this shard, in a row
    const t = transcripts[best]!;
    let i = cursors[best]!;
    const oid = t.positions[i * 3 + 2]!;
    const n = next[best]!;
    do {
      replayItem(t, i, n, tick, subject, observed);
      i++;
    } while (i < lengths[best]! && t.positions[i * 3]! === bc && t.positions[i * 3 + 1]! === bp && t.positions[i * 3 + 2]! === oid);
    cursors[best] = i;
  }
}

function replayItem(t: Transcript, i: number, next: { item: number; entry: number; lazy: number }, tick: DelegatedTick, subject: (oid: number) => { namespace: string; name: string }, observed: boolean): void {
  switch (t.kinds[i]) {
    case ENTRY: {
      // made into an object only when read: now, in its final shape, if logs$ has a subscriber
      const j = next.entry++;
      // the log keeps the columns either way: an entry built for logs$ is not kept (it would be promoted)
      if (observed) tick.emitEntry(finishedEntry(t, j, tick.tick, tick.time), entryOfColumns, t, "", j);
      else tick.emitLazily(t.names[t.entryRefs[j * 6]!]!, entryOfColumns, t, "", j);
      return;
    }
    case EVENT: {
      const e = t.items[next.item++] as EventItem;
      tick.event(e.component, e.key, e.type, e.reason, e.message);
      return;
    }
    default: {
      const j = next.lazy++;
      const refs = t.lazyRefs;
      const names = t.names;
      const build = logBuilderNamed(names[refs[j * 4 + 1]!]!)!;
      const n = t.lazyNumbers;
      const k = j * 6;
      tick.emitLazily(names[refs[j * 4]!]!, build, subject(refs[j * 4 + 3]!), names[refs[j * 4 + 2]!]!, n[k]!, n[k + 1]!, n[k + 2]!, n[k + 3]!, n[k + 4]!, n[k + 5]!);
    }
  }
}
