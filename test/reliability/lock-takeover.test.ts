/**
 * Issue 19 item 1: many writers racing to take over the lock of a dying owner. Each round a
 * child process takes the writer lock and SIGKILLs itself; then eight writer processes race for
 * the stale lock. `MEMPLANE_TEST_LOCK_TAKEOVER_DELAY_MS` widens the window between "the owner
 * is dead" and the takeover, which on the old lock (read owner, judge it dead, `rmSync` the
 * lock) let one waiter delete the lock another had just created: two holders, a lost write.
 * The lock under test is the BUILT one (dist/), driven through real processes.
 */
import { type ChildProcess, fork, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { BIN, STACK_LINE, requireBuild, tempDir } from "../cli/cli-harness.js";

requireBuild();

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), "lock-race-worker.mjs");
const WRITERS = 8;
const ROUNDS = 25;
/** How long the takeover path sleeps between judging the owner dead and taking over (ms). */
const TAKEOVER_DELAY_MS = "40";
/** Rounds of the CLI race (each starts nine processes). */
const CLI_ROUNDS = 1;

interface Answer {
  id: string;
  ok: boolean;
  overlap: boolean;
  error?: string;
}

/** A child process holding the writer lock of a directory until {@link Owner.kill} SIGKILLs it. */
class Owner {
  private constructor(private readonly child: ChildProcess, private readonly exited: Promise<NodeJS.Signals | null>) {}

