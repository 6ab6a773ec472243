/**
 * `explainHost`: why a host is in its memory state at a tick — free memory against minFree and
 * each threshold, the last state change and what it set running (docs/memory-model.md §5), and which
 * of its VMs are being reclaimed.
 */
import type { Engine } from "../engine/engine.js";
import { decisionAt, type HostStateDecision } from "../hypervisor/decisions.js";
import { thresholdPages } from "../hypervisor/formulas.js";
import { compressedOf, swappedOf } from "../hypervisor/ledger.js";
import { ExplainError } from "./errors.js";
import type { Explanation } from "./explain-vm.js";
import { hostStateSentence } from "./host-words.js";
import { modelOf, tickToExplain } from "./model-access.js";
import { pct, plural, size, tickAt } from "./words.js";

/** Why a host is in its memory state at `tick` (default: now). */
export function explainHost(engine: Engine, name: string, tick?: number): Explanation {
  const model = modelOf(engine);
  const host = model.host(name);
  if (!host) throw new ExplainError("NotFound", `hosts "${name}" not found`);
  const at = tickToExplain(engine, tick);
  const ts = engine.options.tickSeconds;
  const rec = decisionAt(host.decisions, "hostState", at);
  const records: HostStateDecision[] = rec ? [rec] : [];
  const { spec } = host;
  const mf = spec.minFree;
  const s = spec.states;
  const auto = (engine.store.get("Host", name)?.spec as { minFree?: string } | undefined)?.minFree === "auto";
  const th = (p: number): string => `${size(thresholdPages(p, mf))} (${pct(p)})`;
  const thresholds = `minFree ${size(mf)}${auto ? " (auto: the ESXi 6 sliding scale of capacity)" : ""}; a host enters clear below ${th(s.clear)}, soft below ${th(s.soft)}, hard below ${th(s.hard)}, low below ${th(s.low)}; climbing back needs the threshold + ${pct(s.hysteresis)} hysteresis for ${s.holdSeconds}s.`;
  if (at !== engine.tick) {
    const lines = [`host ${name}, ${tickAt(at, ts)}, from its state-change records:`, hostStateSentence(host, rec, at, ts), thresholds];
    return { text: lines.join("\n") + "\n", records, live: [], tick: at };
  }
  const lines = [
    `host ${name}, ${tickAt(at, ts)}: ${host.state}; free ${size(host.free)} of ${size(spec.capacity)} capacity${spec.vmkernelReserved > 0 ? ` (vmkernel ${size(spec.vmkernelReserved)})` : ""}.`,
    thresholds,
    hostStateSentence(host, rec, at, ts, true, model.vmsOf(host)),
  ];
  const vms = model.vmsOf(host);
  if (vms.length > 0) {
    const usable = spec.capacity - spec.vmkernelReserved;
    const memory = vms.reduce((t, v) => t + v.memory, 0);
    const consumed = vms.reduce((t, v) => t + model.consumed(v), 0);
    const reclaimed = vms
      .map((v) => ({ v, pages: v.balloon + compressedOf(v) + swappedOf(v) }))
      .filter((x) => x.pages > 0)
      .sort((a, b) => b.pages - a.pages);
    const worst = reclaimed
      .slice(0, 3)
      .map(({ v }) => `${v.name} (balloon ${size(v.balloon)}, compressed ${size(compressedOf(v))}, swapped ${size(swappedOf(v))}, stall ${pct(v.stallPercent)})`)
      .join(", ");
    lines.push(
      `${plural(vms.length, "VM")} admitted: configured ${size(memory)} on ${size(usable)} (overcommit ${(memory / usable).toFixed(2)}×), reserved ${size(host.reserved)} (reservations + overhead), consuming ${size(consumed)}.` +
        (reclaimed.length ? ` Reclaimed from ${plural(reclaimed.length, "VM")}; most: ${worst}.` : " Nothing is reclaimed from them."),
    );
  }
  const kept = host.decisions.list();
  if (kept.length > 0) lines.push(`${plural(kept.length, "state change")} kept (oldest at ${tickAt(kept[0]!.tick, ts)}); use --tick N to see an earlier one.`);
  return { text: lines.join("\n") + "\n", records, live: [], tick: at };
}
