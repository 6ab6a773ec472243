/** Which runs of the CLI go onto worker threads by default (docs/cli.md, *run*). */
import { cliWorkers } from "../../../src/cli/options.js";

describe("cliWorkers", () => {
  it("keeps what --workers or MEMPLANE_WORKERS asked for, whatever the output", () => {
    expect(cliWorkers(3, true)).toBe(3);
    expect(cliWorkers(1, false)).toBe(1);
  });
  it("leaves the engine's default (threads from 10 000 VMs) to runs that read nothing of the model every tick", () => {
    expect(cliWorkers(undefined, false)).toBeUndefined();
  });
  it("keeps runs whose text log, metrics or report read the model every tick on one thread", () => {
    expect(cliWorkers(undefined, true)).toBe(1);
  });
});
