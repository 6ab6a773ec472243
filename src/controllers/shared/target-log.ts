/**
 * The log entries of a balloon or swap target change whose message the policy gave as data
 * (`verdict.words`, policies/phrasing.ts): logged lazily, so a tick nobody reads builds no
 * message, and one a shard decided crosses to the main thread as a builder's name and numbers.
 * The entry's strings — host, reason, phrasing and the words' text — travel as one text, the
 * same string for the VMs of a host in a row (it is made again only when one of them changes).
 */
import type { ReconcileContext } from "../../engine/controller.js";
import { type LogBuilder, registerLogBuilder } from "../../engine/tick-log.js";
import type { HostRecord, VmRecord } from "../../hypervisor/ledger.js";
import { phrase, type Words } from "../../policies/phrasing.js";
import { logLazily, q } from "./context.js";

/** Separates the parts of the text (a words' text may hold \u0001: host-state.ts). */
const SEP = "\u0002";

/** A target change's builder for `action`: from and to, then the words' four numbers. */
function targetChange(action: string): LogBuilder<{ namespace: string; name: string }> {
  return registerLogBuilder(action, (vm, text, from, to, a, b, c, d) => {
    const [host, reason, phrasing, said] = partsOf(text);
    return { kind: "VirtualMachine", namespace: vm.namespace, name: vm.name, host, action, from: q(from), to: q(to), reason, message: phrase(phrasing, said, a, b, c, d) };
  });
}

/** The last text split, and its parts (the entries of a host's VMs come in a row with the same text). */
let split: { text: string; parts: [string, string, string, string] } = { text: "", parts: ["", "", "", ""] };

function partsOf(text: string): [string, string, string, string] {
  if (split.text !== text) split = { text, parts: text.split(SEP) as [string, string, string, string] };
  return split.parts;
}

const BUILDERS = { BalloonTargetChanged: targetChange("BalloonTargetChanged"), SwapTargetChanged: targetChange("SwapTargetChanged") };

/** The last text made, and its parts. */
let last = { host: "", reason: "", phrasing: "", said: "", text: "" };

function textOf(host: string, reason: string, w: Words): string {
  const l = last;
  if (l.text !== "" && l.host === host && l.reason === reason && l.phrasing === w.phrasing && l.said === w.text) return l.text;
  last = { host, reason, phrasing: w.phrasing, said: w.text, text: [host, reason, w.phrasing, w.text].join(SEP) };
  return last.text;
}

/** Logs a `BalloonTargetChanged` or `SwapTargetChanged` entry of `vm` from `from` to `to`, its message built from `said` when read. */
export function logTargetChange(ctx: ReconcileContext, action: keyof typeof BUILDERS, vm: VmRecord, host: HostRecord, from: number, to: number, reason: string, said: Words): void {
  logLazily(ctx, BUILDERS[action], vm, textOf(host.name, reason, said), from, to, said.a, said.b, said.c, said.d);
}
