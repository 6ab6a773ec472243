/** The command line itself: --help everywhere, exit codes for usage errors, colour rules. */
import { memplane, requireBuild, STACK_LINE, tempDir } from "./cli-harness.js";

const COMMANDS = ["validate", "apply", "get", "delete", "run", "step"];

requireBuild();

describe("memplane usage", () => {
  test.concurrent("--help on the program lists every command and exits 0", async () => {
    const r = await memplane(["--help"]);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^\\s+${c}\\b`, "m"));
    expect(r.stdout).toContain("Exit codes");
  });

  test.concurrent("--help on every command prints its usage and exits 0", async () => {
    const results = await Promise.all(COMMANDS.map((c) => memplane([c, "--help"])));
    results.forEach((r, i) => {
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: memplane ${COMMANDS[i]}`);
      expect(r.stdout).toContain("Examples:");
    });
  });

  test.concurrent("--version prints the package version", async () => {
    const r = await memplane(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  test.concurrent.each([
    ["an unknown command", ["frobnicate"], "unknown command"],
    ["an unknown flag", ["get", "hosts", "--frob"], "unknown option"],
    ["a missing argument", ["get"], "missing required argument"],
    ["a missing -f", ["apply"], "--filename"],
    ["a bad --ticks value", ["step", "--ticks", "ten"], "whole number"],
    ["a bad --duration value", ["run", "-f", "x.yaml", "--duration", "soon"], "duration"],
    ["--ticks with --duration", ["step", "--ticks", "1", "--duration", "1m"], "cannot be used with"],
    ["-n with -A", ["get", "vms", "-n", "prod", "-A"], "cannot be used with"],
    ["an unknown -o format", ["get", "vms", "-o", "xml"], "Allowed choices"],
    ["no command at all", [], "Usage: memplane"],
  ])("%s is a usage error (exit 2)", async (_what, args, fragment) => {
    const r = await memplane(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(fragment);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  test.concurrent("a typo suggests the command meant", async () => {
    const r = await memplane(["aply"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("apply");
  });

  test.concurrent("errors are red only when colour is allowed", async () => {
    const { state } = tempDir();
    const args = ["get", "vm", "nope", "--state", state, "-o", "json"];
    const forced = await memplane(["validate", "-f", "does-not-exist.yaml"], { env: { NO_COLOR: undefined, FORCE_COLOR: "1" } });
    const noColor = await memplane(["validate", "-f", "does-not-exist.yaml"], { env: { NO_COLOR: "1", FORCE_COLOR: "1" } });
    const flag = await memplane(["validate", "-f", "does-not-exist.yaml", "--no-color"], { env: { NO_COLOR: undefined, FORCE_COLOR: "1" } });
    const piped = await memplane(args, { env: { NO_COLOR: undefined } });
    expect(forced.code).toBe(1);
    expect(forced.stderr).toContain("\x1b[31merror:");
    for (const r of [noColor, flag, piped]) expect(r.stderr).not.toContain("\x1b[");
  });
});
