/**
 * `npm run soak [-- --ticks 1000000 --every 1000 --example manifests/examples/overcommit-datacenter]`:
 * the long-running check. Applies the example through the public library API, steps it, and
 * every `--every` ticks asks the memory model for §2 invariant violations and samples RSS (after
 * a forced GC when node runs with --expose-gc, which `npm run soak` passes). Exits 1 on the first
 * violation, a failed tick, or memory growth; prints RSS at start, middle and end. Not a test:
 * nothing here runs in `npm test` (see docs/reliability.md for the latest recorded result).
 */
import "reflect-metadata";
import * as fs from "node:fs";
import * as path from "node:path";
import { TOKENS, createEngine, type MemoryModel } from "../src/index.js";

/** Command-line options of the soak run. */
export interface SoakOptions {
  ticks: number;
  every: number;
  example: string;
  seed: number;
  /** Allowed RSS growth from the lowest sample to the last, MiB. */
  maxGrowthMiB: number;
}

/** One sample. */
export interface SoakSample {
  tick: number;
  rssMiB: number;
  heapMiB: number;
  /** Wall-clock seconds since the start (for the report only; the simulation never sees it). */
  elapsedSeconds: number;
}

/** What a soak run found. */
export interface SoakResult {
  options: SoakOptions;
  samples: SoakSample[];
  violations: string[];
  tickErrors: number;
  logEntries: number;
  rssGrowthMiB: number;
  /** Nothing went wrong in the ticks that ran. */
  ok: boolean;
  /** Stopped (Ctrl-C / SIGTERM, or a failure) before `ticks`. */
  stoppedEarly: boolean;
}

/** Parses `--ticks N --every N --example DIR --seed N --max-growth MiB`. */
export function parseSoakArgs(argv: readonly string[]): SoakOptions {
  const options: SoakOptions = { ticks: 1_000_000, every: 1000, example: "manifests/examples/overcommit-datacenter", seed: 1, maxGrowthMiB: 64 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    const whole = (min: number): number => {
      const n = Number(value);
      if (!Number.isSafeInteger(n) || n < min) throw new Error(`${flag}: expected a whole number ≥ ${min}, got "${value}"`);
      return n;
    };
    if (flag === "--ticks") options.ticks = whole(1);
    else if (flag === "--every") options.every = whole(1);
    else if (flag === "--seed") options.seed = whole(0);
    else if (flag === "--max-growth") options.maxGrowthMiB = whole(0);
    else if (flag === "--example") options.example = value;
    else throw new Error(`unknown option ${flag} (known: --ticks --every --example --seed --max-growth)`);
  }
  return options;
}

/** The manifests of an example directory, concatenated as one multi-document text. */
function readExample(dir: string): string {
  const files = fs.readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
  if (files.length === 0) throw new Error(`${dir} holds no manifests`);
  return files.map((f) => fs.readFileSync(path.join(dir, f), "utf8")).join("\n---\n");
}

function sample(tick: number, started: number): SoakSample {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { tick, rssMiB: m.rss / 2 ** 20, heapMiB: m.heapUsed / 2 ** 20, elapsedSeconds: (Date.now() - started) / 1000 };
}

/** Runs the soak; `progress` gets a line at every sample; `stop()` true ends it early (Ctrl-C). */
export async function runSoak(options: SoakOptions, progress: (line: string) => void = () => {}, stop: () => boolean = () => false): Promise<SoakResult> {
  const engine = createEngine({ seed: options.seed });
  engine.apply(readExample(options.example));
  const model = (): MemoryModel => engine.container.get<MemoryModel>(TOKENS.MemoryModel);
  let tickErrors = 0;
  let logEntries = 0;
  engine.ticks$.subscribe((t) => {
    tickErrors += t.errors;
    logEntries += t.logEntries.length;
  });
  const started = Date.now();
  const samples: SoakSample[] = [];
  const violations: string[] = [];
  while (engine.tick < options.ticks && violations.length === 0 && tickErrors === 0 && !stop()) {
    engine.step(Math.min(options.every, options.ticks - engine.tick));
    for (const v of model().invariantViolations()) violations.push(`tick ${engine.tick}: ${v.object}: ${v.message}`);
    const s = sample(engine.tick, started);
    samples.push(s);
    await new Promise((resolve) => setImmediate(resolve)); // lets Ctrl-C in between checks
    progress(`tick ${s.tick}: rss ${s.rssMiB.toFixed(1)} MiB, heap ${s.heapMiB.toFixed(1)} MiB, ${logEntries} log entries, ${s.elapsedSeconds.toFixed(0)} s`);
  }
  // growth is measured from the lowest sample to the last: the first samples still hold the
  // apply's garbage, so measuring from them would hide a leak as large as that garbage
  const rssGrowthMiB = samples.length > 0 ? samples[samples.length - 1]!.rssMiB - Math.min(...samples.map((x) => x.rssMiB)) : 0;
  const ok = violations.length === 0 && tickErrors === 0 && rssGrowthMiB <= options.maxGrowthMiB;
  return { options, samples, violations, tickErrors, logEntries, rssGrowthMiB, ok, stoppedEarly: engine.tick < options.ticks };
}

async function main(): Promise<void> {
  let options: SoakOptions;
  try {
    options = parseSoakArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`soak: ${(e as Error).message}\n`);
    process.exit(2);
  }
  if ((globalThis as { gc?: unknown }).gc === undefined) process.stderr.write("soak: run node with --expose-gc for steadier RSS samples\n");
  let stopping = false;
  const onSignal = (): void => void (stopping = true);
  process.on("SIGINT", onSignal).on("SIGTERM", onSignal);
  const result = await runSoak(options, (line) => process.stderr.write(line + "\n"), () => stopping);
  const s = result.samples;
  const at = (i: number): string => (s[i] ? `tick ${s[i]!.tick}: ${s[i]!.rssMiB.toFixed(1)} MiB` : "-");
  const last = s[s.length - 1];
  process.stdout.write(
    [
      `soak ${result.ok ? (result.stoppedEarly ? "STOPPED EARLY, no failure" : "PASSED") : "FAILED"}: ${options.example}, ${last?.tick ?? 0} of ${options.ticks} ticks, seed ${options.seed}, invariants checked every ${options.every} ticks (${s.length} checks)`,
      `RSS start ${at(0)}, middle ${at(Math.floor(s.length / 2))}, end ${at(s.length - 1)}; growth ${result.rssGrowthMiB.toFixed(1)} MiB (limit ${options.maxGrowthMiB})`,
      `invariant violations: ${result.violations.length}${result.violations.length ? ` (first: ${result.violations[0]})` : ""}; reconcile errors: ${result.tickErrors}; log entries: ${result.logEntries}`,
      `wall-clock: ${last?.elapsedSeconds.toFixed(0) ?? 0} s on node ${process.version}`,
      "",
    ].join("\n"),
  );
  process.exit(result.ok && !result.stoppedEarly ? 0 : 1);
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${path.resolve(process.argv[1])}`).href) void main();
