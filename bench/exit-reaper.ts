/**
 * What a bench or test run leaves behind if it ends early: the child processes it started and
 * the temp dirs it made. Add them to {@link live} and {@link liveDirs} (and take them out when
 * stopped) after {@link installExitHook}; whatever is left is killed and removed when the process
 * exits. Shared by the scale-out bench's processes and the tests' throwaway etcd.
 */
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";

/** Child processes to SIGKILL at exit. */
export const live = new Set<ChildProcess>();
/** Directories to remove at exit. */
export const liveDirs = new Set<string>();
let hooked = false;

/** Installs the exit hook (once per process). */
export function installExitHook(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", () => {
    for (const child of live) child.kill("SIGKILL");
    for (const dir of liveDirs) fs.rmSync(dir, { recursive: true, force: true });
  });
}
