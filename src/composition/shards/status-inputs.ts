/**
 * The per-record state controllers keep outside the model, carried between threads with the
 * records (docs/architecture.md, *Worker threads*): the inputs vm-status and host-status record
 * for status on demand, and the power events the reservation controller has still to report.
 * Such a controller has `departing(record)` (its state for the record, as plain data) and
 * `arrived(record, data)` (takes it for the record on this thread, returning a status source
 * when it makes one).
 */
import type { Controller } from "../../engine/controller.js";
import type { HostRecord, VmRecord } from "../../hypervisor/ledger.js";
import type { MemoryModelReader } from "../../hypervisor/model-api.js";
import { hostStampKey, vmStampKey } from "./protocol.js";

/** A controller that hands per-record state over between threads. */
export interface HandOver {
  departing?(record: VmRecord | HostRecord): unknown;
  arrived(record: VmRecord | HostRecord, kept: never): unknown;
}

/** The controller named `name`, if it hands per-record state over. */
export function handOverOf(controllers: readonly Controller[], name: string): HandOver | undefined {
  const c = controllers.find((x) => x.name === name) as Partial<HandOver> | undefined;
  return typeof c?.arrived === "function" ? (c as HandOver) : undefined;
}

/** The status controllers' recorded inputs of every record of `model`, by record key (`host/<name>`, `vm/<namespace>/<name>`). */
export function collectStatusInputs(model: MemoryModelReader, controllers: readonly Controller[]): [string, unknown][] {
  const inputs: [string, unknown][] = [];
  const hostStatus = handOverOf(controllers, "host-status");
  const vmStatus = handOverOf(controllers, "vm-status");
  for (const h of model.hosts()) {
    const data = hostStatus?.departing?.(h);
    if (data !== undefined) inputs.push([hostStampKey(h.name), data]);
  }
  for (const v of model.allVms()) {
    const data = vmStatus?.departing?.(v);
    if (data !== undefined) inputs.push([vmStampKey(v.namespace, v.name), data]);
  }
  return inputs;
}

/**
 * Gives the records of `model` the inputs {@link collectStatusInputs} took on another thread;
 * `made` hears of each status source the controllers make (by kind, namespace and name).
 */
export function adoptStatusInputs(
  model: MemoryModelReader,
  controllers: readonly Controller[],
  inputs: Iterable<readonly [string, unknown]>,
  made: (kind: "Host" | "VirtualMachine", namespace: string | undefined, name: string, source: unknown) => void = () => {},
): void {
  const hostStatus = handOverOf(controllers, "host-status");
  const vmStatus = handOverOf(controllers, "vm-status");
  for (const [key, data] of inputs) {
    const [kind, a, b] = key.split("/") as [string, string, string | undefined];
    if (kind === "host") {
      const host = model.host(a);
      const source = host === undefined ? undefined : hostStatus?.arrived(host, data as never);
      if (source !== undefined) made("Host", undefined, a, source);
    } else {
      const vm = model.vm(a, b!);
      const source = vm === undefined ? undefined : vmStatus?.arrived(vm, data as never);
      if (source !== undefined) made("VirtualMachine", a, b!, source);
    }
  }
}
