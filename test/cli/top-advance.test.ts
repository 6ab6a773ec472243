/**
 * `memplane top --advance D` plays a saved state (issue 18 item 9): each screen first steps the
 * state by D and saves it, so the clock, the log and `get` all move on.
 */
import { memplane, requireBuild, tempDir } from "./cli-harness.js";

requireBuild();

test("top --once --advance 5m steps the saved state five minutes, saves it, and shows the new tick", async () => {
  const { state } = tempDir();
  expect((await memplane(["apply", "-f", "manifests/examples/seed-story", "--state", state])).code).toBe(0);
  const top = await memplane(["top", "--once", "--advance", "5m", "--state", state]);
  expect(top.code).toBe(0);
  expect(top.stdout.split("\n")[0]).toContain("tick 300 (5m0s)");
  expect((await memplane(["clock", "--state", state])).stdout).toMatch(/\n300\s+5m0s\s+1s\s+-\s+saved/);
  const logs = await memplane(["logs", "--since-tick", "60", "--state", state]);
  expect(logs.stdout).toContain("EntitlementChanged"); // the ticks it ran were logged like step's
  const again = await memplane(["top", "--once", "--advance", "30s", "--state", state]);
  expect(again.stdout.split("\n")[0]).toContain("tick 330 (5m30s)");
});

test("--advance is for saved states; clock pause/resume/speed are for servers", async () => {
  const top = await memplane(["top", "--once", "--advance", "1m", "--server", "http://127.0.0.1:9"], { env: { MEMPLANE_TOKEN: "x" } });
  expect(top.code).toBe(2);
  expect(top.stderr).toContain("--advance steps a saved state");
  const { state } = tempDir();
  const clock = await memplane(["clock", "resume", "--state", state]);
  expect(clock.code).toBe(2);
  expect(clock.stderr).toContain("clock resume drives a running server");
});