  /** Starts the owner and resolves once it holds the lock of `dir`. */
  static async lock(dir: string): Promise<Owner> {
    fs.mkdirSync(dir, { recursive: true });
    const child = spawn(process.execPath, [WORKER, "hold", dir], { stdio: ["ignore", "pipe", "inherit"] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("close", (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.setEncoding("utf8").on("data", (d: string) => d.includes("held") && resolve());
      void exited.then(() => reject(new Error("the owner exited before taking the lock")));
    });
    return new Owner(child, exited);
  }

  /** SIGKILLs the owner (a writer dying mid-save) and waits until it is gone, its lock left behind. */
  async kill(): Promise<void> {
    this.child.kill("SIGKILL");
    const signal = await this.exited;
    if (signal !== "SIGKILL") throw new Error(`the owner did not die by SIGKILL (${signal})`);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A long-lived writer process answering one IPC job at a time. */
class Writer {
  private readonly child: ChildProcess;
  private pending: ((a: Answer) => void) | undefined;
  readonly ready: Promise<void>;

  constructor(env: Record<string, string>) {
    this.child = fork(WORKER, ["serve"], { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "inherit", "ipc"] });
    this.ready = new Promise((resolve) => {
      this.child.on("message", (m: Answer | { ready: true }) => {
        if ("ready" in m) resolve();
        else this.pending?.(m);
      });
    });
    this.child.on("exit", (code, signal) => this.pending?.({ id: "?", ok: false, overlap: false, error: `writer exited (${code ?? signal})` }));
  }

  append(dir: string, id: string, holdMs: number): Promise<Answer> {
    return new Promise((resolve) => {
      this.pending = resolve;
      this.child.send({ dir, id, holdMs });
    });
  }

  stop(): void {
    this.child.disconnect();
  }
}

describe("stale lock takeover", () => {
  test(`${WRITERS} writer processes racing a dying owner, ${ROUNDS} rounds: one holder at a time, every acknowledged write kept`, async () => {
    const writers = Array.from({ length: WRITERS }, () => new Writer({ MEMPLANE_TEST_LOCK_TAKEOVER_DELAY_MS: TAKEOVER_DELAY_MS }));
    const problems: string[] = [];
    let nextOwner: Promise<Owner> | undefined;
    try {
      await Promise.all(writers.map((w) => w.ready));
      const { dir } = tempDir();
      const stateOf = (round: number): string => path.join(dir, `round-${round}`);
      // the next round's owner starts while this round runs (process start-up is the slow part)
      nextOwner = Owner.lock(stateOf(1));
      nextOwner.catch(() => undefined);
      for (let round = 1; round <= ROUNDS; round++) {
        const state = stateOf(round);
        const owner = await nextOwner!;
        nextOwner = round < ROUNDS ? Owner.lock(stateOf(round + 1)) : undefined;
        nextOwner?.catch(() => undefined); // awaited next round; a failure surfaces there
        // odd rounds: the owner dies while the writers already wait; even rounds: before they come
        if (round % 2 === 0) await owner.kill();
        const holdMs = round % 3 === 0 ? 1 : 8;
        const answering = Promise.all(writers.map((w, i) => w.append(state, `w${i}`, holdMs)));
        if (round % 2 === 1) {
          await sleep(20);
          await owner.kill();
        }
        const answers = await answering;
        const ledger = JSON.parse(fs.readFileSync(path.join(state, "ledger.json"), "utf8")) as string[];
        for (const a of answers) {
          if (!a.ok) problems.push(`round ${round}: ${a.id} failed: ${a.error}`);
          if (a.overlap) problems.push(`round ${round}: ${a.id} held the lock while another writer did`);
          if (a.ok && !ledger.includes(a.id)) problems.push(`round ${round}: ${a.id}'s acknowledged write is lost`);
        }
        const left = fs.readdirSync(state).filter((f) => f !== "ledger.json");
        if (left.length > 0) problems.push(`round ${round}: left behind: ${left.join(", ")}`);
        if (problems.length > 0) break;
      }
    } finally {
      for (const w of writers) w.stop();
      await nextOwner?.then((o) => o.kill()).catch(() => undefined);
    }
    expect(problems).toEqual([]);
  });
});

const HOST = "apiVersion: memplane.io/v1alpha1\nkind: Host\nmetadata: {name: esx-01}\nspec: {capacity: 64Gi}\n";
const vmYaml = (name: string): string =>
  `apiVersion: memplane.io/v1alpha1\nkind: VirtualMachine\nmetadata: {name: ${name}}\nspec: {hostName: esx-01, memory: 1Gi, workload: {allocated: 50%, active: 50}}\n`;

/** Runs the built CLI; resolves with its exit code and output. */
function memplane(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

describe("stale lock takeover through the CLI", () => {
  test("apply of new VMs from 8 processes racing a dying owner: every VM that answered `created` is present afterwards", async () => {
    const { dir } = tempDir();
    const env = { MEMPLANE_TEST_LOCK_TAKEOVER_DELAY_MS: "300", MEMPLANE_LOCK_TIMEOUT_MS: "60000" };
    const problems: string[] = [];
    for (let round = 1; round <= CLI_ROUNDS; round++) {
      const state = path.join(dir, `state-${round}`);
      const host = path.join(dir, "host.yaml");
      fs.writeFileSync(host, HOST);
      const first = await memplane(["apply", "-f", host, "--state", state], {});
      expect(first.code).toBe(0);
      const owner = await Owner.lock(state);
      const names = Array.from({ length: 8 }, (_, i) => `r${round}-vm-${i}`);
      const applying = Promise.all(
        names.map((name) => {
          const file = path.join(dir, `${name}.yaml`);
          fs.writeFileSync(file, vmYaml(name));
          return memplane(["apply", "-f", file, "--state", state], env);
        }),
      );
      // the owner dies while the applies wait for it (they start in well under 2 s)
      await sleep(2000);
      await owner.kill();
      const results = await applying;
      const saved = JSON.parse(fs.readFileSync(path.join(state, "state.json"), "utf8")) as unknown;
      const text = JSON.stringify(saved);
      results.forEach((r, i) => {
        const name = names[i]!;
        if (r.code !== 0 || STACK_LINE.test(r.stderr)) problems.push(`${name}: exit ${r.code}: ${r.stderr}`);
        if (r.stdout.includes(`virtualmachine/${name} created`) && !text.includes(`"${name}"`)) problems.push(`${name}: answered created, then lost`);
      });
    }
    expect(problems).toEqual([]);
  });
});
