/**
 * The controllers' write path for one tick (docs/memory-model.md §12): status patches,
 * conditions and events are buffered per object while controllers run and written at the end
 * of the tick as ONE status write per object whose status changed, plus the tick's Events.
 *
 * Event retention: Events are deduplicated by (involved object, reason) — a repeat bumps
 * `count`, `lastTimestamp` and `tick` — and at most `maxEvents` are kept; beyond that the ones
 * least recently seen (oldest `tick`, then oldest write) are deleted.
 *
 * Writes are only possible until the tick's flush: a controller that keeps its context (an
 * `async` reconcile after an `await`) is refused with {@link TickEndedError}. The store of an
 * embedder's controller checks every write first (checked-writes.ts).
 */
import { DEFAULT_NAMESPACE, NAMESPACED_KINDS, type Condition, type Kind, type ManifestKind, type MemplaneEvent, type ObjectKey } from "../api/types.js";
import { NotFoundError } from "../store/errors.js";
import type { MemoryStore } from "../store/memory-store.js";
import type { ListOptions } from "../store/types.js";
import { checkCondition, checkEvent, checkStatusPatch } from "./checked-writes.js";
import type { ControllerStore, StatusPatch } from "./controller.js";

/** Events kept in the store by default (oldest deleted beyond this). */
export const DEFAULT_MAX_EVENTS = 1000;

interface PendingStatus {
  kind: Kind;
  name: string;
  namespace: string | undefined;
  status: Record<string, unknown>;
  /** Whether `status.conditions` is this buffer's own array (copied once per tick, then updated in place). */
  ownConditions: boolean;
}

interface PendingEvent {
  kind: ManifestKind;
  name: string;
  namespace: string | undefined;
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  component: string;
}

function namespaceOf(kind: Kind, namespace: string | undefined): string | undefined {
  return NAMESPACED_KINDS.has(kind) ? namespace || DEFAULT_NAMESPACE : undefined;
}

/** A write through a controller's context after its tick ended (e.g. from an async reconcile). */
export class TickEndedError extends Error {
  constructor(tick: number) {
    super(
      `ctx.store writes and ctx.log work only while reconcile runs, and its tick has ended (tick ${tick}); ` +
        "reconcile must be synchronous: code after an await runs after its tick",
    );
    this.name = "TickEndedError";
  }
}

/** Buffers one tick's status, condition and event writes; {@link TickWrites.flush} writes them. */
export class TickWrites {
  /** Keyed by the stored object itself: nothing replaces it in the store until flush. */
  readonly #statuses = new Map<object, PendingStatus>();
  readonly #events: PendingEvent[] = [];
  /** The last key looked up and its buffer: a controller usually writes several parts of one object in a row. */
  #lastKey: { kind: Kind; name: string; namespace: string | undefined } | undefined;
  #lastPending: PendingStatus | undefined;
  /** Set by flush: later writes are refused. */
  #ended = false;

  constructor(
    private readonly store: MemoryStore,
    /** The tick's simulated timestamp (for lastTransitionTime and event times). */
    private readonly now: string,
    private readonly tick: number,
    private readonly maxEvents: number = DEFAULT_MAX_EVENTS,
  ) {}

  /** Whether the tick has been flushed (writes are refused from then on). */
  get ended(): boolean {
    return this.#ended;
  }

