/**
 * Issue 19, Medium 6: `serve` followed a symlink at `<state>/token` and overwrote its target with
 * the token. The token file is now created exclusively (never through a link), a symlink or
 * anything but a regular file there is refused with a clear error, and a `--token-file` that
 * group or others can read draws a warning.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { generateToken, tokenFileWarning, writeTokenFile } from "../../src/server/index.js";
import { BIN, memplane, requireBuild, tempDir } from "../cli/cli-harness.js";

beforeAll(requireBuild);

const posix = process.platform !== "win32";

/** A temp dir with a victim file whose content must survive. */
function victimSetup(): { dir: string; state: string; victim: string } {
  const { dir, state } = tempDir();
  fs.mkdirSync(state);
  const victim = path.join(dir, "victim.txt");
  fs.writeFileSync(victim, "precious\n", { mode: 0o644 });
  return { dir, state, victim };
}

(posix ? test : test.skip)("writeTokenFile refuses a symlink (live or dangling) and leaves its target alone", () => {
  const { dir, state, victim } = victimSetup();
  const file = path.join(state, "token");
  fs.symlinkSync(victim, file);
  expect(() => writeTokenFile(file, generateToken())).toThrow(/is a symbolic link/);
  expect(fs.readFileSync(victim, "utf8")).toBe("precious\n");
  expect(fs.statSync(victim).mode & 0o777).toBe(0o644);

  fs.unlinkSync(file);
  const planned = path.join(dir, "not-yet");
  fs.symlinkSync(planned, file); // dangling: following it would create the attacker's file
  expect(() => writeTokenFile(file, generateToken())).toThrow(/is a symbolic link/);
  expect(fs.existsSync(planned)).toBe(false);
});

(posix ? test : test.skip)("writeTokenFile refuses a directory or FIFO, and replaces a regular file with a fresh 0600 one", () => {
  const { state } = victimSetup();
  const file = path.join(state, "token");
  fs.mkdirSync(file);
  expect(() => writeTokenFile(file, generateToken())).toThrow(/not a regular file/);
  fs.rmdirSync(file);

  fs.writeFileSync(file, "old-token\n", { mode: 0o666 });
  const token = generateToken();
  writeTokenFile(file, token);
  expect(fs.readFileSync(file, "utf8")).toBe(token + "\n");
  expect(fs.lstatSync(file).mode & 0o777).toBe(0o600);
  expect(fs.lstatSync(file).isFile()).toBe(true);
});

(posix ? test : test.skip)("tokenFileWarning names a token file group or others can read", () => {
  const { state } = victimSetup();
  const file = path.join(state, "t");
  fs.writeFileSync(file, generateToken());
  fs.chmodSync(file, 0o600);
  expect(tokenFileWarning(file)).toBeUndefined();
  fs.chmodSync(file, 0o640);
  expect(tokenFileWarning(file)).toMatch(/readable by its group.*chmod 600/);
  fs.chmodSync(file, 0o604);
  expect(tokenFileWarning(file)).toMatch(/readable by other users.*chmod 600/);
});

(posix ? test : test.skip)("memplane serve with a symlink at <state>/token exits 1 with an error and the target untouched", async () => {
  const { state, victim } = victimSetup();
  fs.symlinkSync(victim, path.join(state, "token"));
  const res = await memplane(["serve", "--state", state, "--listen", "127.0.0.1:0", "--speed", "0"]);
  expect(res.code).toBe(1);
  expect(res.stderr).toMatch(/^error: refusing to write the token to .*token: it is a symbolic link/m);
  expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(fs.readFileSync(victim, "utf8")).toBe("precious\n");
  expect(fs.existsSync(path.join(state, "lock"))).toBe(false);
});

(posix ? test : test.skip)("memplane serve warns when --token-file is readable by others", async () => {
  const { dir, state } = victimSetup();
  const tokenFile = path.join(dir, "shared-token");
  fs.writeFileSync(tokenFile, generateToken() + "\n");
  fs.chmodSync(tokenFile, 0o644);
  const child = spawn(process.execPath, [BIN, "serve", "--state", state, "--listen", "127.0.0.1:0", "--speed", "0", "--token-file", tokenFile], {
    env: { ...process.env, NO_COLOR: "1", MEMPLANE_STATE: undefined },
  });
  let stderr = "";
  let stdout = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  try {
    const deadline = Date.now() + 20_000;
    // stdout and stderr are separate pipes: wait for both
    while (!(stdout.includes("serving on") && stderr.includes("chmod")) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    expect(stdout).toContain("memplane serving on");
    expect(stderr).toMatch(/warning: token file .*shared-token is readable by other users .*chmod 600/);
  } finally {
    child.kill("SIGTERM");
  }
  expect(await exited).toBe(0);
});
