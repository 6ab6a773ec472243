/**
 * `get events` and `describe` say what happened to a VM's memory (issue #18 item 4): the
 * balloon inflating and deflating, hypervisor swapping, limits — as transitions, deduplicated
 * by object and reason so a long run keeps counts instead of repeats.
 */
import * as path from "node:path";
import { ROOT, memplane, requireBuild, tempDir } from "./cli-harness.js";

requireBuild();

const EXAMPLES = path.join(ROOT, "manifests/examples");

interface EventJson {
  involvedObject: { kind: string; name: string };
  type: string;
  reason: string;
  message: string;
  count: number;
}

/** Runs an example into a fresh state directory; returns the directory. */
async function runExample(example: string, duration = "10m"): Promise<string> {
  const { state } = tempDir();
  const run = await memplane(["run", "-f", path.join(EXAMPLES, example), "--duration", duration, "--state", state, "-q"]);
  expect(run.code).toBe(0);
  return state;
}

/** Every event of a saved simulation, all namespaces. */
async function events(state: string): Promise<EventJson[]> {
  const r = await memplane(["get", "events", "-A", "-o", "json", "--state", state]);
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { items: EventJson[] }).items;
}

const of = (all: EventJson[], name: string, reason: string): EventJson[] => all.filter((e) => e.involvedObject.name === name && e.reason === reason);

describe("events that say what happened", () => {
  test.concurrent("seed-story, applied and stepped 10m as the README's tour does: app's balloon shows in get events and describe", async () => {
    const { state } = tempDir();
    expect((await memplane(["apply", "-f", path.join(EXAMPLES, "seed-story"), "--state", state])).code).toBe(0);
    expect((await memplane(["step", "--duration", "10m", "--state", state, "-q"])).code).toBe(0);
    const get = await memplane(["get", "events", "--state", state]);
    expect(get.code).toBe(0);
    expect(get.stdout).toMatch(/Normal\s+Ballooning\s+virtualmachine\/app\s+balloon driver inflating/);
    const describe = await memplane(["describe", "vm", "app", "--state", state]);
    expect(describe.code).toBe(0);
    const eventsBlock = describe.stdout.slice(describe.stdout.indexOf("\nEvents:"));
    expect(eventsBlock).toMatch(/Normal\s+Admitted/);
    expect(eventsBlock).toMatch(/Normal\s+Ballooning\s+\S+\s+vm-status\s+balloon driver inflating: .* of max /);
  });

  test.concurrent("a fault example records HypervisorSwapping as a Warning for the VMs the hypervisor pages out", async () => {
    const all = await events(await runExample("faults/balloon-stuck"));
    const swapping = of(all, "stuck", "HypervisorSwapping");
    expect(swapping).toHaveLength(1);
    expect(swapping[0]).toMatchObject({ type: "Warning", message: expect.stringMatching(/in the VM's swap file, swap target /) });
  });

  test.concurrent("over-limit records OverLimit as a Warning", async () => {
    const all = await events(await runExample("over-limit"));
    expect(of(all, "limited", "OverLimit")).toEqual([expect.objectContaining({ type: "Warning", count: 1, message: expect.stringMatching(/limit/) })]);
  });

  test.concurrent("recovery is recorded too: once the hog powers off, app's balloon deflates to 0 (BalloonDeflated)", async () => {
    // relief: a hog powers off under pressure; the host returns to high and the balloons deflate
    // (docs/memory-model.md §7). A swap file rarely empties now: cold pages stay swapped.
    const all = await events(await runExample("relief", "10m"));
    expect(of(all, "app", "Ballooning")).toHaveLength(1);
    expect(of(all, "app", "BalloonDeflated")).toEqual([expect.objectContaining({ type: "Normal", message: expect.stringMatching(/deflated/) })]);
  });

  test.concurrent("a balloon that inflates, deflates and inflates again keeps one Ballooning event with count 2", async () => {
    const all = await events(await runExample("hyperv-dynamic-memory"));
    expect(of(all, "vdi", "Ballooning")).toEqual([expect.objectContaining({ count: 2 })]);
    expect(of(all, "vdi", "BalloonDeflated")).toEqual([expect.objectContaining({ type: "Normal", count: 1 })]);
    // transitions only: no VM has more than a handful of balloon events in 10 minutes of ticks
    for (const e of all) expect(e.count).toBeLessThan(50);
  });
});
