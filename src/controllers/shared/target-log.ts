/**
 * The log entries of a balloon or swap target change, in one shape. When the policy gave the
 * message as data (`verdict.words`, policies/phrasing.ts) the entry is logged lazily, so a tick
 * nobody reads builds no message, and one a shard decided crosses to the main thread as a
 * builder's name and numbers; otherwise its `message()` is logged at once.
 * The entry's strings — host, reason, phrasing and the words' text — travel as one text, the
 * same string for the VMs of a host in a row (it is made again only when one of them changes).
 */
import type { ReconcileContext } from "../../engine/controller.js";
import { type LogBuilder, registerLogBuilder } from "../../engine/tick-log.js";
import type { LogEntryInput } from "../../engine/log-entry.js";
import type { HostRecord, VmRecord } from "../../hypervisor/ledger.js";
import { phrase, type Words } from "../../policies/phrasing.js";
import { logLazily, q } from "./context.js";

/** Separates the parts of the text (a words' text may hold \u0001: host-state.ts). */
const SEP = "\u0002";

/** The actions logged here. */
type TargetAction = "BalloonTargetChanged" | "SwapTargetChanged";

/** The entry of a target change of `vm` on `host`. */
function targetChange(action: TargetAction, vm: { namespace: string; name: string }, host: string, from: number, to: number, reason: string, message: string): LogEntryInput {
  return { kind: "VirtualMachine", namespace: vm.namespace, name: vm.name, host, action, from: q(from), to: q(to), reason, message };
}

/** A target change's builder for `action`: from and to, then the words' four numbers. */
function targetChangeBuilder(action: TargetAction): LogBuilder<{ namespace: string; name: string }> {
  return registerLogBuilder(action, (vm, text, from, to, a, b, c, d) => {
    const [host, reason, phrasing, said] = partsOf(text);
    return targetChange(action, vm, host, from, to, reason, phrase(phrasing, said, a, b, c, d));
  });
}

/** The last text split, and its parts (the entries of a host's VMs come in a row with the same text). */
let split: { text: string; parts: [string, string, string, string] } = { text: "", parts: ["", "", "", ""] };

function partsOf(text: string): [string, string, string, string] {
  if (split.text !== text) split = { text, parts: text.split(SEP) as [string, string, string, string] };
  return split.parts;
}

const BUILDERS: Record<TargetAction, LogBuilder<{ namespace: string; name: string }>> = {
  BalloonTargetChanged: targetChangeBuilder("BalloonTargetChanged"),
  SwapTargetChanged: targetChangeBuilder("SwapTargetChanged"),
};

/** The last text made, and its parts. */
let last = { host: "", reason: "", phrasing: "", said: "", text: "" };

function textOf(host: string, reason: string, w: Words): string {
  const l = last;
  if (l.text !== "" && l.host === host && l.reason === reason && l.phrasing === w.phrasing && l.said === w.text) return l.text;
  last = { host, reason, phrasing: w.phrasing, said: w.text, text: [host, reason, w.phrasing, w.text].join(SEP) };
  return last.text;
}

/**
 * Logs a `BalloonTargetChanged` or `SwapTargetChanged` entry of `vm` from `from` to `to` with
 * the verdict's reason and message: built from its `words` when read, or its `message()` now.
 */
export function logTargetChange(
  ctx: ReconcileContext,
  action: TargetAction,
  vm: VmRecord,
  host: HostRecord,
  from: number,
  to: number,
  verdict: { reason: string; words?: Words; message: () => string },
): void {
  const said = verdict.words;
  if (said === undefined) ctx.log(targetChange(action, vm, host.name, from, to, verdict.reason, verdict.message()));
  else logLazily(ctx, BUILDERS[action], vm, textOf(host.name, verdict.reason, said), from, to, said.a, said.b, said.c, said.d);
}
