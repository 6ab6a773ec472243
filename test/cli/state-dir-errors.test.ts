/**
 * Issue 19 item 13 (state directory parts), through the built CLI: a state directory that
 * cannot be used fails with one `error:` paragraph naming the path, never "internal error",
 * a misleading "no such file" or a long block: a read-only file system, a directory where
 * `state.json`, `log.jsonl`, `metrics.json` or `lock` belongs, an empty lock file.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { BIN, FIXTURES, ROOT, STACK_LINE, memplane, requireBuild, tempDir } from "./cli-harness.js";

const CLUSTER = path.join(FIXTURES, "cluster");

requireBuild();

/** Every byte under `dir`, to show a refused command changed nothing. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const p = path.join(dir, name);
    out[name] = fs.statSync(p).isDirectory() ? "<dir>" : fs.readFileSync(p, "base64");
  }
  return out;
}

/** A populated state directory, made once and copied for each test. */
let template: Promise<string> | undefined;

/** A fresh copy of a populated state directory. */
async function populated(): Promise<string> {
  template ??= (async () => {
    const { state } = tempDir();
    const r = await memplane(["apply", "-f", CLUSTER, "--state", state]);
    if (r.code !== 0) throw new Error(`apply failed: ${r.stderr}`);
    return state;
  })();
  const { state } = tempDir();
  fs.cpSync(await template, state, { recursive: true });
  return state;
}

describe("a directory where a state file belongs", () => {
  test.concurrent.each([
    ["state.json", "get vms"],
    ["state.json", `apply -f ${CLUSTER}`],
    ["log.jsonl", "logs"],
    ["log.jsonl", "step --ticks 1"],
    ["log.jsonl", "logs -f"],
    ["metrics.json", "step --ticks 1"],
  ])("%s is a directory: `memplane %s` fails naming it and changes nothing", async (file, command) => {
    const args = command.split(" ");
    const state = await populated();
    fs.rmSync(path.join(state, file), { force: true });
    fs.mkdirSync(path.join(state, file));
    const before = snapshot(state);
    const r = await memplane([...args, "--state", state]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: ${path.join(state, file)} is a directory, but memplane keeps a file there; move it aside (or pass another --state DIR)\n`);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(snapshot(state)).toEqual(before);
  });

  test.concurrent("an empty directory at lock holds nothing: the writer takes it", async () => {
    const state = await populated();
    fs.mkdirSync(path.join(state, "lock"));
    const r = await memplane(["step", "--ticks", "1", "-q", "--state", state], { env: { MEMPLANE_LOCK_TIMEOUT_MS: "0" } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(state, "lock"))).toBe(false);
  });

  test.concurrent("a directory at lock holding something else is refused at once, naming it", async () => {
    const state = await populated();
    fs.mkdirSync(path.join(state, "lock"));
    fs.writeFileSync(path.join(state, "lock", "keep.txt"), "x");
    const before = snapshot(state);
    const started = Date.now();
    // with a 60 s lock wait, an answer well before it means the writer did not wait at all
    // (a wide margin, so a loaded machine's slow start cannot fail the test)
    const r = await memplane(["apply", "-f", CLUSTER, "--state", state], { env: { MEMPLANE_LOCK_TIMEOUT_MS: "60000" } });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error: state directory ${state} cannot be locked: ${path.join(state, "lock")} is not a memplane lock (a directory holding "keep.txt"); remove it if no memplane is using the directory\n`,
    );
    expect(snapshot(state)).toEqual(before);
  });
});

describe("a state directory that cannot be created", () => {
  test.concurrent("a file in its place is named as such", async () => {
    const { dir } = tempDir();
    const file = path.join(dir, "state");
    fs.writeFileSync(file, "");
    const r = await memplane(["apply", "-f", CLUSTER, "--state", file]);
    expect(r.stderr).toBe(`error: cannot create state directory ${file}: it is a file, not a directory\n`);
    expect(r.code).toBe(1);
  });

  (process.platform === "linux" ? test.concurrent : test.concurrent.skip)("under /proc it fails at once (recursive mkdir spun forever there)", async () => {
    const r = await memplane(["apply", "-f", CLUSTER, "--state", "/proc/memplane-no-such/state"]);
    expect(r.stderr).toBe("error: cannot create state directory /proc/memplane-no-such/state (/proc/memplane-no-such): no such file or directory\n");
    expect(r.code).toBe(1);
  });
});

describe("an empty lock file", () => {
  test.concurrent("(a writer killed between creating and filling it) is taken over, not waited out", async () => {
    const state = await populated();
    fs.writeFileSync(path.join(state, "lock"), "");
    const started = Date.now();
    // a 60 s wait: success well before it means the empty lock was taken over, not timed out
    const r = await memplane(["step", "--ticks", "1", "-q", "--state", state], { env: { MEMPLANE_LOCK_TIMEOUT_MS: "60000" } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

/** True when this machine lets us mount a read-only tmpfs in a private mount namespace. */
function canMountReadOnly(): boolean {
  const r = spawnSync("unshare", ["-rm", "sh", "-c", 'd=$(mktemp -d) && mount -t tmpfs -o ro tmpfs "$d" && umount "$d"; r=$?; rmdir "$d"; exit $r'], { stdio: "ignore" });
  return r.status === 0;
}

/** Runs the CLI with a read-only tmpfs mounted at `mountPoint` (in a private mount namespace). */
function memplaneOnReadOnly(mountPoint: string, args: string[]): { code: number | null; stderr: string } {
  const script = 'mount -t tmpfs -o ro tmpfs "$1" && shift && exec "$@"';
  const r = spawnSync("unshare", ["-rm", "sh", "-c", script, "sh", mountPoint, process.execPath, BIN, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { code: r.status, stderr: r.stderr };
}

const readOnlyTest = process.platform === "linux" && canMountReadOnly() ? test : test.skip;

describe("a read-only file system", () => {
  readOnlyTest("is reported as read-only, for a state directory to create and for an existing one", () => {
    const { dir } = tempDir();
    const mount = path.join(dir, "ro");
    fs.mkdirSync(mount);
    const create = memplaneOnReadOnly(mount, ["apply", "-f", CLUSTER, "--state", path.join(mount, "state")]);
    expect(create.stderr).toBe(`error: cannot create state directory ${path.join(mount, "state")}: read-only file system\n`);
    expect(create.code).toBe(1);
    const existing = memplaneOnReadOnly(mount, ["step", "--state", mount]);
    expect(existing.stderr).toBe(`error: cannot take the writer lock of state directory ${mount}: read-only file system\n`);
    expect(existing.code).toBe(1);
  });
});
