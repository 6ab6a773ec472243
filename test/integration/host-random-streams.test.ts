/**
 * Per-host random streams (docs/memory-model.md §1): a VM draws from its host's stream, so what
 * happens on one host does not depend on the other hosts, and streams survive a snapshot.
 */
import { createEngine, type EngineSnapshot } from "memplane";
import { vmMemory } from "./scenario-harness.js";

const host = (name: string) => `apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: ${name}}
spec:
  capacity: 6Gi
  vmkernelReserved: "0"
  activeMemory: {sampling: true}
`;
const vm = (name: string, hostName: string) => `apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: ${name}}
spec:
  hostName: ${hostName}
  memory: 4Gi
  guestOS: rhel9
  workload: {allocated: 3Gi, active: 60%}
`;
const join = (...docs: string[]) => docs.join("---\n");

/** The memory status of the named VMs after `ticks`. */
function run(text: string, names: readonly string[], ticks: number): Record<string, Record<string, number>> {
  const e = createEngine({ seed: 3 });
  e.apply(text);
  e.step(ticks);
  return Object.fromEntries(names.map((n) => [n, vmMemory(e, n)]));
}

describe("per-host random streams", () => {
  it("a host's VMs come out the same whether or not other hosts are busy next to it", () => {
    const alone = run(join(host("esx-a"), vm("a-1", "esx-a"), vm("a-2", "esx-a")), ["a-1", "a-2"], 120);
    // another overcommitted host whose VMs come first in the store's order and draw every tick
    const crowded = run(join(host("esx-0"), vm("0-1", "esx-0"), vm("0-2", "esx-0"), host("esx-a"), vm("a-1", "esx-a"), vm("a-2", "esx-a")), ["a-1", "a-2", "0-1"], 120);
    expect(crowded["a-1"]).toEqual(alone["a-1"]);
    expect(crowded["a-2"]).toEqual(alone["a-2"]);
    // the two hosts' streams differ: the same VMs on esx-0 are not a copy of esx-a's
    expect(crowded["0-1"]).not.toEqual(crowded["a-1"]);
    expect(alone["a-1"]!.balloon).toBeGreaterThan(0); // the host is busy enough to draw
  });

  it("streams are saved by host name; a snapshot without them (an older state) restores with fresh streams", () => {
    const text = join(host("esx-a"), vm("a-1", "esx-a"), vm("a-2", "esx-a"));
    const e = createEngine({ seed: 3 });
    e.apply(text);
    e.step(30);
    const snap = JSON.parse(JSON.stringify(e.snapshot())) as EngineSnapshot;
    expect(Object.keys(snap.randomStreams ?? {})).toEqual(["esx-a"]);
    const { randomStreams: _streams, ...old } = snap;
    const resumed = createEngine({ seed: 99 });
    resumed.restore(old as EngineSnapshot);
    resumed.step(30);
    expect(resumed.snapshot().randomStreams?.["esx-a"]).toHaveLength(4);
    const bad = { ...snap, randomStreams: { "esx-a": [1, 2, 3] } } as unknown as EngineSnapshot;
    expect(() => createEngine().restore(bad)).toThrow(/randomStreams\["esx-a"\]: random state must be four unsigned 32-bit integers/);
  });

  it("a host deleted and created again starts its stream afresh (as a restored engine would), so the same ticks draw the same", () => {
    const text = join(host("esx-a"), vm("a-1", "esx-a"));
    const e = createEngine({ seed: 3 });
    e.apply(text);
    e.step(20);
    const before = e.snapshot().randomStreams!["esx-a"];
    e.delete("Host", "esx-a");
    e.step(1);
    expect(e.snapshot().randomStreams).toEqual({});
    e.apply(host("esx-a"));
    e.step(20); // the VM is admitted again on the new host and lives the same 20 ticks
    expect(e.snapshot().randomStreams!["esx-a"]).toEqual(before);
  });
});
