/**
 * The recent changes of the store, for watches that resume (`?watch=1&resourceVersion=N`): a
 * ring of the last `size` watch events of every kind, in resourceVersion order. A watch from N
 * replays the kept events after N and goes on live; when the ring no longer reaches back to N
 * the answer is `410 Gone` (reason `Expired`), and the client re-lists, as with Kubernetes' watch
 * cache. The ring holds references to the store's frozen objects, so it costs no copies.
 */
import type { Observable, Subscription } from "rxjs";
import type { WatchEvent } from "../store/types.js";
import { HttpError } from "./status.js";

/** One kept change and the resourceVersion it made. */
export interface KeptEvent {
  resourceVersion: number;
  event: WatchEvent;
}

/** Default number of events kept. */
export const DEFAULT_WATCH_HISTORY_EVENTS = 10_000;

/** Keeps the store's last changes; call {@link WatchHistory.close} when done. */
export class WatchHistory {
  readonly #ring: (KeptEvent | undefined)[];
  #next = 0;
  #count = 0;
  /** Every change after this resourceVersion is kept (or still to come). */
  #reachesBack: number;
  readonly #subscription: Subscription;

  constructor(
    private readonly store: { readonly resourceVersion: number; changes(): Observable<WatchEvent> },
    size: number = DEFAULT_WATCH_HISTORY_EVENTS,
  ) {
    this.#ring = new Array<KeptEvent | undefined>(size);
    this.#reachesBack = store.resourceVersion;
    // every change, without counting as a watch: statuses nobody observes stay unbuilt
    this.#subscription = store.changes().subscribe((event) => this.#keep(event));
  }

  /** The oldest resourceVersion a watch may resume from. */
  get oldestResumable(): number {
    return this.#reachesBack;
  }

  /** The kept changes after `resourceVersion`, oldest first; 410 Gone when some are no longer kept. */
  since(resourceVersion: number): KeptEvent[] {
    if (resourceVersion < this.#reachesBack) {
      throw new HttpError(410, "Expired", `too old resource version: ${resourceVersion} (${this.#reachesBack})`);
    }
    const out: KeptEvent[] = [];
    const size = this.#ring.length;
    for (let i = 0; i < this.#count; i++) {
      const kept = this.#ring[(this.#next - this.#count + i + size) % size]!;
      if (kept.resourceVersion > resourceVersion) out.push(kept);
    }
    return out;
  }

  /** Forgets everything (after a rollback undid changes watchers saw): resuming works from now on. */
  reset(): void {
    this.#ring.fill(undefined);
    this.#count = 0;
    this.#next = 0;
    this.#reachesBack = this.store.resourceVersion;
  }

  /** Stops listening to the store. */
  close(): void {
    this.#subscription.unsubscribe();
  }

  #keep(event: WatchEvent): void {
    const resourceVersion = Number(event.object.metadata.resourceVersion);
    const size = this.#ring.length;
    if (this.#count === size) {
      this.#reachesBack = this.#ring[this.#next]!.resourceVersion;
    } else this.#count++;
    this.#ring[this.#next] = { resourceVersion, event };
    this.#next = (this.#next + 1) % size;
  }
}