  /** Throws {@link TickEndedError} once the tick has been flushed. */
  checkOpen(): void {
    if (this.#ended) throw new TickEndedError(this.tick);
  }

  /**
   * The {@link ControllerStore} one controller sees this tick (events carry its name as
   * source). `checked`: every write is checked and copied first (embedders' controllers).
   */
  forController(component: string, checked = false): ControllerStore {
    const event = (key: ObjectKey, type: "Normal" | "Warning", reason: string, message: string): void => {
      this.checkOpen();
      this.#mustExist(key);
      this.#events.push({ kind: key.kind as ManifestKind, name: key.name, namespace: key.namespace, type, reason, message, component });
    };
    if (!checked) {
      // the built-in controllers read metadata and spec, never status: no status is built for them
      return {
        get: (kind, name, namespace) => this.store.peek(kind, name, namespace),
        list: (kind, options?: ListOptions) => this.store.peekList(kind, options),
        patchStatus: (key, patch) => this.#patch(key, patch as Record<string, unknown>),
        setCondition: (key, condition) => this.#setCondition(key, condition),
        recordEvent: event,
      };
    }
    return {
      get: (kind, name, namespace) => this.store.get(kind, name, namespace),
      list: (kind, options?: ListOptions) => this.store.list(kind, options),
      patchStatus: (key, patch) => {
        this.checkOpen();
        const p = this.#pending(key);
        this.#patch(key, checkStatusPatch(patch, `${p.kind} ${p.namespace === undefined ? "" : `${p.namespace}/`}${p.name}`));
      },
      setCondition: (key, condition) => this.#setCondition(key, checkCondition(condition)),
      recordEvent: (key, type, reason, message) => {
        const checked = checkEvent(type, reason, message);
        event(key, checked.type, checked.reason, checked.message);
      },
    };
  }

  /** Writes every changed status (one write per object) and the tick's events; later writes are refused. */
  flush(): void {
    this.#ended = true;
    for (const p of this.#statuses.values()) {
      try {
        this.store.updateStatus(p.kind, p.name, p.namespace, p.status as never);
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e; // deleted during the tick: nothing to report on
      }
    }
    this.#statuses.clear();
    this.#lastKey = this.#lastPending = undefined;
    this.store.settleWatched(); // open watches see this tick's derived statuses (status on demand)
    for (const e of this.#events) this.#writeEvent(e);
    this.#events.length = 0;
    this.#trimEvents();
  }

  /** Throws NotFoundError unless the object exists. */
  #mustExist(key: ObjectKey): void {
    const namespace = namespaceOf(key.kind, key.namespace);
    if (this.store.peek(key.kind, key.name, namespace) === undefined) throw new NotFoundError(key.kind, key.name, namespace);
  }

  #pending(key: ObjectKey): PendingStatus {
    const last = this.#lastKey;
    if (last !== undefined && last.name === key.name && last.kind === key.kind && last.namespace === key.namespace) return this.#lastPending!;
    const namespace = namespaceOf(key.kind, key.namespace);
    const current = this.store.get(key.kind, key.name, namespace);
    if (current === undefined) throw new NotFoundError(key.kind, key.name, namespace);
    let p = this.#statuses.get(current);
    if (p === undefined) {
      const status = (current as { status?: Record<string, unknown> }).status;
      p = { kind: key.kind, name: key.name, namespace, status: { ...(status ?? {}) }, ownConditions: false };
      this.#statuses.set(current, p);
    }
    this.#lastKey = { kind: key.kind, name: key.name, namespace: key.namespace };
    this.#lastPending = p;
    return p;
  }

  #patch(key: ObjectKey, patch: Record<string, unknown>): void {
    this.checkOpen();
    const p = this.#pending(key);
    Object.assign(p.status, patch);
    if ("conditions" in patch) p.ownConditions = false;
  }

  #setCondition(key: ObjectKey, next: Omit<Condition, "lastTransitionTime">): void {
    this.checkOpen();
    const p = this.#pending(key);
    const conditions = (p.status.conditions as readonly Condition[] | undefined) ?? [];
    const index = conditions.findIndex((c) => c.type === next.type);
    const previous = index >= 0 ? conditions[index] : undefined;
    const condition: Condition = {
      type: next.type,
      status: next.status,
      reason: next.reason,
      message: next.message,
      lastTransitionTime: previous !== undefined && previous.status === next.status ? previous.lastTransitionTime : this.now,
    };
    const updated = p.ownConditions ? (conditions as Condition[]) : [...conditions];
    if (index >= 0) updated[index] = condition;
    else updated.push(condition);
    p.status.conditions = updated;
    p.ownConditions = true;
  }

  #writeEvent(e: PendingEvent): void {
    const namespace = e.namespace !== undefined && NAMESPACED_KINDS.has(e.kind) ? e.namespace : DEFAULT_NAMESPACE;
    const involved = namespaceOf(e.kind, e.namespace);
    const base = `${e.name}.${e.reason.toLowerCase().replace(/[^a-z0-9-]+/g, "-")}`;
    const about = this.store.peek(e.kind, e.name, involved);
    const uid = about?.metadata.uid;
    const involvedObject: MemplaneEvent["involvedObject"] = { kind: e.kind, name: e.name };
    if (involved !== undefined) involvedObject.namespace = involved;
    if (uid !== undefined) involvedObject.uid = uid;
    if (about !== undefined) involvedObject.apiVersion = about.apiVersion;
    for (let n = 1; ; n++) {
      const name = n === 1 ? base : `${base}.${n}`;
      const existing = this.store.get("Event", name, namespace);
      if (existing === undefined) {
        const event: MemplaneEvent = {
          apiVersion: "v1",
          kind: "Event",
          metadata: { name, namespace },
          involvedObject,
          type: e.type,
          reason: e.reason,
          message: e.message,
          source: { component: e.component },
          count: 1,
          firstTimestamp: this.now,
          lastTimestamp: this.now,
          tick: this.tick,
        };
        this.store.create(event);
        return;
      }
      const o = existing.involvedObject;
      if (o.kind === e.kind && o.name === e.name && o.namespace === involved && existing.reason === e.reason && (o.uid === undefined || o.uid === uid)) {
        this.store.update({
          ...(existing as MemplaneEvent),
          involvedObject,
          type: e.type,
          message: e.message,
          source: { component: e.component },
          count: existing.count + 1,
          lastTimestamp: this.now,
          tick: this.tick,
        });
        return;
      }
    }
  }

  #trimEvents(): void {
    const excess = this.store.count("Event") - this.maxEvents;
    if (excess <= 0) return;
    const oldest = [...this.store.list("Event")].sort(
      (a, b) => a.tick - b.tick || Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion),
    );
    for (const e of oldest.slice(0, excess)) this.store.delete("Event", e.metadata.name, e.metadata.namespace);
  }
}
