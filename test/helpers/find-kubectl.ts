/**
 * Finds a `kubectl` for the tests that drive `memplane serve` with the real Kubernetes client,
 * the way find-browser.ts finds a browser: `MEMPLANE_KUBECTL` (when set, it must be an executable:
 * a typo is reported, not papered over), then `kubectl` on `PATH`.
 *
 * {@link kubectlTestPlan} turns the search into what a test does: run with it; skip loudly with
 * the reason and the fix when none is found (or `MEMPLANE_SKIP_KUBECTL=1`); and, when `CI` is
 * set, fail rather than skip for a missing kubectl.
 */
import * as path from "node:path";
import { isCi, realPlaces, type BrowserSearchPlaces } from "./find-browser.js";

/** The fix printed with every "no kubectl" message. */
export const KUBECTL_FIX =
  "install it (Debian/Ubuntu: apt-get install kubernetes-client, or the kubectl binary from https://kubernetes.io/docs/tasks/tools/; macOS: brew install kubectl) or point MEMPLANE_KUBECTL at a kubectl executable";

/** What a kubectl test does on this machine. */
export type KubectlTestPlan = { run: true; executable: string } | { run: false; skip: true; why: string } | { run: false; skip: false; why: string };

/** Searches for kubectl: `MEMPLANE_KUBECTL`, then `PATH`. */
export function findKubectl(places: BrowserSearchPlaces = realPlaces()): { found: true; executable: string } | { found: false; reason: string } {
  const chosen = places.env.MEMPLANE_KUBECTL;
  if (chosen !== undefined && chosen !== "") {
    return places.isExecutable(chosen) ? { found: true, executable: chosen } : { found: false, reason: `MEMPLANE_KUBECTL=${chosen} is not an executable file` };
  }
  const windows = places.platform === "win32";
  for (const dir of (places.env.PATH ?? places.env.Path ?? "").split(windows ? ";" : ":").filter((d) => d !== "")) {
    const file = path.join(dir, windows ? "kubectl.exe" : "kubectl");
    if (places.isExecutable(file)) return { found: true, executable: file };
  }
  return { found: false, reason: "no kubectl on PATH" };
}

/** Decides whether a kubectl test runs, skips (with the reason and the fix) or fails (CI without kubectl). */
export function kubectlTestPlan(places: BrowserSearchPlaces = realPlaces()): KubectlTestPlan {
  if (places.env.MEMPLANE_SKIP_KUBECTL === "1") return { run: false, skip: true, why: "MEMPLANE_SKIP_KUBECTL=1 is set" };
  const search = findKubectl(places);
  if (search.found) return { run: true, executable: search.executable };
  const why = `${search.reason}; ${KUBECTL_FIX}`;
  return isCi(places.env) ? { run: false, skip: false, why: `CI is set, so the kubectl tests may not be skipped: ${why}` } : { run: false, skip: true, why };
}
