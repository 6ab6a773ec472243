/**
 * The one rule for how many worker threads a tick runs on (engine/workers-option.ts): the
 * option when given, else the machine's cores from DEFAULT_WORKERS_MIN_VMS VMs up, 1 below.
 */
import * as os from "node:os";
import { DEFAULT_WORKERS_MIN_VMS, MAX_WORKERS, workersFor, workersProblem } from "../../../src/engine/workers-option.js";

describe("workersFor(option, vmCount, cores)", () => {
  it("the threshold is 10 000 VMs and the ceiling 256 threads (issue 13; docs/library.md)", () => {
    expect(DEFAULT_WORKERS_MIN_VMS).toBe(10_000);
    expect(MAX_WORKERS).toBe(256);
  });

  it.each([
    // option, VMs, cores → threads
    [undefined, 0, 8, 1],
    [undefined, 9_999, 8, 1],
    [undefined, 10_000, 8, 8],
    [undefined, 100_000, 2, 2],
    [undefined, 1_000_000, 1, 1],
    [undefined, 100_000, 512, 256], // a very wide machine: capped
    [1, 100_000, 8, 1], // asked for: kept, whatever the size
    [3, 0, 2, 3],
    [4, 9_999, 1, 4],
    [256, 10, 2, 256],
  ] as const)("workersFor(%p, %p VMs, %p cores) = %p", (option, vms, cores, expected) => {
    expect(workersFor(option, vms, cores)).toBe(expected);
  });

  it("by default counts this machine's cores (os.availableParallelism())", () => {
    expect(workersFor(undefined, DEFAULT_WORKERS_MIN_VMS)).toBe(Math.min(MAX_WORKERS, os.availableParallelism()));
    expect(workersFor(undefined, DEFAULT_WORKERS_MIN_VMS - 1)).toBe(1);
  });

  it.each([[0], [257], [1.5], [-2], [Number.NaN]])("refuses an option of %p with a RangeError", (bad) => {
    expect(() => workersFor(bad, 10, 2)).toThrow(RangeError);
    expect(workersProblem(bad)).toBe("must be a whole number of threads from 1 to 256");
  });

  it("workersProblem accepts exactly the whole numbers 1 to 256", () => {
    for (const ok of [1, 2, 255, 256]) expect(workersProblem(ok)).toBeUndefined();
    for (const bad of [0, 257, "2", undefined, null, 2.5]) expect(workersProblem(bad)).toBeDefined();
  });
});
