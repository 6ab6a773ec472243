/**
 * The squeezed controller against XenServer squeezed's proportional policy: every VM gets the
 * same fraction γ of its [reservation, memory] range, γ chosen so the host keeps squeezed's
 * 9 MiB free-memory target, balance checked every 10 s, and targets set in two phases (free
 * before allocating).
 */
import { proportionalTargets } from "../../src/policies/squeezed/squeezed-policy.js";
import { clusterYaml, GI, MI, startCluster, vmPages } from "./policy-cluster.js";

/** γ a VM got: (memory − balloonTarget − reservation) / (memory − reservation). */
function gammaOf(memory: number, reservation: number, balloonTarget: number): number {
  return (memory - balloonTarget - reservation) / (memory - reservation);
}

describe("squeezed proportional arithmetic (Squeeze.Proportional)", () => {
  test("surplus over the free target is shared as one γ of every range", () => {
    const domains = [
      { dynamicMin: 0, dynamicMax: 4 * GI, actual: 2 * GI },
      { dynamicMin: GI, dynamicMax: 2 * GI, actual: 2 * GI },
    ];
    // free 1Gi + freeable (2Gi + 1Gi) − target 1Gi = 3Gi over a total range of 5Gi
    const a = proportionalTargets(GI, GI, domains);
    expect(a.surplus).toBe(3 * GI);
    expect(a.gamma).toBeCloseTo(0.6);
    expect(a.targets).toEqual([Math.floor(0.6 * 4 * GI), GI + Math.floor(0.6 * GI)]);
  });

  test("γ is clamped to [0, 1]", () => {
    expect(proportionalTargets(100 * GI, GI, [{ dynamicMin: 0, dynamicMax: GI, actual: 0 }]).gamma).toBe(1);
    expect(proportionalTargets(0, GI, [{ dynamicMin: GI, dynamicMax: 2 * GI, actual: GI }]).gamma).toBe(0);
  });
});

describe("squeezed controller on a host with spec.policy: squeezed", () => {
  test.concurrent("every VM gets the same γ of its [reservation, memory] range", async () => {
    const { engine, logs } = startCluster(
      clusterYaml("squeezed", [
        { name: "a", memory: "4Gi", allocated: "1Gi" },
        { name: "b", memory: "2Gi", reservation: "1Gi", allocated: "1Gi" },
        { name: "c", memory: "6Gi", reservation: "512Mi", allocated: "1Gi" },
      ]),
    );
    engine.step(60);
    const spec = { a: [4 * GI, 0], b: [2 * GI, GI], c: [6 * GI, 512 * MI] } as const;
    const gammas = Object.entries(spec).map(([name, [m, r]]) => gammaOf(m, r, vmPages(engine, name, "balloonTarget")));
    expect(gammas[0]!).toBeGreaterThan(0.1);
    expect(gammas[0]!).toBeLessThan(1);
    for (const g of gammas) expect(g).toBeCloseTo(gammas[0]!, 3);
    // balloons reach their targets; the reservation is never ballooned
    for (const name of ["a", "b", "c"]) expect(vmPages(engine, name, "balloon")).toBe(vmPages(engine, name, "balloonTarget"));
    expect(vmPages(engine, "b", "balloonMax")).toBe(GI);
    expect(logs.some((l) => l.controller === "squeezed" && l.reason === "SqueezedFreeing")).toBe(true);
    expect(logs.some((l) => l.controller === "balloon" && l.action === "BalloonTargetChanged")).toBe(false);
  });

  test.concurrent("frees before allocating: growing VMs wait until the shrinking VM reached its target", async () => {
    const { engine, logs } = startCluster(
      clusterYaml("squeezed", [
        { name: "a", allocated: "1Gi" },
        { name: "b", allocated: "1Gi" },
        { name: "x", allocated: "1Gi" },
      ]),
    );
    engine.step(60);
    const aBefore = vmPages(engine, "a", "balloonTarget");
    expect(vmPages(engine, "a", "balloon")).toBe(aBefore);
    // a 4Gi VM leaves and a 2Gi one arrives: γ rises (a, b must grow) but y must first shrink
    engine.delete("VirtualMachine", "x", "default");
    engine.apply(clusterYaml("squeezed", [{ name: "y", memory: "2Gi", allocated: "512Mi" }]).split("---\n")[1]!);
    const mark = logs.length;
    engine.step(2);
    // squeezed checks the balance every 10 s (balance_check_interval): nothing moves before tick 70
    expect(vmPages(engine, "y", "balloonTarget")).toBe(0);
    expect(vmPages(engine, "a", "balloonTarget")).toBe(aBefore);
    engine.step(8);
    const yTarget = vmPages(engine, "y", "balloonTarget");
    expect(yTarget).toBeGreaterThan(64 * MI); // more than one tick of inflation: the freeing phase lasts
    expect(vmPages(engine, "y", "balloon")).toBeLessThan(yTarget);
    expect(vmPages(engine, "a", "balloonTarget")).toBe(aBefore); // allocation waits
    engine.step(30);
    expect(vmPages(engine, "a", "balloonTarget")).toBeLessThan(aBefore); // then a grows
    const after = logs.slice(mark).filter((l) => l.controller === "squeezed");
    const yFreeing = after.findIndex((l) => l.name === "y" && l.reason === "SqueezedFreeing");
    const aAllocating = after.findIndex((l) => l.name === "a" && l.reason === "SqueezedAllocating");
    expect(yFreeing).toBeGreaterThanOrEqual(0);
    expect(aAllocating).toBeGreaterThan(yFreeing);
    const g = (name: string, m: number) => gammaOf(m, 0, vmPages(engine, name, "balloonTarget"));
    expect(g("a", 4 * GI)).toBeCloseTo(g("y", 2 * GI), 3);
  });
});
