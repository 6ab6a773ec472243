/** The text log's story: runs of target changes coalesce, the rest passes through, twins share a line. */
import { LogStory, SETTLE_SECONDS, mergeTwins, significant } from "../../../src/cli/output/log-story.js";
import type { LogEntry } from "../../../src/engine/log-entry.js";

const entry = (tick: number, name: string, action: string, from?: string, to?: string, message = "m"): LogEntry => ({
  tick,
  time: `${tick}s`,
  controller: "balloon",
  kind: "VirtualMachine",
  namespace: "default",
  name,
  host: "esx-01",
  action,
  from,
  to,
  reason: "HostStateSoft",
  message,
});

/** Feeds `entries` (one per tick at its tick) and ticks on to `until`, collecting every printed line. */
function tell(entries: LogEntry[], until: number): LogEntry[] {
  const story = new LogStory();
  const out: LogEntry[] = [];
  for (let t = 1; t <= until; t++) {
    for (const e of entries.filter((x) => x.tick === t)) story.entry(e, t);
    out.push(...story.endTick(t, t));
  }
  out.push(...story.finish(until, until));
  return out;
}

describe("LogStory", () => {
  test("a run of balloon target changes is its first change, then one summary when it settles", () => {
    const run = [entry(1, "app", "BalloonTargetChanged", "0", "100Mi")];
    for (let t = 2; t <= 20; t++) run.push(entry(t, "app", "BalloonTargetChanged", `${(t - 1) * 100}Mi`, `${t * 100}Mi`));
    const out = tell(run, 20 + SETTLE_SECONDS + 5);
    expect(out.map((e) => [e.time, e.from, e.to])).toEqual([
      ["1s", "0", "100Mi"],
      [`${20 + SETTLE_SECONDS}s`, "0", "2000Mi"],
    ]);
    expect(out[1]!.message).toBe("settled at 20s after 20 changes since 1s");
  });

  test("a run still changing when the output ends is summed up as still changing", () => {
    const run = [entry(1, "app", "SwapTargetChanged", "0", "10Mi"), entry(2, "app", "SwapTargetChanged", "10Mi", "50Mi")];
    const out = tell(run, 5);
    expect(out).toHaveLength(2);
    expect(out[1]!.message).toBe("still changing: 2 changes since 1s, last at 2s");
  });

  test("small drifts are held and dropped when they end near what was shown; other actions pass through at once", () => {
    const drift = [
      entry(1, "app", "EntitlementChanged", "0", "1000Mi"),
      entry(100, "app", "EntitlementChanged", "1000Mi", "1010Mi"),
      entry(101, "app", "EntitlementChanged", "1010Mi", "1020Mi"),
      entry(102, "app", "StateChanged", "clear", "soft"),
    ];
    const out = tell(drift, 200);
    expect(out.map((e) => e.action)).toEqual(["EntitlementChanged", "StateChanged"]);
  });

  test("a significant first change of a later run is shown", () => {
    expect(significant("1000Mi", "1200Mi")).toBe(true);
    expect(significant("1000Mi", "1050Mi")).toBe(false);
    expect(significant("1000Mi", "0")).toBe(true);
    expect(significant(undefined, "1Mi")).toBe(true);
  });

  test("entries of a tick that differ only in the VM's name share a line", () => {
    const merged = mergeTwins([
      entry(9, "batch-1", "GuestSwapping", undefined, undefined, "guest has 17.9Mi in its own swap"),
      entry(9, "app", "StateChanged", "clear", "soft"),
      entry(9, "batch-2", "GuestSwapping", undefined, undefined, "guest has 17.9Mi in its own swap"),
      entry(9, "batch-3", "GuestSwapping", undefined, undefined, "guest has 20Mi in its own swap"),
    ]);
    expect(merged.map((e) => e.name)).toEqual(["batch-1,batch-2", "app", "batch-3"]);
  });
});
