/**
 * The kubectl search of the kubectl tests, on a fake machine: MEMPLANE_KUBECTL first (a typo is
 * reported), then PATH; a missing kubectl skips outside CI and fails in CI.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { realPlaces, type BrowserSearchPlaces } from "../helpers/find-browser.js";
import { findKubectl, kubectlTestPlan } from "../helpers/find-kubectl.js";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "memplane-kubectl-"));

/** An executable file at `rel` under the temp root. */
function executable(rel: string): string {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, "#!/bin/sh\n", { mode: 0o755 });
  return file;
}

function machine(env: NodeJS.ProcessEnv): BrowserSearchPlaces {
  return { ...realPlaces(), env: { PATH: "", ...env }, platform: "linux", home: root };
}

test("MEMPLANE_KUBECTL comes first and must be an executable; then PATH", () => {
  const mine = executable("mine/kubectl");
  const bin = path.dirname(executable("bin/kubectl"));
  expect(findKubectl(machine({ MEMPLANE_KUBECTL: mine, PATH: bin }))).toEqual({ found: true, executable: mine });
  expect(findKubectl(machine({ PATH: bin }))).toEqual({ found: true, executable: path.join(bin, "kubectl") });
  expect(findKubectl(machine({ MEMPLANE_KUBECTL: path.join(root, "typo"), PATH: bin }))).toEqual({ found: false, reason: `MEMPLANE_KUBECTL=${path.join(root, "typo")} is not an executable file` });
});

test("no kubectl: skip outside CI, fail in CI; MEMPLANE_SKIP_KUBECTL=1 skips anywhere", () => {
  expect(kubectlTestPlan(machine({}))).toMatchObject({ run: false, skip: true });
  const ci = kubectlTestPlan(machine({ CI: "true" }));
  expect(ci).toMatchObject({ run: false, skip: false });
  expect(!ci.run && ci.why).toContain("CI is set, so the kubectl tests may not be skipped: no kubectl on PATH");
  expect(kubectlTestPlan(machine({ CI: "1", MEMPLANE_SKIP_KUBECTL: "1" }))).toMatchObject({ run: false, skip: true });
});
