/**
 * `npm start` tells the seed's story in a screenful (issue 18 item 3): the text log sums up runs
 * of target changes, while the JSON log of the same run keeps every entry. Assert the story's
 * order and key events, not numbers (fidelity work moves the numbers).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT, memplane, requireBuild } from "./cli-harness.js";

requireBuild();

/** The CLI arguments of package.json's `start` script (it builds first, then runs the CLI; node's own flags, like --single-threaded-gc, are not the CLI's). */
function startArgs(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
  const m = /^npm run build --silent && node (?:--[\w-]+ )*dist\/src\/cli\/main\.js (.+)$/.exec(pkg.scripts.start!);
  expect(m).not.toBeNull();
  expect(pkg.scripts.prestart).toBeUndefined(); // its header would cost `npm start` three more lines
  return m![1]!.split(/\s+/);
}

/** npm prints a blank line, `> memplane@x start` and `> the command` before the script's own output. */
const NPM_HEADER_LINES = 3;

/** MiB of a text-log quantity (`2Gi`, `682.4Mi`, `0`). */
const mib = (q: string): number => parseFloat(q) * ({ Ki: 1 / 1024, Mi: 1, Gi: 1024 } as Record<string, number>)[q.replace(/^[\d.]+/, "") || "Mi"]!;

const lines = (text: string): string[] => text.split("\n").filter((l) => l !== "");

describe("npm start: the seed's story", () => {
  const args = startArgs();

  test("fits a screenful and tells the story's events in order", async () => {
    const r = await memplane(args);
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(NPM_HEADER_LINES + out.length + lines(r.stderr).length).toBeLessThanOrEqual(40);

    const at = (re: RegExp, from = 0): number => {
      const i = out.findIndex((l, n) => n >= from && re.test(l));
      if (i < 0) throw new Error(`no line matching ${re} after line ${from}:\n${out.join("\n")}`);
      return i;
    };
    // the application exits: the guest frees memory, and the host keeps it backed
    const freed = at(/vm\/default\/app\s+GuestFreed .*the guest freed .*keeps it backed/);
    // pressure: the host falls to soft
    const soft = at(/host\/esx-01\s+StateChanged\s+\w+ → soft/, freed);
    // the balloon inflates in app
    const balloon = at(/vm\/default\/app\s+BalloonTargetChanged\s+0 → /, soft);
    // and when it settles, it took guest-free pages and the guest did not swap
    const settled = at(/vm\/default\/app\s+BalloonTargetChanged .*settled at .*guest-free (\S+) → (\S+), guest swap 0\b/, balloon);
    const [, before, after] = /guest-free (\S+) → (\S+),/.exec(out[settled]!)!;
    expect(mib(after!)).toBeLessThan(mib(before!)); // the balloon took guest-free pages
    expect(out.some((l) => /vm\/default\/[\w,-]*\bapp\b[\w,-]*\s+GuestSwapping/.test(l))).toBe(false);
  });

  test("the JSON log of the same run keeps every entry, and -v prints every entry as text", async () => {
    const [text, json, verbose] = await Promise.all([memplane(args), memplane([...args, "--log-format", "json"]), memplane([...args, "-v"])]);
    const entries = lines(json.stdout).map((l) => JSON.parse(l) as { action: string; name: string });
    const logged = (stderr: string): number => Number(/; (\d+) log entries/.exec(stderr)![1]);
    expect(entries).toHaveLength(logged(json.stderr));
    expect(logged(text.stderr)).toBe(entries.length);
    expect(lines(verbose.stdout)).toHaveLength(entries.length);
    // every target change is in the JSON log (and in -v), far more than the story shows
    const changes = entries.filter((e) => e.action === "EntitlementChanged" || e.action === "BalloonTargetChanged").length;
    const storyChanges = lines(text.stdout).filter((l) => /EntitlementChanged|BalloonTargetChanged/.test(l)).length;
    expect(changes).toBeGreaterThan(5 * storyChanges);
    expect(lines(verbose.stdout).filter((l) => /EntitlementChanged|BalloonTargetChanged/.test(l))).toHaveLength(changes);
    // the story's own notes are text only
    expect(entries.some((e) => e.action === "GuestFreed")).toBe(false);
  });
});
