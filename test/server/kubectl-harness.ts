/**
 * What the stock-kubectl tests (kubectl.test.ts, kubectl-writes.test.ts) share: whether they run
 * (test/helpers/find-kubectl.ts: skipped loudly without kubectl, failing when `CI` is set), a
 * `test` that follows that plan, and running kubectl with nothing but a kubeconfig and a private
 * HOME (its discovery cache).
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { kubectlTestPlan } from "../helpers/find-kubectl.js";

/** Whether the kubectl tests run here, and with which executable. */
export const PLAN = kubectlTestPlan();

/** Warns once per test file that its kubectl tests are skipped, with the reason and the fix. */
export function warnIfSkipped(file: string): void {
  if (!PLAN.run && PLAN.skip) console.warn(`${file}: the kubectl tests are SKIPPED: ${PLAN.why}`);
}

/** Throws when kubectl is missing and `CI` is set (call it in `beforeAll`); true when the tests run. */
export function kubectlRuns(): boolean {
  if (!PLAN.run && !PLAN.skip) throw new Error(PLAN.why);
  return PLAN.run;
}

/** A kubectl test: run, skipped with the reason in its name, or (CI without kubectl) run to fail in beforeAll. */
export function kubectlTest(name: string, body: () => Promise<void>): void {
  if (!PLAN.run && PLAN.skip) test.skip(`${name} [skipped: ${PLAN.why}]`, body);
  else test(name, body, 30_000);
}

/** What one kubectl run printed. */
export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment kubectl runs with: only PATH, HOME and KUBECONFIG. */
export function kubectlEnv(home: string, kubeconfig: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: home, KUBECONFIG: kubeconfig };
}

/** Runs kubectl with `env` (see {@link kubectlEnv}); resolves with its exit code and output. */
export function runKubectl(args: readonly string[], env: NodeJS.ProcessEnv): Promise<KubectlResult> {
  if (!PLAN.run) throw new Error(PLAN.why);
  return new Promise((resolve) => {
    execFile(PLAN.executable, args, { env, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === "number" ? err.code : 1, stdout, stderr });
    });
  });
}

/** Starts a long-running kubectl (`get -w`); `stdout()` and `stderr()` are what it has printed so far. */
export function spawnKubectl(args: readonly string[], env: NodeJS.ProcessEnv): { child: ChildProcess; stdout: () => string; stderr: () => string } {
  if (!PLAN.run) throw new Error(PLAN.why);
  const child = spawn(PLAN.executable, args, { env });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
  return { child, stdout: () => out, stderr: () => err };
}
