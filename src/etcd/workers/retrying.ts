/**
 * How the workers and the coordinator ride out an etcd outage: a call that fails because etcd is
 * unreachable waits until the connection's guard sees etcd again (it reconnects with back-off)
 * and is tried again; any other failure is the caller's.
 */
import type { EtcdConnection } from "../connection.js";
import { isTransient } from "../errors.js";
import { FenceLostError } from "./wire.js";

/** An error's message (anything thrown). */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Runs `fn` (etcd calls) under the guard, again after every outage, until it succeeds or fails for another reason. */
export async function retrying<T>(etcd: EtcdConnection, what: string, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await etcd.guard.call(what, fn);
    } catch (e) {
      if (e instanceof FenceLostError || !isTransient(e)) throw e;
      await etcd.guard.whenUp();
    }
  }
}
