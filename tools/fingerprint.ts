/**
 * Behaviour fingerprints: runs every example under manifests/examples (and a churny generated
 * cluster) through the built CLI, exactly as a user would, and hashes what a user keeps of each
 * run — the JSON log, the saved `state.json` and the memory model's snapshot inside it.
 *
 * The golden hashes live in `test/fixtures/fingerprints.json` and are checked by `npm test`
 * (`test/integration/fingerprints.test.ts`). A refactor must leave them byte-identical; when
 * behaviour changes on purpose, regenerate them with `npm run fingerprint -- --update` and say
 * in the commit which cases changed and why.
 *
 * Usage: `npm run fingerprint [-- --update] [--only NAME...]`
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as yaml from "js-yaml";
import { REPO_ROOT } from "./repo-root.js";

/** The repository root (this file is tools/fingerprint.ts, built to dist/tools/fingerprint.js). */
export { REPO_ROOT };

/** Where the golden hashes are committed. */
export const GOLDEN_FILE = path.join(REPO_ROOT, "test/fixtures/fingerprints.json");

/** The built CLI every case runs. */
const CLI = path.join(REPO_ROOT, "dist/src/cli/main.js");

/** One CLI invocation of a case; `{state}` and `{work}` are replaced by the case's directories. */
type Step = readonly string[];

/** A named run: CLI steps against one fresh state directory, plus optional setup files. */
export interface FingerprintCase {
  name: string;
  steps: readonly Step[];
  /** Writes files into the work directory before the steps run. */
  setup?: (work: string) => void;
}

/** The three hashes of one case (sha256, hex). */
export interface Fingerprint {
  /** Every JSON log line the steps printed, in order. */
  log: string;
  /** The final `state.json`, byte for byte. */
  state: string;
  /** The memory model's snapshot inside it (`engine.model`), as JSON. */
  model: string;
}


const EXAMPLES = path.join(REPO_ROOT, "manifests/examples");

/** `run` of one example directory for `duration`, saving into the case's state directory. */
function runExample(dir: string, duration: string): Step {
  return ["run", "-f", path.join(EXAMPLES, dir), "--duration", duration, "--log-format", "json", "--state", "{state}"];
}

/**
 * The churny generated cluster: three hosts overcommitted 1.8×, run, then a VM deleted, one
 * powered off, one moved to another host, one host switched to the mom policy, and run again.
 */
function churnSetup(work: string): void {
  const gen = spawnCli(["generate", "--hosts", "3", "--vms-per-host", "6", "--overcommit", "1.8", "--seed", "11"]);
  fs.writeFileSync(path.join(work, "cluster.yaml"), gen);
  const objects = yaml.loadAll(gen) as Array<{ kind: string; metadata: { name: string }; spec: Record<string, unknown> }>;
  const byName = (name: string) => {
    const o = objects.find((x) => x.metadata.name === name);
    if (!o) throw new Error(`generated cluster has no ${name}`);
    return o;
  };
  byName("esx-01-vm-002").spec.powerState = "Off";
  byName("esx-02-vm-003").spec.hostName = "esx-03";
  byName("esx-03").spec.policy = "mom";
  const patch = ["esx-01-vm-002", "esx-02-vm-003", "esx-03"].map((n) => yaml.dump(byName(n), { lineWidth: -1 }));
  fs.writeFileSync(path.join(work, "churn.yaml"), patch.join("---\n"));
}

/** Every case, in a fixed order. */
export const CASES: readonly FingerprintCase[] = [
  ...["admission", "balloon-floor", "hyperv-dynamic-memory", "idle-tax", "no-tools", "over-limit", "relief", "reservation-shield", "seed-story", "states-ladder", "classroom-lesson"].map(
    (dir): FingerprintCase => ({ name: dir, steps: [runExample(dir, "15m")] }),
  ),
  { name: "overcommit-datacenter", steps: [runExample("overcommit-datacenter", "5m")] },
  ...["balloon-slow", "balloon-stuck", "guest-swap-exhausted", "swap-datastore-full"].map(
    (dir): FingerprintCase => ({ name: `faults/${dir}`, steps: [runExample(`faults/${dir}`, "3m")] }),
  ),
  {
    name: "faults/dimm-failure",
    steps: [
      runExample("faults/dimm-failure", "1m"),
      ["apply", "-f", path.join(EXAMPLES, "faults/dimm-failure-after"), "--state", "{state}"],
      ["step", "--ticks", "60", "--log-format", "json", "--state", "{state}"],
    ],
  },
  {
    name: "generated-churn",
    setup: churnSetup,
    steps: [
      ["run", "-f", "{work}/cluster.yaml", "--duration", "4m", "--log-format", "json", "--state", "{state}"],
      ["delete", "vm", "esx-01-vm-004", "--state", "{state}"],
      ["apply", "-f", "{work}/churn.yaml", "--state", "{state}"],
      ["step", "--duration", "4m", "--log-format", "json", "--state", "{state}"],
    ],
  },
];

