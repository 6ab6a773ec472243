/** ctx.logLazily: entries are built only when someone reads them, in emission order, once. */
import type { Controller } from "../../../src/engine/controller.js";
import type { LogEntry } from "../../../src/engine/log-entry.js";
import { ControllerManager, type TickSummary } from "../../../src/engine/manager.js";
import type { LogBuilder } from "../../../src/engine/tick-log.js";
import { ManualClock } from "../../../src/engine/clock.js";
import type { MemoryModel } from "../../../src/hypervisor/memory-model.js";
import { MemoryStore } from "../../../src/store/memory-store.js";
import { vm } from "../../helpers/builders.js";

/** A manager whose one controller logs a lazy entry and a plain one per VM; `built` counts builder calls. */
function fixture(checked: boolean) {
  const counter = { built: 0 };
  const build: LogBuilder<{ name: string }> = (subject, host, from, to) => {
    counter.built++;
    return { kind: "VirtualMachine", name: subject.name, host, action: "EntitlementChanged", from: String(from), to: String(to), message: `${from} → ${to}` };
  };
  const logger: Controller = {
    name: "entitlement",
    forKind: "VirtualMachine",
    reconcile: (req, ctx) => {
      ctx.logLazily!(build, { name: req.name }, "esx-01", ctx.tick, ctx.tick * 10);
      ctx.log({ kind: "VirtualMachine", name: req.name, action: "Noted", message: "plain" });
    },
  };
  const clock = new ManualClock(1);
  const store = new MemoryStore({ now: () => clock.timeSeconds });
  const manager = new ControllerManager({ store, clock, controllers: [logger], model: () => ({}) as MemoryModel, checkedControllers: checked ? undefined : [] });
  store.apply([vm("a"), vm("b")]);
  return { manager, counter };
}

describe("lazy log entries", () => {
  it("a tick with no logs$ subscriber builds no entries until its summary's entries are read", () => {
    const { manager, counter } = fixture(false);
    const summaries: TickSummary[] = [];
    manager.ticks$.subscribe((s) => summaries.push(s));
    manager.runTick();
    manager.runTick();
    expect(counter.built).toBe(0);
    const first = summaries[0]!.logEntries;
    expect(counter.built).toBe(2);
    expect(first.map((e) => `${e.name} ${e.action} ${e.from ?? ""}→${e.to ?? ""} ${e.message}`)).toEqual([
      "a EntitlementChanged 1→10 1 → 10",
      "a Noted → plain",
      "b EntitlementChanged 1→10 1 → 10",
      "b Noted → plain",
    ]);
    expect(Object.keys(first[0]!)).toEqual(["tick", "time", "controller", "kind", "name", "host", "action", "from", "to", "message"]);
    expect(summaries[0]!.logEntries).toBe(first); // built once
    expect(counter.built).toBe(2);
    expect(summaries[1]!.logEntries[0]!.to).toBe("20");
    expect(counter.built).toBe(4);
  });

  it("a logs$ subscriber gets every entry as it is emitted; the summary holds equal entries, its lazy ones built again when read", () => {
    const { manager, counter } = fixture(false);
    const seen: LogEntry[] = [];
    const sub = manager.logs$.subscribe((e) => seen.push(e));
    const summary = manager.runTick();
    expect(counter.built).toBe(2);
    expect(seen.map((e) => e.action)).toEqual(["EntitlementChanged", "Noted", "EntitlementChanged", "Noted"]);
    // the tick's log did not keep the lazy entries it built for logs$ (they would outlive the young generation), only what builds them
    const entries = summary.logEntries;
    expect(counter.built).toBe(4);
    expect(entries).toEqual(seen);
    expect(entries[1]).toBe(seen[1]); // a plain entry is the object it was
    expect(summary.logEntries).toBe(entries); // and then the same objects on every read
    sub.unsubscribe();
    manager.runTick();
    expect(counter.built).toBe(4);
  });

  it("the entries of a checked (embedder's) controller are built and checked at once", () => {
    const { manager, counter } = fixture(true);
    manager.runTick();
    expect(counter.built).toBe(2);
  });
});
