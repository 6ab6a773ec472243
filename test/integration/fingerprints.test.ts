/**
 * Behaviour fingerprints (tools/fingerprint.ts): every example's JSON log, saved state and model
 * snapshot hash to the committed golden values. A refactor must keep them; a deliberate behaviour
 * change regenerates them with `npm run fingerprint -- --update` and says why in its commit.
 */
import * as fs from "node:fs";
import { CASES, GOLDEN_FILE, differences, fingerprintCase, readGolden } from "../../tools/fingerprint.js";

const golden = readGolden();

describe("behaviour fingerprints", () => {
  test("every case has a committed golden hash, and nothing else is committed", () => {
    expect(fs.existsSync(GOLDEN_FILE)).toBe(true);
    expect(Object.keys(golden).sort()).toEqual(CASES.map((c) => c.name).sort());
  });

  test.concurrent.each(CASES.map((c) => [c.name, c] as const))("%s hashes to its golden log, state and model", async (name, c) => {
    const fp = fingerprintCase(c);
    const diff = differences(golden[name], fp);
    if (diff.length > 0) {
      throw new Error(
        `${name}: the ${diff.join(", ")} hash changed. If this behaviour change is deliberate, run \`npm run fingerprint -- --update\` and say in the commit which cases changed and why.`,
      );
    }
  });

  test("a fingerprint notices a run one tick shorter (a quiet tick: same log, other state)", () => {
    const c = CASES.find((x) => x.name === "seed-story")!;
    const shorter = { ...c, steps: [c.steps[0]!.map((a) => (a === "15m" ? "899s" : a))] };
    expect(differences(golden["seed-story"], fingerprintCase(shorter))).toEqual(["state", "model"]);
  });
});
