/** The Events a VM's condition flips record: one per transition, each way, nothing while a condition holds. */
import { transitionEvent } from "../../../src/controllers/status/transition-events.js";
import type { VmRecord } from "../../../src/hypervisor/ledger.js";
import { PAGES_PER_MIB } from "../../../src/hypervisor/formulas.js";

/** Quantities are in 4 KiB pages. */
const MI = PAGES_PER_MIB;

function vm(over: Partial<VmRecord> = {}): VmRecord {
  return {
    phase: "Running",
    balloon: 0,
    balloonTarget: 0,
    balloonMax: 0,
    swapTarget: 0,
    usedSwapped: 0,
    freeSwapped: 0,
    charged: 0,
    spec: { limit: 2048 * MI },
    ...over,
  } as unknown as VmRecord;
}

const on = (type: string) => ({ type, status: "True" as const });
const off = (type: string) => ({ type, status: "False" as const });

describe("transitionEvent", () => {
  test("the balloon inflating is a Normal Ballooning event naming size, target and max; deflating to 0 is BalloonDeflated", () => {
    const inflating = transitionEvent(vm({ balloon: 64 * MI, balloonTarget: 512 * MI, balloonMax: 1024 * MI }), on("Ballooning"), false);
    expect(inflating).toEqual({ type: "Normal", reason: "Ballooning", message: expect.stringMatching(/64Mi .*target 512Mi of max 1Gi/) });
    expect(transitionEvent(vm(), off("Ballooning"), true)).toMatchObject({ type: "Normal", reason: "BalloonDeflated" });
  });

  test("hypervisor swapping is a Warning; the swap file emptied again is SwapReclaimed", () => {
    expect(transitionEvent(vm({ usedSwapped: 32 * MI, swapTarget: 100 * MI }), on("HypervisorSwapping"), false)).toEqual({
      type: "Warning",
      reason: "HypervisorSwapping",
      message: expect.stringMatching(/32Mi in the VM's swap file, swap target 100Mi/),
    });
    expect(transitionEvent(vm(), off("HypervisorSwapping"), true)).toMatchObject({ type: "Normal", reason: "SwapReclaimed" });
  });

  test("going back within the limit is WithinLimit (going over is recorded with its log entry, not here)", () => {
    expect(transitionEvent(vm({ charged: 1500 * MI }), off("OverLimit"), true)).toEqual({
      type: "Normal",
      reason: "WithinLimit",
      message: expect.stringMatching(/vs limit 2Gi \(consumed 1500Mi\)/),
    });
    expect(transitionEvent(vm(), on("OverLimit"), false)).toBeUndefined();
  });

  test("a condition that holds (or one without events) records nothing", () => {
    expect(transitionEvent(vm({ balloon: 64 * MI }), on("Ballooning"), true)).toBeUndefined();
    expect(transitionEvent(vm(), off("HypervisorSwapping"), false)).toBeUndefined();
    expect(transitionEvent(vm(), on("Compressing"), false)).toBeUndefined();
  });
});