function spawnCli(args: readonly string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  if (r.status !== 0) {
    throw new Error(`memplane ${args.join(" ")} exited ${r.status ?? r.signal}: ${r.stderr.trim()}`);
  }
  return r.stdout;
}

function sha256(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Runs one case in a fresh temporary directory and hashes its outputs. */
export function fingerprintCase(c: FingerprintCase): Fingerprint {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "memplane-fp-"));
  try {
    const state = path.join(work, "state");
    c.setup?.(work);
    const log = createHash("sha256");
    for (const step of c.steps) {
      const out = spawnCli(step.map((a) => a.replaceAll("{state}", state).replaceAll("{work}", work)));
      // only the log lines: apply/delete print their outcomes as text
      for (const line of out.split("\n")) if (line.startsWith("{")) log.update(line + "\n");
    }
    const stateText = fs.readFileSync(path.join(state, "state.json"));
    const saved = JSON.parse(stateText.toString("utf8")) as { engine?: { model?: unknown } };
    return { log: log.digest("hex"), state: sha256(stateText), model: sha256(JSON.stringify(saved.engine?.model ?? null)) };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Reads the committed golden hashes (empty when none are committed yet). */
export function readGolden(): Record<string, Fingerprint> {
  if (!fs.existsSync(GOLDEN_FILE)) return {};
  return (JSON.parse(fs.readFileSync(GOLDEN_FILE, "utf8")) as { cases: Record<string, Fingerprint> }).cases;
}

/** Writes the golden hashes, one case per key in case order. */
export function writeGolden(cases: Record<string, Fingerprint>): void {
  const doc = {
    comment: "Behaviour fingerprints of every example (tools/fingerprint.ts). Regenerate with `npm run fingerprint -- --update` only when behaviour changes on purpose, and say why in the commit.",
    cases,
  };
  fs.writeFileSync(GOLDEN_FILE, JSON.stringify(doc, null, 2) + "\n");
}

/** The fields of `actual` that differ from `expected`. */
export function differences(expected: Fingerprint | undefined, actual: Fingerprint): string[] {
  if (!expected) return ["no golden hash"];
  return (["log", "state", "model"] as const).filter((k) => expected[k] !== actual[k]);
}

function main(argv: readonly string[]): number {
  const update = argv.includes("--update");
  const onlyAt = argv.indexOf("--only");
  const only = onlyAt >= 0 ? argv.slice(onlyAt + 1) : undefined;
  const unknown = argv.filter((a, i) => a.startsWith("--") && a !== "--update" && a !== "--only" && !(onlyAt >= 0 && i > onlyAt));
  if (unknown.length > 0) {
    process.stderr.write(`error: unknown option ${unknown[0]}. Usage: npm run fingerprint [-- --update] [--only NAME...]\n`);
    return 1;
  }
  if (!fs.existsSync(CLI)) {
    process.stderr.write(`error: ${CLI} is missing; run npm run build first.\n`);
    return 1;
  }
  const golden = readGolden();
  const cases = CASES.filter((c) => !only || only.includes(c.name));
  const result: Record<string, Fingerprint> = { ...golden };
  let changed = 0;
  for (const c of cases) {
    const fp = fingerprintCase(c);
    const diff = differences(golden[c.name], fp);
    result[c.name] = fp;
    if (diff.length > 0) changed++;
    process.stdout.write(`${diff.length === 0 ? "same   " : "CHANGED"} ${c.name.padEnd(28)} log ${fp.log.slice(0, 12)} state ${fp.state.slice(0, 12)} model ${fp.model.slice(0, 12)}${diff.length ? `  (${diff.join(", ")})` : ""}\n`);
  }
  if (update) {
    const ordered: Record<string, Fingerprint> = {};
    for (const c of CASES) if (result[c.name]) ordered[c.name] = result[c.name]!;
    writeGolden(ordered);
    process.stdout.write(`wrote ${path.relative(REPO_ROOT, GOLDEN_FILE)} (${changed} case(s) changed); say in the commit why.\n`);
    return 0;
  }
  process.stdout.write(changed === 0 ? `all ${cases.length} fingerprints match\n` : `${changed} of ${cases.length} fingerprints changed; if on purpose: npm run fingerprint -- --update\n`);
  return changed === 0 ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  process.exitCode = main(process.argv.slice(2));
}
