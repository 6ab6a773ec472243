/**
 * `npm run bench:rss [-- --vms 100000 --ticks 61 --seed 1]`: where the engine's memory is. Builds
 * the benchmark's busy cluster (bench/clusters.ts) through the public library API with no log
 * reader, runs the busy ticks, and prints RSS, V8 heap committed and in use, array buffers and
 * external memory after a full GC (node runs with --expose-gc, which the npm script passes),
 * after apply, after the first tick and after the last, with the median busy tick (wall and
 * CPU). Not a test: the numbers go in docs/performance.md (*Where the time goes after part 2*).
 */
import "reflect-metadata";
import * as path from "node:path";
import { createEngine } from "../src/index.js";
import { busyCluster } from "./clusters.js";

/** Command-line options of the RSS measurement. */
export interface RssOptions {
  vms: number;
  ticks: number;
  seed: number;
}

/** Parses `--vms N --ticks N --seed N`. */
export function parseRssArgs(argv: readonly string[]): RssOptions {
  const options: RssOptions = { vms: 100_000, ticks: 61, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = Number(argv[++i]);
    if (!Number.isInteger(value) || value < 1) throw new Error(`error: ${flag} needs a whole number ≥ 1`);
    if (flag === "--vms") options.vms = value;
    else if (flag === "--ticks") options.ticks = value;
    else if (flag === "--seed") options.seed = value;
    else throw new Error(`error: unknown option ${flag} (usage: npm run bench:rss -- [--vms 100000] [--ticks 61] [--seed 1])`);
  }
  return options;
}

const MiB = 2 ** 20;

/** One memory reading after a full GC, in MiB. */
export interface MemoryReading {
  rss: number;
  heapCommitted: number;
  heapUsed: number;
  arrayBuffers: number;
  external: number;
}

/** Memory after a full collection (none when node runs without --expose-gc). */
export function readMemory(): MemoryReading {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss / MiB, heapCommitted: m.heapTotal / MiB, heapUsed: m.heapUsed / MiB, arrayBuffers: m.arrayBuffers / MiB, external: m.external / MiB };
}

const line = (label: string, m: MemoryReading): string =>
  `${label.padEnd(22)} RSS ${m.rss.toFixed(0).padStart(5)} MiB  heap ${m.heapCommitted.toFixed(0).padStart(4)} committed / ${m.heapUsed.toFixed(0).padStart(4)} used  array buffers ${m.arrayBuffers.toFixed(0).padStart(4)}  external ${m.external.toFixed(0).padStart(4)}`;

function cpuMs(f: () => void): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  f();
  const c = process.cpuUsage(c0);
  return { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** Runs the measurement and prints it. */
export function measureRss(options: RssOptions, print: (line: string) => void = console.log): { apply: MemoryReading; first: MemoryReading; last: MemoryReading } {
  if ((globalThis as { gc?: unknown }).gc === undefined) print("note: run node with --expose-gc for readings after a full collection");
  const flags = process.execArgv.filter((a) => a.startsWith("--") && a !== "--expose-gc");
  print(`busy cluster of ${options.vms} VMs, ${options.ticks} ticks, seed ${options.seed}; node ${process.version}${flags.length > 0 ? ` ${flags.join(" ")}` : ""}`);
  const engine = createEngine({ seed: options.seed });
  engine.apply(busyCluster(options.vms, options.seed));
  const apply = readMemory();
  print(line("after apply", apply));
  const firstTick = cpuMs(() => engine.step(1));
  const first = readMemory();
  print(line(`after tick 1 (${firstTick.wall.toFixed(0)} ms)`, first));
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 1; i < options.ticks; i++) {
    const s = cpuMs(() => engine.step(1));
    wall.push(s.wall);
    cpu.push(s.cpu);
  }
  const last = readMemory();
  print(line(`after tick ${options.ticks}`, last));
  print(`busy tick median: ${median(wall).toFixed(0)} ms wall, ${median(cpu).toFixed(0)} ms CPU`);
  return { apply, first, last };
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${path.resolve(process.argv[1])}`).href) {
  try {
    measureRss(parseRssArgs(process.argv.slice(2)));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
}
