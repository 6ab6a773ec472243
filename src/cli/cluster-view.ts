/**
 * What the read-only operator commands (`describe`, `top`) look at: the objects and the
 * simulated clock, either from the saved state directory or from a running `memplane serve`
 * (`--server URL`), so both print the same pages.
 */
import { builtinProfile } from "../api/builtin-profiles.js";
import type { Kind } from "../api/types.js";
import type { Engine } from "../engine/engine.js";
import { CliError } from "./errors.js";
import { RemoteClient, remotePath, serverEpoch } from "./remote/client.js";
import { nowSinceDefaultEpoch } from "../api/timestamps.js";

/** A read-only view of a simulation. */
export interface ClusterView {
  /** One object (GuestOSProfiles fall back to the built-in ones), or undefined. */
  get(kind: Kind, name: string, namespace?: string): Promise<unknown>;
  /** Objects of a kind; every namespace when `namespace` is undefined. */
  list(kind: Kind, namespace?: string): Promise<readonly unknown[]>;
  /** Simulated seconds as of the last read. */
  readonly nowSeconds: number;
  /** The same instant counted from the default epoch: what ages are measured against (printing/age.ts). */
  readonly ageNow: number;
  /** The tick as of the last read, when known. */
  readonly tick: number | undefined;
}

/** A view of an engine restored from the state directory. */
export function engineView(engine: Engine): ClusterView {
  return {
    get: async (kind, name, namespace) => engine.store.get(kind, name, namespace) ?? (kind === "GuestOSProfile" ? builtinProfile(name) : undefined),
    list: async (kind, namespace) => engine.store.list(kind, { namespace }),
    nowSeconds: engine.timeSeconds,
    ageNow: nowSinceDefaultEpoch(engine.timeSeconds, engine.options.epoch),
    tick: engine.tick,
  };
}

/** A view of a running server; the clock is the one of its latest answer. */
export function remoteView(client: RemoteClient): ClusterView {
  const view = {
    nowSeconds: 0,
    ageNow: 0,
    tick: undefined as number | undefined,
    async get(kind: Kind, name: string, namespace?: string): Promise<unknown> {
      try {
        const { value, headers } = await client.request<unknown>("GET", remotePath(kind, namespace, name));
        view.clock(headers);
        return value;
      } catch (err) {
        if (!(err instanceof CliError && err.message.startsWith("Error from server (NotFound)"))) throw err;
        return kind === "GuestOSProfile" ? builtinProfile(name) : undefined;
      }
    },
    async list(kind: Kind, namespace?: string): Promise<readonly unknown[]> {
      const { value, headers } = await client.request<{ items: unknown[] }>("GET", remotePath(kind, namespace));
      view.clock(headers);
      return value.items;
    },
    clock(headers: Headers): void {
      const seconds = Number(headers.get("x-memplane-time-seconds"));
      const tick = Number(headers.get("x-memplane-tick"));
      if (headers.has("x-memplane-time-seconds") && Number.isFinite(seconds)) {
        view.nowSeconds = seconds;
        view.ageNow = nowSinceDefaultEpoch(seconds, serverEpoch(headers));
      }
      if (headers.has("x-memplane-tick") && Number.isSafeInteger(tick)) view.tick = tick;
    },
  };
  return view;
}
